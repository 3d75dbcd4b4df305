"""Timestamps: stored as naive UTC so SQLite and PostgreSQL round-trip them alike."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """The current UTC time without tzinfo, truncated to microseconds."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(moment: datetime, timezone: str, *, date_only: bool = False) -> str:
    """A stored (naive UTC) moment as people at the body read it: "30 Nov 2026, 9:28 AM CST"."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(timezone))
    if date_only:
        return f"{local.day} {local:%b %Y}"
    return f"{local.day} {local:%b %Y}, {local.hour % 12 or 12}:{local:%M %p %Z}"
