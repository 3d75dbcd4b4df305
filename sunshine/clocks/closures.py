"""A body's closure days. Changing them recomputes its open clocks, explicitly and on the record.

Due dates are stored, never recomputed on read; so when the calendar changes,
every open clock whose date depends on it is recomputed here, each change is
audited, and the custodians are told which dates moved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask import render_template
from sqlalchemy import select

from sunshine.accounts.services import holders_of
from sunshine.audit.services import record
from sunshine.authz import Role
from sunshine.clocks import services
from sunshine.clocks.models import Clock, ClosureDay
from sunshine.clocks.policies import DayCount, Outcome
from sunshine.extensions import db
from sunshine.notifications.services import queue_email
from sunshine.units.models import Department, PublicBody, Unit


@dataclass(frozen=True)
class MovedDate:
    clock_id: int
    label: str
    kind: str
    before: date
    after: date


def closures(body_id: int) -> list[ClosureDay]:
    return list(
        db.session.scalars(select(ClosureDay).where(ClosureDay.body_id == body_id).order_by(ClosureDay.day))
    )


def add_closure(actor, body: PublicBody, day: date, reason: str) -> list[MovedDate]:
    reason = reason.strip()
    if not reason:
        raise services.ClockError(
            "Say why the office is closed that day: the reason appears in due-date explanations."
        )
    if db.session.scalar(select(ClosureDay).where(ClosureDay.body_id == body.id, ClosureDay.day == day)):
        raise services.ClockError(f"{day:%a %-d %b %Y} is already a closure day.")
    db.session.add(ClosureDay(body_id=body.id, day=day, reason=reason))
    db.session.flush()
    record(actor, "calendar.closure_added", body, details={"day": day.isoformat(), "reason": reason})
    return _recompute(actor, body)


def remove_closure(actor, body: PublicBody, closure_id: int) -> list[MovedDate]:
    closure = db.session.get(ClosureDay, closure_id)
    if closure is None or closure.body_id != body.id:
        raise services.ClockError("That closure day does not exist.")
    record(actor, "calendar.closure_removed", body, details={"day": closure.day.isoformat()})
    db.session.delete(closure)
    db.session.flush()
    return _recompute(actor, body)


def recheck_recent(body: PublicBody, since: datetime) -> list[MovedDate]:
    """For the sweep: recompute the business-day clocks of ``body`` started since ``since``.

    A clock started while an administrator changed the calendar can miss the change both
    ways: the filing read the calendar before the closure was saved, and the recompute ran
    before the filing committed. Checking each new clock once more against the calendar as
    it now stands closes that gap within one sweep.
    """
    return _recompute(None, body, Clock.created_at >= since)


def _recompute(actor, body: PublicBody, *only) -> list[MovedDate]:
    """Recompute open business-day clocks of ``body`` (those matching ``only``, if given);
    commit; tell custodians what moved."""
    calendar = services.calendar_for(body.id)
    today = services.local_today(body)
    moved: list[MovedDate] = []
    clocks = db.session.scalars(
        select(Clock).where(
            Clock.body_id == body.id,
            Clock.outcome == Outcome.OPEN,
            Clock.day_count == DayCount.BUSINESS,
            Clock.basis_on.is_not(None),
            Clock.paused_at.is_(None),
            *only,
        )
    )
    for clock in clocks:
        before = clock.due_on
        clock.due_on, clock.explanation = services.due_from_basis(clock, calendar)
        if clock.due_on != before:
            moved.append(MovedDate(clock.id, clock.label, clock.kind.value, before, clock.due_on))
            record(
                actor,
                "clock.due_recomputed",
                clock,
                details={"from": before.isoformat(), "to": clock.due_on.isoformat()},
            )
            services.refresh(clock, body, calendar, today)
    if moved:
        _tell_custodians(body, moved)
    db.session.commit()
    return moved


def _tell_custodians(body: PublicBody, moved: list[MovedDate]) -> None:
    units = list(db.session.scalars(select(Unit.id).join(Department).where(Department.body_id == body.id)))
    text = render_template("email/due_dates_moved.txt", body=body, moved=moved)
    for person in holders_of(Role.CUSTODIAN, units):
        queue_email(
            person.email,
            f"{len(moved)} due date(s) moved after a calendar change",
            text,
            kind="calendar.due_dates_moved",
        )
