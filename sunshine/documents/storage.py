"""Where files live: behind a small interface, a local folder now, an S3-compatible store later.

Files are stored under random names outside the web root, written to a temporary
name and renamed into place (never half-written), and served only through
authorised routes. The original file name is never used on disk.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from sunshine.extensions import db


@dataclass(frozen=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class Storage(Protocol):
    def save(self, data: bytes) -> StoredFile: ...
    def open(self, key: str) -> BinaryIO: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files in a folder: key ``ab/cdef...``, sharded by the first two characters."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key or any(c not in "0123456789abcdef/" for c in key) or key.count("/") != 1:
            raise ValueError("Not a storage key")
        return self.root / key

    def save(self, data: bytes) -> StoredFile:
        name = secrets.token_hex(20)
        key = f"{name[:2]}/{name[2:]}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_suffix(".part")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temporary.rename(path)
        return StoredFile(key, hashlib.sha256(data).hexdigest(), len(data))

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> Storage:
    """The configured store (``FILES_ROOT``, default ``instance/files``)."""
    root = Path(current_app.config.get("FILES_ROOT") or Path(current_app.instance_path) / "files")
    return LocalStorage(root)


# ---- files that belong to a transaction's rows ------------------------------------------------

_UNCOMMITTED = "sunshine.uncommitted_files"


def save_in_transaction(data: bytes) -> StoredFile:
    """Store ``data`` for a row the current transaction writes; deleted again if it rolls back.

    Files are written before the commit (a row must never name a file that is not there),
    so a rollback would otherwise leave a file no row names, perhaps holding personal data.
    """
    store = storage()
    stored = store.save(data)
    db.session.info.setdefault(_UNCOMMITTED, []).append((store, stored.key))
    return stored


@orm_event.listens_for(Session, "after_commit")
def _keep_files(session: Session) -> None:
    session.info.pop(_UNCOMMITTED, None)


@orm_event.listens_for(Session, "after_soft_rollback")
def _delete_files(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return  # a savepoint: the outer transaction may still commit them
    for store, key in session.info.pop(_UNCOMMITTED, []):
        try:
            store.delete(key)
        except OSError:  # a leftover file is a nuisance; failing the rollback would be worse
            continue
