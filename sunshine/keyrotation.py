"""Retiring a data encryption key: every encrypted value in the database moved to the newest key.

``DATA_ENCRYPTION_KEYS`` lists Fernet keys newest first: the first encrypts, every one
decrypts. To retire a key: put a new key first and restart; run ``flask keys rotate``, which
re-encrypts every stored value the newest key cannot open; run ``flask keys check``, which
says whether any value still needs an older key; only then drop the old key from the list.

The app keeps running meanwhile. Each value is replaced only if it is still the one read
(compare and set), so a value written meanwhile, already under the newest key, is never
overwritten with an older one. Each batch commits on its own, so a rotation stopped half-way
is simply run again. Values no configured key opens are counted and named by table, column
and row, never changed.

The blind-index key (``DATA_INDEX_KEY``) is changed apart: set the new one, restart, and run
``flask keys reindex``, which recomputes every account's email index from the decrypted
address (until it has, those accounts cannot sign in). Links and cookies made with the old
index (email confirmations, remembered browsers) stop working, and the sensitive-data
fingerprints of documents scanned before cannot be matched to their replacements' findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Column, Table, Text, column, select, table, update

from sunshine.audit.services import record
from sunshine.crypto import EncryptedText, cipher
from sunshine.extensions import db

BATCH = 100  # rows per transaction: few rows locked at once, each batch kept when the next fails
NAMED = 20  # unreadable values named in a report; the rest are counted


@dataclass
class KeyReport:
    """What a check or a rotation found, over every encrypted column."""

    current: int = 0  # values under the newest key already
    older: int = 0  # values under an older key (left so by a check; re-encrypted by a rotation)
    rotated: int = 0  # values a rotation re-encrypted
    changed_meanwhile: int = 0  # values written by the app between the read and the rotation's write
    unreadable_count: int = 0  # values no configured key opens
    unreadable: list[tuple[str, str, int]] = field(default_factory=list)  # the first NAMED: table, column, id

    def cannot_open(self, table_name: str, column_name: str, row_id: int) -> None:
        self.unreadable_count += 1
        if len(self.unreadable) < NAMED:
            self.unreadable.append((table_name, column_name, row_id))


def encrypted_columns() -> list[tuple[Table, list[Column]]]:
    """Every table with encrypted columns, and those columns, in the models' metadata."""
    found = []
    for model_table in db.metadata.sorted_tables:
        columns = [c for c in model_table.columns if isinstance(c.type, EncryptedText)]
        if columns:
            if [c.name for c in model_table.primary_key.columns] != ["id"]:
                raise RuntimeError(f"{model_table.name}: encrypted columns need a single id key to rotate")
            found.append((model_table, columns))
    return found


def check() -> KeyReport:
    """Count the values under the newest key, under older ones, and those no key opens; writes nothing."""
    return _walk(rotate=False)


def rotate(actor=None, *, actor_kind: str | None = None) -> KeyReport:
    """Re-encrypt under the newest key every value an older key encrypted; commits batch by batch.

    The start is on the audit log before the first batch commits, so a rotation that stops
    part-way (its batches kept) is on the record too; the end records what it did.
    """
    where = {"object_type": "data_encryption_keys", "actor_kind": actor_kind}
    record(actor, "keys.rotation_started", **where)
    db.session.commit()
    report = _walk(rotate=True)
    details = {
        "rotated": report.rotated,
        "already_current": report.current,
        "changed_meanwhile": report.changed_meanwhile,
        "unreadable": report.unreadable_count,
    }
    record(actor, "keys.rotated", details=details, **where)
    db.session.commit()
    return report


def _walk(*, rotate: bool) -> KeyReport:
    report, fields = KeyReport(), cipher()
    for model_table, columns in encrypted_columns():
        # The raw stored text, not the decrypted value the models' column type gives.
        raw = table(model_table.name, column("id"), *(column(c.name, Text) for c in columns))
        stored = [raw.c[c.name] for c in columns]
        last = 0
        while True:
            rows = db.session.execute(
                select(raw.c.id, *stored).where(raw.c.id > last).order_by(raw.c.id).limit(BATCH)
            ).all()
            if not rows:
                break
            for row_id, *tokens in rows:
                for value, token in zip(stored, tokens, strict=True):
                    if token is not None:
                        _one(report, fields, raw, value, row_id, token, rotate=rotate)
            db.session.commit()
            last = rows[-1][0]
    return report


def _one(report: KeyReport, fields, raw, value, row_id: int, token: str, *, rotate: bool) -> None:
    """Count one stored value, and with ``rotate`` re-encrypt it if it is still as read."""
    if fields.under_newest_key(token):
        report.current += 1
        return
    try:
        renewed = fields.rotate(token)
    except ValueError:
        report.cannot_open(raw.name, value.name, row_id)
        return
    report.older += 1
    if not rotate:
        return
    swapped = db.session.execute(
        update(raw).where(raw.c.id == row_id, value == token).values({value: renewed})
    )
    if swapped.rowcount == 1:
        report.rotated += 1
    else:
        report.changed_meanwhile += 1


def reindex(actor=None, *, actor_kind: str | None = None) -> int:
    """Recompute every account's email index under the current ``DATA_INDEX_KEY``; returns how many
    changed. Commits batch by batch; audited."""
    from sunshine.accounts.models import User

    fields, changed, last = cipher(), 0, 0
    while True:
        users = db.session.scalars(select(User).where(User.id > last).order_by(User.id).limit(BATCH)).all()
        if not users:
            break
        for user in users:
            index = fields.blind_index(user.email)
            if user.email_index != index:
                user.email_index, changed = index, changed + 1
        db.session.commit()
        last = users[-1].id
    record(
        actor,
        "keys.reindexed",
        object_type="data_index_key",
        details={"changed": changed},
        actor_kind=actor_kind,
    )
    db.session.commit()
    return changed
