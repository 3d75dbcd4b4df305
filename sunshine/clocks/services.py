"""The clock API the case workflows call: start, pause, resume, extend, meet, withdraw.

Each function takes the acting user, changes the clock, records an audit event
and schedules reminders once the caller commits. The caller commits, so a clock
change and the case change that caused it land together.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import bindparam, select

from sunshine import calendar as cal
from sunshine.audit.services import record
from sunshine.clocks.models import (
    Clock,
    ClockExtension,
    ClockPause,
    ClockPolicySetting,
    ClosureDay,
    ReminderSent,
)
from sunshine.clocks.policies import (
    DEFAULT_POLICIES,
    ClockKind,
    ClockPolicy,
    DayCount,
    Outcome,
    PauseReason,
    ReminderKind,
    Urgency,
    with_overrides,
)
from sunshine.extensions import db
from sunshine.jobs.queue import schedule_after_commit
from sunshine.timeutil import utcnow
from sunshine.units.models import PublicBody, Unit


class BodyLike(Protocol):
    """What a clock needs of its public body: a PublicBody, or intake's lighter record of one."""

    id: int
    timezone: str


class ClockError(ValueError):
    """A clock cannot do what was asked; the message says why."""


# ---- the body's calendar and policies ----------------------------------------------------


_CLOSURES = select(ClosureDay.day, ClosureDay.reason).where(ClosureDay.body_id == bindparam("body_id"))


def calendar_for(body_id: int) -> cal.BusinessCalendar:
    closures = db.session.connection().execute(_CLOSURES, {"body_id": body_id})
    return cal.BusinessCalendar.missouri({day: reason for day, reason in closures})


def policy_for(body_id: int, kind: ClockKind) -> ClockPolicy:
    setting = db.session.scalar(
        select(ClockPolicySetting).where(
            ClockPolicySetting.body_id == body_id, ClockPolicySetting.kind == kind
        )
    )
    policy = DEFAULT_POLICIES[kind]
    return with_overrides(policy, setting.length, setting.long_length) if setting else policy


def local_today(body: BodyLike, now: datetime | None = None) -> date:
    moment = (now or utcnow()).replace(tzinfo=ZoneInfo("UTC"))
    return cal.local_date(moment, body.timezone)


# ---- arithmetic ---------------------------------------------------------------------------


def due_from_basis(clock: Clock, calendar: cal.BusinessCalendar) -> tuple[date, str]:
    """Due date and explanation from the clock's basis (start, or the last resume)."""
    verb = "Resumed" if clock.pauses else clock.start_verb
    if clock.day_count is DayCount.BUSINESS and clock.basis_days == 0:
        # Paused on its due day, so only the rest of a day was left: it is due at the end of
        # the resume day, or of the next business day when it resumes on a day off.
        due = clock.basis_on
        while not cal.is_business_day(due, calendar):
            due += timedelta(days=1)
        text = (
            f"{verb} {clock.basis_on:%a %-d %b %Y} with only the rest of a business day left. "
            f"Due by end of {due:%a %-d %b %Y}."
        )
    elif clock.day_count is DayCount.BUSINESS:
        explained = cal.explain_business_days(clock.basis_on, clock.basis_days, calendar, verb=verb)
        due, text = explained.due, explained.text
    else:
        explained = cal.explain_calendar_days(clock.basis_on, clock.basis_days, verb=verb)
        due, text = explained.due, explained.text
    if clock.pauses:
        text = f"{_pause_history(clock)} {text}"
    return due, text


def _pause_history(clock: Clock) -> str:
    """Each pause and its resume; the last resume is left to the text that follows, which opens with it."""
    last = len(clock.pauses) - 1
    parts = [
        f"Paused {p.paused_on:%a %-d %b %Y} ({p.reason.label.lower()}) with {p.remaining_days} "
        f"{clock.day_count.value} day{'s' if p.remaining_days != 1 else ''} left"
        + (f", resumed {p.resumed_on:%a %-d %b %Y}" if p.resumed_on and n < last else "")
        + "."
        for n, p in enumerate(clock.pauses)
    ]
    return " ".join(parts)


def _remaining(clock: Clock, on: date, calendar: cal.BusinessCalendar) -> int:
    if on >= clock.due_on:
        return 0
    if clock.day_count is DayCount.BUSINESS:
        return cal.business_days_between(on, clock.due_on, calendar)
    return (clock.due_on - on).days


def _reminder_moment(body: BodyLike, day: date) -> datetime:
    """The configured local hour on ``day``, as naive UTC."""
    local = datetime.combine(day, time(current_app.config["REMINDER_HOUR"]), ZoneInfo(body.timezone))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def reminder_moments(
    clock: Clock, body: BodyLike, calendar: cal.BusinessCalendar
) -> dict[ReminderKind, datetime]:
    """When each reminder of an open clock falls due: the business day before due, and the due day."""
    before = clock.due_on - timedelta(days=1)
    while not cal.is_business_day(before, calendar):
        before -= timedelta(days=1)
    return {
        ReminderKind.DUE_SOON: _reminder_moment(body, before),
        ReminderKind.DUE_TODAY: _reminder_moment(body, clock.due_on),
    }


def _sent_kinds(clock: Clock) -> set[ReminderKind]:
    """The reminders already sent for the clock's current due date."""
    if clock.id is None:
        return set()
    sent = select(ReminderSent.kind).where(
        ReminderSent.clock_id == clock.id, ReminderSent.due_on == clock.due_on
    )
    return set(db.session.scalars(sent))


def reminder_is_stale(clock: Clock, kind: ReminderKind, today: date) -> bool:
    """Whether ``kind`` no longer fits the clock on ``today``: "due next" on or after the due
    day, "due today" after it (an overdue clock is escalated instead). A request keyed in
    late, or a reminder run that was lost for days, must not tell anyone "tomorrow"."""
    if kind is ReminderKind.DUE_SOON:
        return today >= clock.due_on
    if kind is ReminderKind.DUE_TODAY:
        return today > clock.due_on
    return False


def refresh(
    clock: Clock,
    body: BodyLike,
    calendar: cal.BusinessCalendar,
    today: date,
    policy: ClockPolicy | None = None,
    *,
    schedule_reminder: bool = True,
) -> None:
    """Set urgency and the next reminder from the current due date; schedule that reminder.

    A clock not yet flushed is inserted with its reminder already set (one INSERT, no UPDATE).
    With ``schedule_reminder`` False the reminder is only written on the clock, for the
    caller to ``schedule_next_reminder()`` later (the sweep also finds it when it is due).
    """
    if not clock.is_open or clock.is_paused:
        clock.urgency = Urgency.ON_TRACK
        clock.next_reminder_at = clock.next_reminder_kind = None
        return
    if clock.due_on < today:
        clock.urgency = Urgency.OVERDUE
    elif clock.due_on <= cal.add_business_days(today, 1, calendar):
        clock.urgency = Urgency.DUE_SOON
    else:
        clock.urgency = Urgency.ON_TRACK
    clock.next_reminder_at = clock.next_reminder_kind = None
    if (policy or policy_for(body.id, clock.kind)).remind_role is None:
        return
    sent = _sent_kinds(clock)
    for kind, moment in reminder_moments(clock, body, calendar).items():
        if kind not in sent and not reminder_is_stale(clock, kind, today):
            clock.next_reminder_at, clock.next_reminder_kind = moment, kind
            if schedule_reminder:
                schedule_next_reminder(clock)
            return


def schedule_next_reminder(clock: Clock) -> None:
    """Put the clock's next reminder on the job queue once the transaction commits."""
    if clock.next_reminder_at is None or clock.next_reminder_kind is None:
        return
    db.session.flush()  # the job is named by the clock's id
    kind = clock.next_reminder_kind
    schedule_after_commit(
        clock.next_reminder_at,
        "sunshine.clocks.jobs.send_reminder",
        clock.id,
        kind.value,
        job_id=f"clock-{clock.id}-{kind.value}",
    )


def body_and_calendar(clock: Clock) -> tuple[PublicBody, cal.BusinessCalendar]:
    body = db.session.get(PublicBody, clock.body_id)
    return body, calendar_for(clock.body_id)


# ---- the API ------------------------------------------------------------------------------


def new_clock(
    *,
    kind: ClockKind,
    case_type: str,
    case_id: int,
    body: BodyLike,
    unit_id: int,
    label: str,
    started_on: date,
    policy: ClockPolicy,
    calendar: cal.BusinessCalendar,
    long: bool = False,
    due_on: date | None = None,
    today: date | None = None,
    verb: str = "Started",
) -> Clock:
    """A clock not yet in the session, with its due date, explanation, urgency and first reminder set.

    ``start()`` adds it to the session; intake, the busiest path, inserts it with one statement.
    """
    clock = Clock(
        kind=kind,
        case_type=case_type,
        case_id=case_id,
        body_id=body.id,
        unit_id=unit_id,
        label=label,
        day_count=policy.day_count,
        started_on=started_on,
        outcome=Outcome.OPEN,
        start_verb=verb,
    )
    if policy.day_count is DayCount.FIXED_DATE:
        if due_on is None or due_on < started_on:
            raise ClockError("A promised date on or after today is needed for this deadline.")
        clock.length = None
        clock.due_on = due_on
        clock.explanation = f"Promised on {started_on:%a %-d %b %Y} for {due_on:%a %-d %b %Y}."
    else:
        clock.length = policy.length_for(long)
        clock.basis_on, clock.basis_days = started_on, clock.length
        clock.due_on, clock.explanation = due_from_basis(clock, calendar)
    refresh(clock, body, calendar, today or local_today(body), policy, schedule_reminder=False)
    return clock


def start(
    actor,
    *,
    kind: ClockKind,
    case_type: str,
    case_id: int,
    unit: Unit,
    label: str,
    started_on: date,
    long: bool = False,
    due_on: date | None = None,
    today: date | None = None,
    verb: str = "Started",
) -> Clock:
    """Start a clock on ``started_on`` (the local date of the triggering event).

    Business-day clocks do not count ``started_on`` itself. Fixed-date clocks
    (delayed access) need ``due_on``, the date promised to the requester.
    ``long`` selects the policy's long length (fees over the threshold); ``verb``
    opens the explanation ("Received", "Asked", ...).
    """
    body = unit.body
    clock = new_clock(
        kind=kind,
        case_type=case_type,
        case_id=case_id,
        body=body,
        unit_id=unit.id,
        label=label,
        started_on=started_on,
        policy=policy_for(body.id, kind),
        calendar=calendar_for(body.id),
        long=long,
        due_on=due_on,
        today=today,
        verb=verb,
    )
    db.session.add(clock)
    db.session.flush()
    schedule_next_reminder(clock)
    record_start(actor, clock)
    return clock


def record_start(actor, clock: Clock) -> None:
    """The audit event of a clock's start (``start()`` records it; so does intake)."""
    record(actor, "clock.started", clock, details=_summary(clock))


def _summary(clock: Clock) -> dict:
    return {
        "kind": clock.kind.value,
        "case": f"{clock.case_type}:{clock.case_id}",
        "due_on": clock.due_on.isoformat(),
    }


def _require_open(clock: Clock) -> None:
    if not clock.is_open:
        raise ClockError(f"This deadline is already closed ({clock.outcome.value}).")


def past_due(clock: Clock, on: date | None = None) -> bool:
    """Whether ``on`` (default: today at the clock's body) is after the clock's due date."""
    on = on or local_today(db.session.get(PublicBody, clock.body_id))
    return on > clock.due_on


def pause(actor, clock: Clock, reason: PauseReason, on: date | None = None) -> Clock:
    """Stop the clock, keeping the days that were left; only for a listed reason.

    Not once it is past its due date: the duty is already late, and a pause would let a
    resume set a new due date that hides it.
    """
    _require_open(clock)
    body, calendar = body_and_calendar(clock)
    if clock.is_paused:
        raise ClockError("This deadline is already paused.")
    if clock.day_count is DayCount.FIXED_DATE or not policy_for(body.id, clock.kind).pausable:
        raise ClockError("This kind of deadline cannot be paused.")
    on = on or local_today(body)
    if past_due(clock, on):
        raise ClockError(f"This deadline passed on {clock.due_on:%-d %B %Y}; a late duty cannot be paused.")
    remaining = _remaining(clock, on, calendar)
    clock.pauses.append(ClockPause(reason=PauseReason(reason), paused_on=on, remaining_days=remaining))
    clock.paused_at, clock.pause_reason, clock.remaining_days = utcnow(), PauseReason(reason), remaining
    left = (
        f"{remaining} {clock.day_count.value} day{'s' if remaining != 1 else ''}"
        if remaining
        else "part of a day"
    )
    clock.explanation = (
        f"{clock.explanation} Paused {on:%a %-d %b %Y} ({clock.pause_reason.label.lower()}) with {left} "
        f"left{UNTIL_RESUMED}"
    )
    refresh(clock, body, calendar, on)
    record(
        actor,
        "clock.paused",
        clock,
        details={"reason": clock.pause_reason.value, "remaining_days": remaining},
    )
    return clock


def resume(actor, clock: Clock, on: date | None = None) -> Clock:
    """Restart a paused clock: the days that were left count again from ``on``."""
    _require_open(clock)
    if not clock.is_paused:
        raise ClockError("This deadline is not paused.")
    body, calendar = body_and_calendar(clock)
    on = on or local_today(body)
    clock.pauses[-1].resumed_on = on
    clock.basis_on, clock.basis_days = on, clock.remaining_days
    clock.paused_at = clock.pause_reason = clock.remaining_days = None
    clock.due_on, clock.explanation = due_from_basis(clock, calendar)
    refresh(clock, body, calendar, on)
    record(actor, "clock.resumed", clock, details=_summary(clock))
    return clock


def extend(
    actor, clock: Clock, new_due_on: date, reason: str, *, notice_sent: bool, today: date | None = None
) -> Clock:
    """Move the due date later for a stated reason; the new date is fixed, not recomputed."""
    _require_open(clock)
    if not reason.strip():
        raise ClockError("Give the reason for the extension: it is sent to the requester.")
    if new_due_on <= clock.due_on:
        raise ClockError(f"The new date must be after the current due date, {clock.due_on:%a %-d %b %Y}.")
    body, calendar = body_and_calendar(clock)
    clock.extensions.append(
        ClockExtension(
            reason=reason.strip(),
            previous_due_on=clock.due_on,
            new_due_on=new_due_on,
            notice_sent=notice_sent,
        )
    )
    previous = clock.due_on
    clock.basis_on = clock.basis_days = None
    clock.due_on = new_due_on
    clock.explanation = f"{clock.explanation} Extended on to {new_due_on:%a %-d %b %Y}: {reason.strip()}"
    refresh(clock, body, calendar, today or local_today(body))
    record(
        actor,
        "clock.extended",
        clock,
        details={"from": previous.isoformat(), "to": new_due_on.isoformat(), "notice_sent": notice_sent},
    )
    return clock


# How a paused clock's explanation ends while it waits; closed while paused, it never resumes.
UNTIL_RESUMED = ": the new due date is set when it resumes."


def start_earlier(actor, clock: Clock, started_on: date) -> Clock:
    """Start an open clock from ``started_on``, earlier than it was: the event that started the
    duty is found to have come first (an ask by post that reached the custodian before the same
    ask on the status page). The due date comes forward with it, and may already have passed.

    Only a business- or calendar-day clock never paused or extended, whose count still runs
    from its start.
    """
    _require_open(clock)
    if started_on >= clock.started_on:
        raise ClockError(f"This deadline already runs from {clock.started_on:%-d %B %Y}.")
    if clock.day_count is DayCount.FIXED_DATE or clock.pauses or clock.extensions:
        raise ClockError("This deadline was paused or moved, so its start can no longer be changed.")
    body, calendar = body_and_calendar(clock)
    previous = clock.started_on
    clock.started_on = clock.basis_on = started_on
    clock.due_on, clock.explanation = due_from_basis(clock, calendar)
    refresh(clock, body, calendar, local_today(body))
    record(
        actor,
        "clock.started_earlier",
        clock,
        details={
            "from": previous.isoformat(),
            "to": started_on.isoformat(),
            "due_on": clock.due_on.isoformat(),
        },
    )
    return clock


def _close(actor, clock: Clock, outcome: Outcome, action: str) -> Clock:
    _require_open(clock)
    if clock.is_paused:  # the explanation must not promise a resume that will never come
        today = local_today(db.session.get(PublicBody, clock.body_id))
        when = f"{today:%a %-d %b %Y} while still paused, so it never resumed."
        head, found, tail = clock.explanation.rpartition(UNTIL_RESUMED)
        clock.explanation = f"{head}; closed {when}{tail}" if found else f"{clock.explanation} Closed {when}"
    clock.outcome, clock.closed_at = outcome, utcnow()
    clock.closed_by_id = getattr(actor, "id", None)
    clock.paused_at = clock.pause_reason = None
    clock.urgency, clock.next_reminder_at, clock.next_reminder_kind = Urgency.ON_TRACK, None, None
    record(actor, action, clock, details={"outcome": outcome.value})
    return clock


def meet(actor, clock: Clock, on: date | None = None) -> Clock:
    """The duty was done on ``on``: met if by the due date, else missed.

    A paused clock is judged by the day it stopped running (pausing does not move the
    due date): paused in time, it is met whenever the duty is done; paused when already
    late, it stays missed.
    """
    body = db.session.get(PublicBody, clock.body_id)
    on = clock.pauses[-1].paused_on if clock.is_paused else on or local_today(body)
    return _close(actor, clock, Outcome.MET if on <= clock.due_on else Outcome.MISSED, "clock.met")


def withdraw(actor, clock: Clock) -> Clock:
    return _close(actor, clock, Outcome.WITHDRAWN, "clock.withdrawn")


def cancel(actor, clock: Clock) -> Clock:
    return _close(actor, clock, Outcome.CANCELLED, "clock.cancelled")


def open_clocks_for_case(case_type: str, case_id: int) -> list[Clock]:
    return list(
        db.session.scalars(
            select(Clock).where(
                Clock.case_type == case_type, Clock.case_id == case_id, Clock.outcome == Outcome.OPEN
            )
        )
    )
