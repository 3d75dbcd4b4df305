"""Read-only views of clocks for pages: the queue and the health figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from sunshine.clocks.models import Clock
from sunshine.clocks.policies import Outcome, Urgency
from sunshine.extensions import db

PAGE_SIZE = 50
FILTERS = {
    "all": None,
    "overdue": Clock.urgency == Urgency.OVERDUE,
    "due_soon": Clock.urgency == Urgency.DUE_SOON,
    "paused": Clock.paused_at.is_not(None),
}


@dataclass(frozen=True)
class QueuePage:
    clocks: list[Clock]
    page: int
    has_next: bool
    counts: dict[str, int]


def queue(unit_ids: set[int], status: str = "all", unit_id: int | None = None, page: int = 1) -> QueuePage:
    """Open clocks in ``unit_ids`` by due date (then id), with per-filter counts."""
    scope = [Clock.outcome == Outcome.OPEN, Clock.unit_id.in_(unit_ids or {-1})]
    if unit_id is not None:
        scope.append(Clock.unit_id == unit_id)
    base = select(Clock).where(*scope)
    condition = FILTERS.get(status)
    query = base.where(condition) if condition is not None else base
    rows = list(
        db.session.scalars(
            query.order_by(Clock.due_on, Clock.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
        )
    )
    # One pass for every filter's count (count(*) FILTER (WHERE ...), on SQLite and PostgreSQL alike).
    totals = db.session.execute(
        select(
            *(func.count().filter(cond) if cond is not None else func.count() for cond in FILTERS.values())
        )
        .select_from(Clock)
        .where(*scope)
    ).one()
    counts = dict(zip(FILTERS, (total or 0 for total in totals), strict=True))
    return QueuePage(rows[:PAGE_SIZE], page, len(rows) > PAGE_SIZE, counts)


def overdue_count() -> int:
    return (
        db.session.scalar(
            select(func.count(Clock.id)).where(
                Clock.outcome == Outcome.OPEN, Clock.urgency == Urgency.OVERDUE
            )
        )
        or 0
    )
