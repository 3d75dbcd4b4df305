"""Public figures on records requests, month by month: what the metrics page and its CSV show.

A month's figures are about the requests the custodian received that month (by
``custodian_received_on``), so a recent month's figures keep settling as its requests
are answered. Counts come from GROUP BY queries; only the medians are worked out here,
from one row per answered request of the period.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import ColumnElement, and_, case, exists, extract, func, select

from sunshine import calendar as cal
from sunshine.clocks.models import Clock, ClockPause
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.clocks.services import calendar_for
from sunshine.extensions import db
from sunshine.records.citation_settings import current_table
from sunshine.records.citations import statute_sort_key
from sunshine.records.models import DenialCitation, RecordsRequest
from sunshine.records.services import CASE_TYPE
from sunshine.records.states import Status
from sunshine.timeutil import utcnow
from sunshine.units.models import PublicBody

DEFAULT_MONTHS = 12
MAX_MONTHS = 36

# "Closed" on the page: decided (granted, partly granted, denied), closed after a decision,
# or withdrawn. Still open: received, acknowledged, awaiting clarification or payment, delayed.
CLOSED_STATUSES = frozenset(
    {Status.GRANTED, Status.PARTIALLY_GRANTED, Status.DENIED, Status.CLOSED, Status.WITHDRAWN}
)
# The response clock closes as met or missed when the first response goes out; a withdrawn
# or cancelled clock means the request never got one.
_ANSWERED = (Outcome.MET, Outcome.MISSED)

_YEAR = extract("year", RecordsRequest.custodian_received_on)
_MONTH = extract("month", RecordsRequest.custodian_received_on)

MonthKey = tuple[int, int]


@dataclass(frozen=True, kw_only=True)
class Figures:
    """The figures for a set of requests (a month's, or the whole period's).

    ``answered`` counts requests with a first response; ``median_days_to_answer`` is
    the median business days from receipt to it, None when nothing was answered.
    """

    received: int
    closed: int
    answered: int
    answered_on_time: int
    median_days_to_answer: float | None

    @property
    def on_time_share(self) -> float | None:
        """Share of first responses within the response deadline (0..1); None with none."""
        return self.answered_on_time / self.answered if self.answered else None


@dataclass(frozen=True, kw_only=True)
class MonthFigures(Figures):
    month: date  # the first day of the month


@dataclass(frozen=True)
class CitationCount:
    code: str
    name: str  # the short name from the citations table; "" for a code no longer listed
    denials: int  # requests denied in whole or part citing it


@dataclass(frozen=True)
class Report:
    """Every month from ``first_month`` to ``last_month``, months without requests included."""

    first_month: date
    last_month: date
    months: tuple[MonthFigures, ...]
    total: Figures
    citations: tuple[CitationCount, ...]  # most cited first, then in statute order
    # Requests of the period still waiting for a first response (their response clock open), and
    # how many of them are already past due: the on-time share counts only those answered.
    awaiting: int = 0
    awaiting_overdue: int = 0
    # Requests of the period that ended (withdrawn, or their deadline cancelled) with no first
    # response, after that response was already late: in neither the on-time share nor ``awaiting``.
    ended_unanswered_late: int = 0


def missouri_today() -> date:
    """Today's date in Missouri (Central time), which ends the default period."""
    return cal.local_date(utcnow().replace(tzinfo=UTC))


def add_months(month: date, n: int) -> date:
    """The first day of the month ``n`` months after ``month``'s (``n`` may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def monthly_report(months: int = DEFAULT_MONTHS, *, today: date | None = None) -> Report:
    """Figures for the ``months`` calendar months ending with the one containing ``today``.

    ``today`` defaults to ``missouri_today()``. Raises ValueError unless
    1 <= months <= MAX_MONTHS.
    """
    if not 1 <= months <= MAX_MONTHS:
        raise ValueError(f"months must be from 1 to {MAX_MONTHS}, got {months}")
    last = (today or missouri_today()).replace(day=1)
    first = add_months(last, 1 - months)
    in_period = and_(
        RecordsRequest.custodian_received_on >= first,
        RecordsRequest.custodian_received_on < add_months(last, 1),
    )
    requests = _request_counts(in_period)
    answers = _answer_counts(in_period)
    days = _days_to_answer(in_period)

    rows = []
    for offset in range(months):
        month = add_months(first, offset)
        key = (month.year, month.month)
        received, closed = requests.get(key, (0, 0))
        answered, on_time = answers.get(key, (0, 0))
        rows.append(
            MonthFigures(
                month=month,
                received=received,
                closed=closed,
                answered=answered,
                answered_on_time=on_time,
                median_days_to_answer=_median(days.get(key, [])),
            )
        )
    total = Figures(
        received=sum(m.received for m in rows),
        closed=sum(m.closed for m in rows),
        answered=sum(m.answered for m in rows),
        answered_on_time=sum(m.answered_on_time for m in rows),
        median_days_to_answer=_median([d for month_days in days.values() for d in month_days]),
    )
    awaiting, overdue = _awaiting(in_period, today or missouri_today())
    return Report(
        first,
        last,
        tuple(rows),
        total,
        _citation_counts(in_period),
        awaiting,
        overdue,
        _ended_unanswered_late(in_period),
    )


def _awaiting(in_period: ColumnElement[bool], today: date) -> tuple[int, int]:
    """Requests of the period whose response clock is still open, and those of them past due
    (a paused clock, waiting on the requester, is not past due)."""
    late = and_(Clock.paused_at.is_(None), Clock.due_on < today)
    row = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((late, 1), else_=0)), 0))
        .select_from(Clock)
        .join(RecordsRequest, RecordsRequest.id == Clock.case_id)
        .where(
            in_period,
            Clock.case_type == CASE_TYPE,
            Clock.kind == ClockKind.SUNSHINE_RESPONSE,
            Clock.outcome == Outcome.OPEN,
        )
    ).one()
    return int(row[0]), int(row[1])


def _ended_unanswered_late(in_period: ColumnElement[bool]) -> int:
    """Requests of the period whose response clock was withdrawn or cancelled while it ran past
    its due date: they never got a first response, and by then it was already late.

    Judged as ``clocks.meet`` judges a response: late when the clock closed, at the body, on a
    day after the due date. A clock paused when it closed (waiting on the requester's answer,
    say) was not running, and a clock cannot be paused once late, so it was not late.
    """
    paused_at_close = exists().where(ClockPause.clock_id == Clock.id, ClockPause.resumed_on.is_(None))
    query = (
        select(PublicBody.timezone, Clock.due_on, Clock.closed_at)
        .select_from(Clock)
        .join(RecordsRequest, RecordsRequest.id == Clock.case_id)
        .join(PublicBody, PublicBody.id == Clock.body_id)
        .where(
            in_period,
            Clock.case_type == CASE_TYPE,
            Clock.kind == ClockKind.SUNSHINE_RESPONSE,
            Clock.outcome.in_((Outcome.WITHDRAWN, Outcome.CANCELLED)),
            Clock.closed_at.is_not(None),
            ~paused_at_close,
        )
    )
    return sum(
        cal.local_date(closed_at.replace(tzinfo=UTC), timezone) > due_on
        for timezone, due_on, closed_at in db.session.execute(query)
    )


def _median(values: list[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def _key(year, month) -> MonthKey:
    # PostgreSQL's EXTRACT returns a numeric, SQLite's an integer.
    return int(year), int(month)


def _request_counts(in_period: ColumnElement[bool]) -> dict[MonthKey, tuple[int, int]]:
    closed = case((RecordsRequest.status.in_(CLOSED_STATUSES), 1))
    query = (
        select(_YEAR, _MONTH, func.count(RecordsRequest.id), func.count(closed))
        .where(in_period)
        .group_by(_YEAR, _MONTH)
    )
    return {_key(y, m): (received, n_closed) for y, m, received, n_closed in db.session.execute(query)}


def _first_response() -> ColumnElement[bool]:
    """Joins a request to its response clock, when that clock closed with a first response."""
    return and_(
        Clock.case_type == CASE_TYPE,
        Clock.case_id == RecordsRequest.id,
        Clock.kind == ClockKind.SUNSHINE_RESPONSE,
        Clock.outcome.in_(_ANSWERED),
        Clock.closed_at.is_not(None),
    )


def _answer_counts(in_period: ColumnElement[bool]) -> dict[MonthKey, tuple[int, int]]:
    on_time = case((Clock.outcome == Outcome.MET, 1))
    query = (
        select(_YEAR, _MONTH, func.count(Clock.id), func.count(on_time))
        .select_from(RecordsRequest)
        .join(Clock, _first_response())
        .where(in_period)
        .group_by(_YEAR, _MONTH)
    )
    return {_key(y, m): (answered, met) for y, m, answered, met in db.session.execute(query)}


def _days_to_answer(in_period: ColumnElement[bool]) -> dict[MonthKey, list[int]]:
    """Business days from receipt to first response, per answered request, by month received."""
    query = (
        select(_YEAR, _MONTH, RecordsRequest.body_id, PublicBody.timezone, Clock.started_on, Clock.closed_at)
        .select_from(RecordsRequest)
        .join(Clock, _first_response())
        .join(PublicBody, PublicBody.id == RecordsRequest.body_id)
        .where(in_period)
    )
    calendars: dict[int, cal.BusinessCalendar] = {}
    days: dict[MonthKey, list[int]] = defaultdict(list)
    for year, month, body_id, timezone, started_on, closed_at in db.session.execute(query):
        if body_id not in calendars:
            calendars[body_id] = calendar_for(body_id)
        answered_on = cal.local_date(closed_at.replace(tzinfo=UTC), timezone)
        # A receipt date keyed in after the answer went out is a data-entry slip: count it
        # as answered the same day rather than refuse to show the page.
        answered_on = max(answered_on, started_on)
        days[_key(year, month)].append(cal.business_days_between(started_on, answered_on, calendars[body_id]))
    return days


def _citation_counts(in_period: ColumnElement[bool]) -> tuple[CitationCount, ...]:
    query = (
        select(DenialCitation.code, func.count(DenialCitation.id))
        .join(RecordsRequest, RecordsRequest.id == DenialCitation.request_id)
        .where(in_period)
        .group_by(DenialCitation.code)
    )
    table = current_table()
    counts = [
        CitationCount(code, table.short_name(code), denials) for code, denials in db.session.execute(query)
    ]
    return tuple(sorted(counts, key=lambda c: (-c.denials, statute_sort_key(c.code))))
