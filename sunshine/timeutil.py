"""Timestamps: stored as naive UTC so SQLite and PostgreSQL round-trip them alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

# Set only inside ``as_of``: how far the app's "now" is from the real one.
_SHIFT: ContextVar[timedelta | None] = ContextVar("sunshine_clock_shift", default=None)


def utcnow() -> datetime:
    """The current UTC time without tzinfo, truncated to microseconds (shifted inside ``as_of``)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    shift = _SHIFT.get()
    return now if shift is None else now + shift


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Act as if it were ``moment`` (naive UTC): within the block, "now" starts there and runs on.

    For loading history through the ordinary services (the demo's requests, filed and answered
    over past months), so every date, clock and audit event is what the app would have made
    then. Never around a web request or a job: real deadlines run on the real clock.
    """
    token = _SHIFT.set(moment - datetime.now(UTC).replace(tzinfo=None))
    try:
        yield
    finally:
        _SHIFT.reset(token)


def local_time(moment: datetime, timezone: str, *, date_only: bool = False) -> str:
    """A stored (naive UTC) moment as people at the body read it: "30 Nov 2026, 9:28 AM CST"."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    if date_only:
        return f"{local.day} {local:%b %Y}"
    return f"{local.day} {local:%b %Y}, {local.hour % 12 or 12}:{local:%M %p %Z}"
