"""Timestamps: stored as naive UTC so SQLite and PostgreSQL round-trip them alike."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current UTC time without tzinfo, truncated to microseconds."""
    return datetime.now(UTC).replace(tzinfo=None)
