"""Business days, Missouri state holidays and explained due dates (LAW.md section 2).

Pure: no Flask, no database. Every clock in the product counts days through
this module, so the holiday list lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "BusinessCalendar",
    "DueDateExplanation",
    "add_business_days",
    "add_calendar_days",
    "business_days_between",
    "explain_business_days",
    "explain_calendar_days",
    "is_business_day",
    "local_date",
    "missouri_state_holidays",
]

_DAY = timedelta(days=1)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKEND = {5: "Saturday", 6: "Sunday"}


@cache
def missouri_state_holidays(year: int) -> Mapping[date, str]:
    """Missouri state holidays falling in ``year``, as a read-only ``{date: name}``.

    The ``holidays`` package's ``US(subdiv="MO")`` plus Lincoln Day (Feb 12),
    which the package omits. A holiday on Saturday is also listed on the Friday
    before, and one on Sunday on the Monday after, as "<name> (observed)"; an
    observed day may fall in a neighbouring year's list (New Year's Day 2028 is
    observed on Fri 31 Dec 2027, listed under 2027). Cached per year; the result
    is never mutated, so it may be shared across threads.
    """
    days = dict(holidays.US(subdiv="MO", years=year, language="en_US"))
    lincoln = date(year, 2, 12)
    days[lincoln] = "Lincoln Day"
    if lincoln.weekday() in _WEEKEND:
        days[lincoln + (-_DAY if lincoln.weekday() == 5 else _DAY)] = "Lincoln Day (observed)"
    return MappingProxyType(days)


def _as_date(day: date) -> date:
    # A datetime is a date subclass but never equals a date key, so holiday
    # lookups would silently miss; the caller must choose the local date.
    if isinstance(day, datetime):
        raise TypeError("expected a date, got a datetime; convert it with local_date()")
    return day


@dataclass(frozen=True)
class BusinessCalendar:
    """Which days a public body's office is closed. Immutable and safe to share.

    ``state_holidays`` maps a year to that year's ``{date: name}`` and should be
    cached (the default is); ``closures`` are the body's own closure days with a reason.
    """

    state_holidays: Callable[[int], Mapping[date, str]] = missouri_state_holidays
    closures: Mapping[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Copy so a caller mutating their dict cannot change a shared calendar.
        frozen = MappingProxyType({_as_date(d): r for d, r in self.closures.items()})
        object.__setattr__(self, "closures", frozen)

    def __hash__(self) -> int:
        return hash((self.state_holidays, frozenset(self.closures.items())))

    @classmethod
    def missouri(cls, closures: Mapping[date, str] | None = None) -> BusinessCalendar:
        """Missouri state holidays plus the body's ``closures`` ({date: reason})."""
        return cls(closures=closures or {})

    def non_business_reason(self, day: date) -> str | None:
        """Why ``day`` is not a business day, or None if it is one.

        Weekends win over holidays, and holidays over closures, so a Saturday
        holiday reads "Saturday" and its Friday reads "<name> (observed)".
        Reasons: "Saturday", "Sunday", a holiday name, or "Closure: <reason>".
        """
        day = _as_date(day)
        if day.weekday() in _WEEKEND:
            return _WEEKEND[day.weekday()]
        holiday = self.state_holidays(day.year).get(day)
        if holiday is not None:
            return holiday
        closure = self.closures.get(day)
        return None if closure is None else f"Closure: {closure}"


_MISSOURI = BusinessCalendar.missouri()


def is_business_day(day: date, calendar: BusinessCalendar | None = None) -> bool:
    """True when the office is open on ``day`` (default: Missouri, no closures)."""
    return (calendar or _MISSOURI).non_business_reason(day) is None


def _count_forward(
    start: date, n: int, calendar: BusinessCalendar | None
) -> tuple[date, list[tuple[date, str]]]:
    if n < 0:
        raise ValueError(f"business days must be >= 0, got {n}")
    cal = calendar or _MISSOURI
    day, skipped = _as_date(start), []
    while n > 0:
        day += _DAY
        reason = cal.non_business_reason(day)
        if reason is None:
            n -= 1
        else:
            skipped.append((day, reason))
    return day, skipped


def add_business_days(start: date, n: int, calendar: BusinessCalendar | None = None) -> date:
    """The ``n``-th business day after ``start``; ``start`` itself is never counted.

    For n >= 1 the result is a business day strictly after ``start``. n == 0
    returns ``start`` unchanged, even on a weekend, so that
    ``business_days_between(s, add_business_days(s, n)) == n`` always holds.
    Raises ValueError for n < 0.
    """
    return _count_forward(start, n, calendar)[0]


def business_days_between(start: date, end: date, calendar: BusinessCalendar | None = None) -> int:
    """Number of business days in (start, end]: start excluded, end included.

    The inverse of add_business_days; 0 when end == start. Use it to find how
    many business days a clock has used before it pauses. Raises ValueError
    when ``end`` is before ``start``.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    span = (end - start).days
    return sum(is_business_day(start + _DAY * i, calendar) for i in range(1, span + 1))


def add_calendar_days(start: date, n: int) -> date:
    """``start`` plus ``n`` days, weekends and holidays included. Raises ValueError for n < 0."""
    if n < 0:
        raise ValueError(f"calendar days must be >= 0, got {n}")
    return _as_date(start) + timedelta(days=n)


def _format_day(day: date) -> str:
    # Fixed English names: strftime's %a/%b follow the process locale.
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@dataclass(frozen=True)
class DueDateExplanation:
    """How a due date was computed, for staff and requesters to read.

    ``skipped`` lists, in date order, every day between ``start`` and ``due``
    that was not counted, with its reason (empty for calendar-day clocks).
    ``text`` (also ``str()``) is one paragraph of plain English.
    """

    start: date
    due: date
    n: int
    skipped: tuple[tuple[date, str], ...] = ()
    unit: str = "business"
    verb: str = "Received"

    @property
    def text(self) -> str:
        plural = "" if self.n == 1 else "s"
        counted = f"Counted {self.n} {self.unit} day{plural}"
        if self.unit == "calendar":
            counted += " (weekends and holidays count)"
        elif self.skipped:
            # Consecutive days with the same label share it: "Sat .. and Sun .. (weekend)".
            groups: list[tuple[str, list[str]]] = []
            for day, reason in self.skipped:
                label = "weekend" if reason in _WEEKEND.values() else reason
                if groups and groups[-1][0] == label:
                    groups[-1][1].append(_format_day(day))
                else:
                    groups.append((label, [_format_day(day)]))
            counted += ", skipping " + ", ".join(f"{_join(ds)} ({lb})" for lb, ds in groups)
        elif self.n:
            counted += ", none skipped"
        return f"{self.verb} {_format_day(self.start)}. {counted}. Due by end of {_format_day(self.due)}."

    def __str__(self) -> str:
        return self.text


def explain_business_days(
    start: date, n: int, calendar: BusinessCalendar | None = None, *, verb: str = "Received"
) -> DueDateExplanation:
    """add_business_days(start, n, calendar) with the days it skipped and why.

    ``verb`` opens the text ("Received", "Asked", "Started", ...).
    """
    due, skipped = _count_forward(start, n, calendar)
    return DueDateExplanation(start, due, n, tuple(skipped), "business", verb)


def explain_calendar_days(start: date, n: int, *, verb: str = "Received") -> DueDateExplanation:
    """add_calendar_days(start, n) as an explanation; nothing is ever skipped."""
    return DueDateExplanation(start, add_calendar_days(start, n), n, (), "calendar", verb)


def local_date(moment: datetime, tz: str = "America/Chicago") -> date:
    """The calendar date of aware ``moment`` in ``tz`` (the date that starts a clock).

    23:30 Central on a Monday is Monday even though it is Tuesday in UTC.
    Raises ValueError for a naive datetime, whose instant is unknown; attach
    ``tzinfo=UTC`` to a naive UTC timestamp read from the database first.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("moment must be timezone-aware")
    return moment.astimezone(ZoneInfo(tz)).date()
