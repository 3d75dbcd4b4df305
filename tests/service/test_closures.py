"""Closure days recompute open due dates, on the record, and custodians hear which moved."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.clocks import closures
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import ClockKind, PauseReason
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage


def test_adding_a_closure_day_moves_open_due_dates_and_tells_custodians(factories) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    body = factories.unit().department.body
    moving = factories.clock(started_on=date(2026, 3, 2))  # due Thu 5 Mar
    untouched = factories.clock(started_on=date(2026, 3, 9))  # due Thu 12 Mar
    fixed = factories.clock(ClockKind.DELAYED_ACCESS, started_on=date(2026, 3, 2), due_on=date(2026, 3, 5))

    moved = closures.add_closure(None, body, date(2026, 3, 4), "Water main break")

    assert [(m.clock_id, m.before, m.after) for m in moved] == [
        (moving.id, date(2026, 3, 5), date(2026, 3, 6))
    ]
    db.session.expire_all()
    assert "Wed 4 Mar 2026 (Closure: Water main break)" in db.session.get(type(moving), moving.id).explanation
    assert db.session.get(type(untouched), untouched.id).due_on == date(2026, 3, 12)
    assert db.session.get(type(fixed), fixed.id).due_on == date(2026, 3, 5)
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clock.due_recomputed")).one()
    assert audit.object_id == str(moving.id) and audit.details == {"from": "2026-03-05", "to": "2026-03-06"}
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "calendar.due_dates_moved")
    ).one()
    assert message.recipient == custodian.email and "Thu 5 Mar 2026 -> Fri 6 Mar 2026" in message.body


def test_removing_the_closure_moves_the_dates_back(factories) -> None:
    body = factories.unit().department.body
    clock = factories.clock(started_on=date(2026, 3, 2))
    closures.add_closure(None, body, date(2026, 3, 4), "Training")
    closure_id = closures.closures(body.id)[0].id
    moved = closures.remove_closure(None, body, closure_id)
    assert [(m.before, m.after) for m in moved] == [(date(2026, 3, 6), date(2026, 3, 5))]
    assert db.session.get(type(clock), clock.id).due_on == date(2026, 3, 5)


def test_resumed_clocks_are_recomputed_from_their_resume_date(factories) -> None:
    body = factories.unit().department.body
    clock = factories.clock(started_on=date(2026, 3, 2))
    clocks.pause(None, clock, PauseReason.WAITING_ON_CLARIFICATION, on=date(2026, 3, 3))
    clocks.resume(None, clock, on=date(2026, 3, 9))  # 2 left: Tue 10, Wed 11
    db.session.commit()
    closures.add_closure(None, body, date(2026, 3, 10), "Storm")
    assert db.session.get(type(clock), clock.id).due_on == date(2026, 3, 12)


def test_closure_day_needs_a_reason_and_cannot_be_added_twice(factories) -> None:
    body = factories.unit().department.body
    with pytest.raises(clocks.ClockError, match="Say why"):
        closures.add_closure(None, body, date(2026, 3, 4), " ")
    closures.add_closure(None, body, date(2026, 3, 4), "Storm")
    with pytest.raises(clocks.ClockError, match="already a closure day"):
        closures.add_closure(None, body, date(2026, 3, 4), "Storm again")
