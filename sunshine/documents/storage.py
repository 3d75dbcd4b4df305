"""Where files live: behind a small interface, a local folder or an S3-compatible store.

Files are stored under random names outside the web root, never half-written (a local
file is written to a temporary name and renamed into place; an S3 object appears whole or
not at all), and served only through authorised routes. The original file name is never
used in a key. ``FILES_S3_BUCKET`` set means the S3-compatible store (any that speaks the
S3 API: AWS, MinIO, Ceph...), which every host behind a load balancer shares; else the
folder ``FILES_ROOT``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import secrets
import tempfile
import threading
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
        return self.root / _checked(key)

    def save(self, data: bytes) -> StoredFile:
        key = _new_key()
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


class StorageError(OSError):
    """The store could not be reached, or refused: an OSError, as a local disk's failures are."""


def _new_key() -> str:
    name = secrets.token_hex(20)
    return f"{name[:2]}/{name[2:]}"


KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{38}")  # what _new_key makes: never a path of another shape


def _checked(key: str) -> str:
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValueError("Not a storage key")
    return key


# Objects this large or smaller are read into memory when opened; larger ones spill to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def _s3_failures() -> tuple[type[BaseException], ...]:
    """What boto3 raises when the store cannot be reached or refuses: botocore's errors, and
    s3transfer's (a download whose retries ran out), which are not botocore's."""
    try:
        from boto3.exceptions import Boto3Error
        from botocore.exceptions import BotoCoreError, ClientError
        from s3transfer.exceptions import RetriesExceededError, S3DownloadFailedError
    except ImportError:  # no S3 client installed: S3Storage is never made then
        return ()
    return (BotoCoreError, ClientError, Boto3Error, RetriesExceededError, S3DownloadFailedError)


_FAILURES = _s3_failures()


class S3Storage:
    """Objects in an S3-compatible bucket: key ``<prefix>ab/cdef...``, the same keys as ``LocalStorage``.

    ``client`` is a boto3 S3 client. With ``server_side_encryption`` (``AES256`` or ``aws:kms``)
    every object is written encrypted by the store (with the store's default key for
    ``aws:kms``). An object opened is copied into a seekable temporary file first, so its
    length is known (``size``) and a slow reader never holds a connection to the store.
    """

    def __init__(self, client, bucket: str, prefix: str = "", server_side_encryption: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.server_side_encryption = server_side_encryption

    def _object(self, key: str) -> str:
        return self.prefix + _checked(key)

    def save(self, data: bytes) -> StoredFile:
        key = _new_key()
        extra = {"ServerSideEncryption": self.server_side_encryption} if self.server_side_encryption else {}
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._object(key),
                Body=data,
                ContentType="application/octet-stream",
                # The store refuses a body that arrives damaged; every S3-compatible store checks this one.
                ContentMD5=base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode(),
                **extra,
            )
        except _FAILURES as exc:
            raise StorageError(f"The file store did not take the file: {exc}") from exc
        return StoredFile(key, hashlib.sha256(data).hexdigest(), len(data))

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        copy = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
        try:
            self.client.download_fileobj(self.bucket, self._object(key), copy)
        except ClientError as exc:
            copy.close()
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(f"No stored file {key}") from exc
            raise StorageError(f"The file store did not give the file: {exc}") from exc
        except _FAILURES as exc:
            copy.close()
            raise StorageError(f"The file store did not give the file: {exc}") from exc
        copy.seek(0)
        return copy  # type: ignore[return-value]

    def delete(self, key: str) -> None:
        try:  # deleting an object that is not there succeeds, as unlink(missing_ok=True) does
            self.client.delete_object(Bucket=self.bucket, Key=self._object(key))
        except _FAILURES as exc:
            raise StorageError(f"The file store did not delete the file: {exc}") from exc


_CLIENTS = "sunshine.s3_client"
_MAKING_CLIENT = threading.Lock()


def _s3_client(config):
    """A boto3 client for the configured store; credentials from the usual AWS chain.

    Made from a session of its own: boto3's shared default session is not safe to make
    clients from in several threads at once (clients themselves are).
    """
    import boto3
    from botocore.config import Config

    settings = Config(
        retries={"max_attempts": 3, "mode": "standard"},
        connect_timeout=5,
        read_timeout=60,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_supported",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.get("FILES_S3_ENDPOINT_URL") or None,
        region_name=config.get("FILES_S3_REGION") or None,
        config=settings,
    )


def storage() -> Storage:
    """The configured store: the bucket ``FILES_S3_BUCKET`` when set, else the folder ``FILES_ROOT``
    (default ``instance/files``)."""
    config = current_app.config
    if config.get("FILES_S3_BUCKET"):
        # One client per process: a job worker's forked child must not share its parent's connections.
        clients = current_app.extensions.setdefault(_CLIENTS, {})
        if os.getpid() not in clients:
            with _MAKING_CLIENT:  # the first requests of a threaded server arrive together
                if os.getpid() not in clients:
                    clients[os.getpid()] = _s3_client(config)
        return S3Storage(
            clients[os.getpid()],
            config["FILES_S3_BUCKET"],
            config.get("FILES_S3_PREFIX") or "",
            config.get("FILES_S3_SSE") or "",
        )
    return LocalStorage(_files_root())


def _files_root() -> Path:
    return Path(current_app.config.get("FILES_ROOT") or Path(current_app.instance_path) / "files")


def where_files_are() -> str:
    """The configured store in words, for messages: "the bucket records under sunshine/"."""
    config = current_app.config
    if config.get("FILES_S3_BUCKET"):
        prefix = config.get("FILES_S3_PREFIX")
        return f"the bucket {config['FILES_S3_BUCKET']}" + (f" under {prefix}" if prefix else "")
    return f"the folder {_files_root()}"


def size(handle: BinaryIO) -> int:
    """The length of an opened stored file, which is left at its start."""
    end = handle.seek(0, io.SEEK_END)
    handle.seek(0)
    return end


# ---- files that belong to a transaction's rows ------------------------------------------------

_UNCOMMITTED = "sunshine.uncommitted_files"


def save_in_transaction(data: bytes) -> StoredFile:
    """Store ``data`` for a row the current transaction writes; deleted again if it rolls back.

    Files are written before the commit (a row must never name a file that is not there),
    so a rollback would otherwise leave a file no row names, perhaps holding personal data.
    """
    db.session.connection()  # begin the transaction, so its rollback is seen and deletes the file
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
