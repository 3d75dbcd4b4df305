"""Read-only views of clocks for pages: the queue and the health figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, false, func, or_, select

from sunshine.clocks.cases import case_types
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
    case_status: dict[int, str]  # clock id -> what its case's status is called, where the case has one


def case_statuses() -> dict[str, str]:
    """Every status a case of a registered type can be in while open, value -> label."""
    return {value: label for kind in case_types() for value, label in kind.status_labels.items()}


def _case_status_condition(value: str):
    """Clocks whose case is in status ``value``, over every case type that has such a status."""
    matches = [
        and_(
            Clock.case_type == kind.name,
            Clock.case_id.in_(select(kind.id_column).where(kind.status_column == value)),
        )
        for kind in case_types()
        if value in kind.status_labels
    ]
    return or_(*matches) if matches else false()


def _case_status_labels(clocks: list[Clock]) -> dict[int, str]:
    labels: dict[int, str] = {}
    for kind in case_types():
        ids = {clock.case_id for clock in clocks if clock.case_type == kind.name}
        if not ids or kind.status_column is None:
            continue
        rows = db.session.execute(select(kind.id_column, kind.status_column).where(kind.id_column.in_(ids)))
        found = {case_id: status for case_id, status in rows}
        for clock in clocks:
            if clock.case_type == kind.name and clock.case_id in found:
                value = str(getattr(found[clock.case_id], "value", found[clock.case_id]))
                labels[clock.id] = kind.status_labels.get(value, value.replace("_", " ").capitalize())
    return labels


def queue(
    unit_ids: set[int],
    status: str = "all",
    unit_id: int | None = None,
    page: int = 1,
    case_status: str | None = None,
) -> QueuePage:
    """Open clocks in ``unit_ids`` by due date (then id), with per-filter counts.

    ``status`` filters on the clock (overdue, due soon, paused); ``case_status`` on where
    the case itself stands (a records request awaiting payment, say). The counts are of
    the clock filters within the unit and case-status scope.
    """
    scope = [Clock.outcome == Outcome.OPEN, Clock.unit_id.in_(unit_ids or {-1})]
    if unit_id is not None:
        scope.append(Clock.unit_id == unit_id)
    if case_status is not None:
        scope.append(_case_status_condition(case_status))
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
    shown = rows[:PAGE_SIZE]
    return QueuePage(shown, page, len(rows) > PAGE_SIZE, counts, _case_status_labels(shown))


def overdue_count() -> int:
    return (
        db.session.scalar(
            select(func.count(Clock.id)).where(
                Clock.outcome == Outcome.OPEN, Clock.urgency == Urgency.OVERDUE
            )
        )
        or 0
    )
