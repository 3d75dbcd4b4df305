"""New rows and their audit events written in one PostgreSQL statement.

For the busiest write (a filing), where round trips are most of the cost. Chaining at
commit takes three (lock the head, insert the events, move the head) after the rows'
own inserts. Here the caller's first query also locks the log's head and reads it
(``locking_head``); the events are hashed onto it, and one statement inserts the rows
and the events and moves the head:

    WITH write_1 AS (INSERT INTO records_request (...) VALUES (...)),
         write_2 AS (INSERT INTO clock (...) VALUES (...)),
         write_3 AS (INSERT INTO audit_event (...) VALUES (...)), ...
    UPDATE audit_head SET last_seq = ..., last_hash = ... WHERE audit_head.id = 1

So filings take turns from their first query to their commit, as every writer of the log
does from its chaining to its commit. (Reading the head without the lock and moving it
only if unmoved was tried: two workers then collided on a third of filings, and the
retries cost more than the waiting.) The statement has the same shape every time a given
write runs, so SQLAlchemy builds and compiles it once.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Select, Table, bindparam, insert, inspect, select, true, update

from sunshine.audit.models import AuditEvent, AuditHead
from sunshine.audit.services import HEAD_ID, Head, chain, lock_head, take_pending
from sunshine.extensions import db


def locking_head(query: Select) -> Select:
    """``query`` with the log's head as two more columns, locked until the transaction ends.

    It then returns no row while the log has no head (a new database): call ``make_head``.
    The lock is taken in a CTE of its own: a ``FOR UPDATE`` on the query itself would, after
    waiting for another filing, evaluate its columns a second time (and take every
    ``nextval`` in them twice).
    """
    head = AuditHead.__table__
    locked = select(head.c.last_seq, head.c.last_hash).where(head.c.id == HEAD_ID).with_for_update()
    locked = locked.cte("head_locked")
    return query.add_columns(locked.c.last_seq, locked.c.last_hash).join(locked, true())


def make_head() -> None:
    """Give a new log its head row (the caller's transaction then holds its lock)."""
    lock_head(db.session.connection())


def values_of(instance: Any) -> tuple[Table, dict[str, Any]]:
    """A new model instance's table and every column value to insert, Python-side defaults applied."""
    table = instance.__table__
    given = inspect(instance).dict
    values = {}
    for column in table.columns:
        if column.key in given:
            values[column.key] = given[column.key]
        elif column.default is not None and column.default.is_scalar:
            values[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            values[column.key] = column.default.arg(None)
    return table, values


def write_with_events(rows: list[tuple[Table, dict[str, Any]]], head: Head) -> None:
    """Insert ``rows`` and this transaction's pending audit events in one statement (PostgreSQL).

    ``head`` is the log's head as read under its lock (``locking_head``) in this transaction.
    Rows must carry their ids (from their sequences), since events name them before the insert.
    """
    event_rows, new_head = chain(take_pending(db.session), head)
    writes = [*rows, *((_EVENTS, row) for row in event_rows)]
    parameters = {"new_seq": new_head[0], "new_hash": new_head[1]}
    for number, (_, values) in enumerate(writes, start=1):
        parameters.update({f"w{number}_{key}": value for key, value in values.items()})
    statement = _statement(tuple((table, tuple(values)) for table, values in writes))
    db.session.connection().execute(statement, parameters)


@functools.cache
def _statement(shape: tuple[tuple[Table, tuple[str, ...]], ...]):
    """The statement for writes of this shape (each table and its columns), built once."""
    head = AuditHead.__table__
    statement = (
        update(head)
        .where(head.c.id == HEAD_ID)
        .values(last_seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
    )
    for number, (target, keys) in enumerate(shape, start=1):
        values = {key: bindparam(f"w{number}_{key}", type_=target.c[key].type) for key in keys}
        statement = statement.add_cte(insert(target).values(values).cte(f"write_{number}"))
    return statement


_EVENTS = AuditEvent.__table__
