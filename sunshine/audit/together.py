"""New rows and their audit events written in one PostgreSQL statement, chained by the database.

For the busiest write (a filing), where round trips and waiting are most of the cost.
Chaining at commit takes three round trips (lock the head, insert the events, move the
head) after the rows' own inserts, and holds the head's lock across them. Here one
statement does it all: it locks the head, links each event to the one before in SQL,
inserts the rows and the events, and moves the head:

    WITH link_0 AS MATERIALIZED (SELECT last_seq AS seq, last_hash AS hash
                                 FROM audit_head WHERE id = 1 FOR UPDATE),
         link_1 AS MATERIALIZED (SELECT seq + 1 AS seq, hash AS prev_hash,
                                 encode(sha256(convert_to(:e1_canonical || hash || '","seq":'
                                        || (seq + 1) || '}', 'UTF8')), 'hex') AS hash FROM link_0),
         link_2 AS MATERIALIZED (... FROM link_1),
         write_1 AS (INSERT INTO records_request (...) VALUES (...)),
         write_2 AS (INSERT INTO clock (...) VALUES (...)),
         event_1 AS (INSERT INTO audit_event (...) SELECT ..., seq, prev_hash, hash FROM link_1),
         event_2 AS (... FROM link_2)
    UPDATE audit_head SET last_seq = (SELECT seq FROM link_2), last_hash = (SELECT hash FROM link_2)
    WHERE id = 1 RETURNING last_seq

Python supplies each event's canonical form up to its link (``canonical_before_link``),
so the hash is the very one ``compute_hash`` gives and ``verify_chain`` checks. The lock
is held only from this statement to the commit, with no Python work in between. The
statement has the same shape every time a given write runs, so it is built once.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import String, Table, bindparam, cast, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from sunshine.audit.models import AuditEvent, AuditHead
from sunshine.audit.services import (
    CONTENT_COLUMNS,
    GENESIS_HEAD,
    HEAD_ID,
    canonical_before_link,
    take_pending,
)
from sunshine.extensions import db

_HEAD = AuditHead.__table__
_EVENTS = AuditEvent.__table__

HAS_HEAD = select(_HEAD.c.id).where(_HEAD.c.id == HEAD_ID).exists()


def make_head() -> None:
    """Give a new log its head row, so ``write_with_events`` has a head to move.

    Two first filings at once both find no head: the second insert gives way to the first.
    """
    genesis = postgresql_insert(_HEAD).values(GENESIS_HEAD)
    db.session.execute(genesis.on_conflict_do_nothing(index_elements=[_HEAD.c.id]))


def write_with_events(rows: list[tuple[Table, dict[str, Any]]]) -> None:
    """Insert ``rows`` and this transaction's pending audit events in one statement (PostgreSQL).

    Rows must carry their ids (from their sequences), since events name them before the
    insert. The log must have its head row (``HAS_HEAD``, ``make_head``).
    """
    events = take_pending(db.session)
    parameters = {}
    for number, (_, values) in enumerate(rows, start=1):
        parameters.update({f"w{number}_{key}": value for key, value in values.items()})
    for number, event in enumerate(events, start=1):
        parameters.update({f"e{number}_{key}": getattr(event, key) for key in CONTENT_COLUMNS})
        parameters[f"e{number}_canonical"] = canonical_before_link(event)
    statement = _statement(tuple((table, tuple(values)) for table, values in rows), len(events))
    moved = db.session.connection().execute(statement, parameters).first()
    if moved is None:  # no head row: the rows went in without their events, so take them out again
        db.session.rollback()
        raise RuntimeError("The audit log has no head row")


@functools.cache
def _statement(shape: tuple[tuple[Table, tuple[str, ...]], ...], events: int):
    """The statement for ``shape`` (each table and its columns) and ``events`` events, built once."""
    link = (
        select(_HEAD.c.last_seq.label("seq"), _HEAD.c.last_hash.label("hash"))
        .where(_HEAD.c.id == HEAD_ID)
        .with_for_update()
        .cte("link_0")
        .prefix_with("MATERIALIZED")
    )
    writes = []
    for number, (target, keys) in enumerate(shape, start=1):
        values = {key: bindparam(f"w{number}_{key}", type_=target.c[key].type) for key in keys}
        writes.append(insert(target).values(values).cte(f"write_{number}"))
    for number in range(1, events + 1):
        seq = link.c.seq + 1
        canonical = (
            bindparam(f"e{number}_canonical", type_=String)
            + link.c.hash
            + literal('","seq":')
            + cast(seq, String)
            + literal("}")
        )
        hashed = func.encode(func.sha256(func.convert_to(canonical, "UTF8")), "hex")
        link = (
            select(seq.label("seq"), link.c.hash.label("prev_hash"), hashed.label("hash"))
            .cte(f"link_{number}")
            .prefix_with("MATERIALIZED")
        )
        # INSERT ... SELECT infers no types from the target: each value is cast to its column's.
        given = [
            cast(bindparam(f"e{number}_{key}", type_=_EVENTS.c[key].type), _EVENTS.c[key].type)
            for key in CONTENT_COLUMNS
        ]
        columns = [_EVENTS.c[key] for key in (*CONTENT_COLUMNS, "seq", "prev_hash", "hash")]
        chained = select(*given, link.c.seq, link.c.prev_hash, link.c.hash)
        writes.append(insert(_EVENTS).from_select(columns, chained).cte(f"event_{number}"))
    statement = (
        update(_HEAD)
        .where(_HEAD.c.id == HEAD_ID)
        .values(
            last_seq=select(link.c.seq).scalar_subquery(), last_hash=select(link.c.hash).scalar_subquery()
        )
        .returning(_HEAD.c.last_seq)
    )
    for write in writes:
        statement = statement.add_cte(write)
    return statement
