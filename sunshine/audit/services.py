"""Recording audit events and verifying the chain.

Every feature records its state changes with ``record()`` inside the same
transaction as the change, so an event exists exactly when the change does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import event as orm_event
from sqlalchemy.orm import Session

from sunshine.audit.models import GENESIS_HASH, AuditEvent, AuditHead
from sunshine.extensions import db
from sunshine.timeutil import utcnow

HEAD_ID = 1
GENESIS_HEAD = {"id": HEAD_ID, "last_seq": 0, "last_hash": GENESIS_HASH}  # the head of a log with no events


# An event's content: what its hash covers besides its place in the chain (seq, prev_hash).
CONTENT_COLUMNS = ("occurred_at", "actor_id", "actor_kind", "action", "object_type", "object_id", "details")


def _content(event: AuditEvent) -> dict[str, Any]:
    content = {key: getattr(event, key) for key in CONTENT_COLUMNS}
    content["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    return content


def _dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def _canonical(event: AuditEvent) -> bytes:
    return _dumps({**_content(event), "seq": event.seq, "prev_hash": event.prev_hash}).encode()


def canonical_before_link(event: AuditEvent) -> str:
    """The event's canonical form up to its link, for chaining where only the database knows the head.

    ``prev_hash`` and ``seq`` sort after every other key, so the canonical form is this
    + prev_hash + ``'","seq":'`` + seq + ``"}"``, all ASCII; its SHA-256 is what
    ``compute_hash`` gives once seq and prev_hash are set (tests hold the two together).
    """
    linked = _dumps({**_content(event), "prev_hash": "", "seq": 0})
    before, tail = linked[: -len(_LINK_TAIL)], linked[-len(_LINK_TAIL) :]
    if tail != _LINK_TAIL:  # a content key sorting after prev_hash would break this split
        raise AssertionError(f"The canonical form must end with its link, not {tail!r}")
    return before + ',"prev_hash":"'


_LINK_TAIL = ',"prev_hash":"","seq":0}'


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def record(
    actor: Any,
    action: str,
    obj: Any = None,
    *,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> AuditEvent:
    """Append an event to the log in the current transaction; the caller commits.

    ``actor`` is a User or None (the system). ``obj`` is any model instance with an
    ``id``; its table name becomes the object type. ``details`` must be JSON-safe and
    should hold ids and codes, not personal data, since the log is never pruned.
    """
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = obj.id
    actor_id = getattr(actor, "id", None) if actor is not None else None
    event = AuditEvent(
        occurred_at=utcnow(),
        actor_id=actor_id,
        actor_kind=actor_kind or ("user" if actor_id is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details or {},
    )
    # Chained at commit (below), so the head row is locked only while the transaction ends,
    # not for all the work between the first event and the commit.
    db.session.connection()  # begin the transaction, so a rollback is seen and drops the event
    db.session.info.setdefault(_PENDING, []).append(event)
    return event


_PENDING = "sunshine.audit_pending"


def _chain_pending(session: Session) -> None:
    """Give this transaction's events their place in the chain, under the head's row lock.

    Plain INSERT and UPDATE statements rather than the unit of work: this runs in every
    transaction that records anything, and the lock is held from here to the commit.
    """
    pending = take_pending(session)
    if not pending:
        return
    connection = session.connection()  # Core, not the ORM: no entities are loaded or flushed here
    rows, head = _chain(pending, _lock_head(connection))
    connection.execute(insert(AuditEvent.__table__), rows)
    connection.execute(_MOVE_HEAD, {"last_seq": head[0], "last_hash": head[1]})


def take_pending(session: Session) -> list[AuditEvent]:
    """This transaction's events not yet chained (they are then the caller's to write)."""
    return session.info.pop(_PENDING, None) or []


def _lock_head(connection) -> tuple[int, str]:
    """Lock the head row until the transaction ends and return it (made, for a new log)."""
    head_row = connection.execute(_LOCK_HEAD).first()
    if head_row is None:
        connection.execute(insert(AuditHead.__table__), GENESIS_HEAD)
        return 0, GENESIS_HASH
    return head_row[0], head_row[1]


def _chain(events: list[AuditEvent], head: tuple[int, str]) -> tuple[list[dict[str, Any]], tuple[int, str]]:
    """Place ``events`` after ``head``: their rows to insert, and the head that follows them."""
    last_seq, last_hash = head
    rows = []
    for item in events:
        item.seq, item.prev_hash = last_seq + 1, last_hash
        item.hash = compute_hash(item)
        last_seq, last_hash = item.seq, item.hash
        rows.append({column: getattr(item, column) for column in _ROW_COLUMNS})
    return rows, (last_seq, last_hash)


_ROW_COLUMNS = [c.key for c in AuditEvent.__table__.columns if c.key != "id"]
_LOCK_HEAD = select(AuditHead.last_seq, AuditHead.last_hash).where(AuditHead.id == HEAD_ID).with_for_update()
_MOVE_HEAD = (
    update(AuditHead.__table__)
    .where(AuditHead.__table__.c.id == HEAD_ID)
    .values(last_seq=bindparam("last_seq"), last_hash=bindparam("last_hash"))
)


@orm_event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    _chain_pending(session)


@orm_event.listens_for(Session, "after_soft_rollback")
def _forget_pending(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(batch_size: int = 5000) -> ChainBreak | None:
    """Walk the log in order; return the first broken link, or None if intact.

    Detects an edited row (its hash no longer matches its content), a deleted row
    (a gap in ``seq`` or a ``prev_hash`` that names another row) and deleted
    newest rows (the head names an event that is gone).
    """
    with Session(db.engine) as session:
        return _walk(session, batch_size)


def _walk(session: Session, batch_size: int) -> ChainBreak | None:
    expected_seq, expected_prev = 1, GENESIS_HASH
    last_seen = 0
    while True:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seen).order_by(AuditEvent.seq).limit(batch_size)
        ).all()
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainBreak(expected_seq, f"event {expected_seq} is missing")
            if event.prev_hash != expected_prev:
                return ChainBreak(event.seq, "does not link to the event before it")
            if compute_hash(event) != event.hash:
                return ChainBreak(event.seq, "content does not match its hash (edited)")
            expected_seq, expected_prev = event.seq + 1, event.hash
        last_seen = events[-1].seq
        session.expunge_all()
    head = session.get(AuditHead, HEAD_ID)
    if head is not None and (head.last_seq, head.last_hash) != (expected_seq - 1, expected_prev):
        return ChainBreak(expected_seq, f"the log ends early: head names event {head.last_seq}")
    return None
