"""Sending a reminder: at most once per clock, kind and due date, decided by a unique row."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import render_template
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine.accounts.services import holders_of
from sunshine.audit.services import record
from sunshine.clocks import services
from sunshine.clocks.cases import case_type
from sunshine.clocks.models import Clock, ReminderSent
from sunshine.clocks.policies import ReminderKind
from sunshine.extensions import db
from sunshine.links import external_url
from sunshine.notifications.services import queue_email
from sunshine.timeutil import utcnow
from sunshine.units.models import Unit

log = logging.getLogger(__name__)

# A job may run a little before its moment (clock skew between hosts); later than that is stale.
EARLY_TOLERANCE = timedelta(minutes=5)


def case_link(clock: Clock) -> str | None:
    registered = case_type(clock.case_type)
    if registered is None:
        return None
    return external_url(registered.endpoint, **{registered.id_arg: clock.case_id})


def send(clock_id: int, kind: ReminderKind) -> str:
    """Send one reminder if it is due and not yet sent; return what happened.

    Safe to run any number of times, concurrently too: the ReminderSent row is
    inserted in the same transaction as the outgoing mail, so either both exist
    or neither does, and the unique constraint lets only one run win.
    """
    now = utcnow()
    clock = db.session.execute(
        select(Clock).where(Clock.id == clock_id).with_for_update()
    ).scalar_one_or_none()
    if clock is None or not clock.is_open or clock.is_paused:
        db.session.rollback()
        return "skipped: clock closed or paused"
    body, calendar = services.body_and_calendar(clock)
    if services.reminder_moments(clock, body, calendar)[kind] > now + EARLY_TOLERANCE:
        db.session.rollback()
        return "skipped: not due yet (due date moved)"
    today = services.local_today(body, now)
    if services.reminder_is_stale(clock, kind, today):
        services.refresh(clock, body, calendar, today)  # on to the reminder that still fits, if any
        db.session.commit()
        return "skipped: too late for this reminder"
    try:
        with db.session.begin_nested():
            db.session.add(ReminderSent(clock_id=clock.id, kind=kind, due_on=clock.due_on))
    except IntegrityError:
        db.session.rollback()
        return "skipped: already sent"

    policy = services.policy_for(body.id, clock.kind)
    recipients = holders_of(policy.remind_role, [clock.unit_id]) if policy.remind_role else []
    unit = db.session.get(Unit, clock.unit_id)
    addresses = [u.email for u in recipients] or ([unit.email] if unit.email else [])
    when = "today" if kind is ReminderKind.DUE_TODAY else f"{clock.due_on:%a %-d %b}"
    subject = f"Due {when}: {clock.label} ({policy.label})"
    body_text = render_template(
        "email/clock_reminder.txt", clock=clock, policy=policy, kind=kind, link=case_link(clock)
    )
    for address in addresses:
        queue_email(address, subject, body_text, kind=f"clock.reminder.{kind.value}")
    if not addresses:
        log.error("Clock %s has nobody to remind in unit %s", clock.id, clock.unit_id)
    record(None, "clock.reminder_sent", clock, details={"kind": kind.value, "recipients": len(addresses)})
    services.refresh(clock, body, calendar, today)
    db.session.commit()
    return "sent"
