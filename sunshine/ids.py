"""Row ids as they arrive in addresses and forms: whole numbers a primary key can hold, or nothing.

A number beyond the column's range would make PostgreSQL raise instead of finding no row, so
an id out of range is treated like one that does not exist: a 404, never a query.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # the largest value of an integer primary key on PostgreSQL


def as_id(value: object) -> int | None:
    """``value`` as a row id if it is one (1 to MAX_ID, written in ASCII digits), else None."""
    text = str(value) if value is not None else ""
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(IntegerConverter):
    """``<int:...>`` throughout the app: every such part of an address is a row id, 1 to MAX_ID."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's parameter name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
