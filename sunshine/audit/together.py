"""New rows and their audit events written in one PostgreSQL statement, chained by the database.

For the busiest write (a filing), where round trips and waiting are most of the cost.
Chaining at commit takes three round trips (lock the head, insert the events, move the
head) after the rows' own inserts, and holds the head's lock across them. Here one
statement does it all: it locks the head, links each event to the one before in SQL,
inserts the rows and the events, and moves the head:

    WITH link_0 AS MATERIALIZED (SELECT last_seq AS seq, last_hash AS hash
                                 FROM audit_head WHERE id = 1 FOR UPDATE),
         link_1 AS MATERIALIZED (SELECT seq + 1 AS seq, hash AS prev_hash,
                                 encode(sha256(convert_to(%(canonical_1)s || hash || '","seq":'
                                        || (seq + 1) || '}', 'UTF8')), 'hex') AS hash FROM link_0),
         link_2 AS MATERIALIZED (... FROM link_1),
         row_1 AS (INSERT INTO records_request (...) SELECT ...
                   FROM json_populate_record(NULL::records_request, %(row_1)s)),
         row_2 AS (INSERT INTO clock (...) SELECT ... FROM json_populate_record(NULL::clock, %(row_2)s)),
         event_1 AS (INSERT INTO audit_event (..., seq, prev_hash, hash)
                     SELECT e.occurred_at, ..., l.seq, l.prev_hash, l.hash
                     FROM json_populate_record(NULL::audit_event, %(event_1)s) AS e, link_1 AS l),
         event_2 AS (... link_2 ...)
    UPDATE audit_head SET last_seq = (SELECT seq FROM link_2), last_hash = (SELECT hash FROM link_2)
    WHERE id = 1 RETURNING last_seq

Each row and each event travels as one JSON parameter, which PostgreSQL reads into the
table's own row type (``json_populate_record``), so it casts every value to its column's
type. A filing is then a handful of parameters instead of seventy: the driver converts
the statement once and keeps it prepared, and the work per value is one ``json.dumps``.
Values pass through their column types first (so encrypted columns are encrypted).

Python supplies each event's canonical form up to its link (``canonical_before_link``),
so the hash is the very one ``compute_hash`` gives and ``verify_chain`` checks. The lock
is held only from this statement to the commit, with no Python work in between. The
statement has the same shape every time a given write runs, so it is built once.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Dialect, Table, select
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
    for number, (table, values) in enumerate(rows, start=1):
        parameters[f"row_{number}"] = row_json(table, values)
    for number, event in enumerate(events, start=1):
        parameters[f"event_{number}"] = row_json(
            _EVENTS, {key: getattr(event, key) for key in CONTENT_COLUMNS}
        )
        parameters[f"canonical_{number}"] = canonical_before_link(event)
    shape = tuple((table, tuple(values)) for table, values in rows)
    statement = _statement(db.engine.dialect, shape, len(events))
    moved = db.session.connection().exec_driver_sql(statement, parameters).first()
    if moved is None:  # no head row: the rows went in without their events, so take them out again
        db.session.rollback()
        raise RuntimeError("The audit log has no head row")


def row_json(table: Table, values: dict[str, Any]) -> str:
    """``values`` (by column key) as the JSON object ``json_populate_record`` reads into a row of ``table``.

    Each value goes through its column type's bind processing, as a plain INSERT would
    send it; JSON columns are nested as they are. Datetimes must be naive (UTC, as
    everywhere in the app): an offset would be silently dropped by a ``timestamp`` column.
    """
    processors = _processors(db.engine.dialect, table)
    document = {}
    for key, value in values.items():
        name, process = processors[key]
        document[name] = process(value) if process is not None and value is not None else value
    return json.dumps(document, default=_json_value, separators=(",", ":"), ensure_ascii=False)


def _json_value(value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError(f"Datetimes are stored naive (UTC), not {value.isoformat()}")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form here")


@functools.cache
def _processors(dialect: Dialect, table: Table) -> dict[str, tuple[str, Callable[[Any], Any] | None]]:
    """Each column's name and bind processor (None for JSON columns, nested as they are), by key."""
    return {
        column.key: (
            column.name,
            None if isinstance(column.type, JSON) else column.type.bind_processor(dialect),
        )
        for column in table.columns
    }


@functools.cache
def _statement(dialect: Dialect, shape: tuple[tuple[Table, tuple[str, ...]], ...], events: int) -> str:
    """The statement for ``shape`` (each table and its column keys) and ``events`` events, built once.

    Only names from the tables' metadata (quoted) and numbers go into the text; every
    value is a parameter.
    """
    quote = dialect.identifier_preparer.quote
    head, log, where = quote(_HEAD.name), quote(_EVENTS.name), f"WHERE id = {int(HEAD_ID)}"
    locked = f"SELECT last_seq AS seq, last_hash AS hash FROM {head} {where} FOR UPDATE"  # noqa: S608
    parts = [f"link_0 AS MATERIALIZED ({locked})"]
    for number in range(1, events + 1):
        linked = f"%(canonical_{number})s || hash || '\",\"seq\":' || (seq + 1) || '}}'"
        hashed = f"encode(sha256(convert_to({linked}, 'UTF8')), 'hex')"
        linking = f"SELECT seq + 1 AS seq, hash AS prev_hash, {hashed} AS hash FROM link_{number - 1}"  # noqa: S608
        parts.append(f"link_{number} AS MATERIALIZED ({linking})")
    for number, (table, keys) in enumerate(shape, start=1):
        name, columns = quote(table.name), ", ".join(quote(table.c[key].name) for key in keys)
        source = f"json_populate_record(NULL::{name}, %(row_{number})s)"
        parts.append(f"row_{number} AS (INSERT INTO {name} ({columns}) SELECT {columns} FROM {source})")  # noqa: S608
    content = [quote(_EVENTS.c[key].name) for key in CONTENT_COLUMNS]
    into = f"INSERT INTO {log} ({', '.join(content)}, seq, prev_hash, hash)"
    chained = f"SELECT {', '.join('e.' + column for column in content)}, l.seq, l.prev_hash, l.hash"
    for number in range(1, events + 1):
        source = f"json_populate_record(NULL::{log}, %(event_{number})s) AS e, link_{number} AS l"
        parts.append(f"event_{number} AS ({into} {chained} FROM {source})")
    last = f"link_{events}"
    move = f"last_seq = (SELECT seq FROM {last}), last_hash = (SELECT hash FROM {last})"  # noqa: S608
    moved = f"UPDATE {head} SET {move} {where} RETURNING last_seq"  # noqa: S608
    return "WITH " + ",\n".join(parts) + "\n" + moved
