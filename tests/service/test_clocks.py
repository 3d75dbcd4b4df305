"""Clock arithmetic through the service API: start, pause, resume, extend, meet, withdraw."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.clocks import services as clocks
from sunshine.clocks.models import ClockPolicySetting
from sunshine.clocks.policies import ClockKind, Outcome, PauseReason, ReminderKind, Urgency
from sunshine.extensions import db


def test_sunshine_response_skips_lincoln_day_and_washingtons_birthday(factories) -> None:
    clock = factories.clock(started_on=date(2026, 2, 10), verb="Received", today=date(2026, 2, 10))
    assert clock.due_on == date(2026, 2, 17)
    assert clock.explanation.startswith("Received Tue 10 Feb 2026")
    assert "Lincoln Day" in clock.explanation and "Washington's Birthday" in clock.explanation
    assert clock.urgency is Urgency.ON_TRACK


def test_independence_day_observed_friday_is_skipped(factories) -> None:
    assert factories.clock(started_on=date(2026, 7, 2)).due_on == date(2026, 7, 8)


def test_pause_keeps_remaining_business_days_and_resume_counts_them_again(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 2))  # Mon -> due Thu 5 Mar
    assert clock.due_on == date(2026, 3, 5)
    clocks.pause(None, clock, PauseReason.WAITING_ON_CLARIFICATION, on=date(2026, 3, 3))  # Tue: Wed, Thu left
    assert clock.remaining_days == 2 and clock.is_paused
    assert clock.next_reminder_at is None
    clocks.resume(None, clock, on=date(2026, 3, 13))  # Fri -> Mon 16, Tue 17
    db.session.commit()
    assert clock.due_on == date(2026, 3, 17)
    assert "Paused Tue 3 Mar 2026 (waiting on clarification) with 2 business days left" in clock.explanation
    assert "Resumed Fri 13 Mar 2026" in clock.explanation


def test_a_clock_paused_on_its_due_day_resumes_with_that_day_and_a_late_one_cannot_pause(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 2))  # due Thu 5 Mar
    clocks.pause(None, clock, PauseReason.WAITING_ON_PAYMENT, on=date(2026, 3, 5))
    clocks.resume(None, clock, on=date(2026, 3, 10))
    assert clock.remaining_days is None and clock.due_on == date(2026, 3, 10)
    late = factories.clock(started_on=date(2026, 3, 2))
    with pytest.raises(clocks.ClockError, match="passed on 5 March 2026"):
        clocks.pause(None, late, PauseReason.WAITING_ON_PAYMENT, on=date(2026, 3, 9))
    assert not late.is_paused and late.due_on == date(2026, 3, 5)


def test_a_clock_paused_on_its_due_day_and_resumed_on_a_day_off_is_due_the_next_business_day(
    factories,
) -> None:
    clock = factories.clock(started_on=date(2026, 3, 3))  # Tue -> due Fri 6 Mar
    clocks.pause(None, clock, PauseReason.WAITING_ON_CLARIFICATION, on=date(2026, 3, 6))
    assert clock.remaining_days == 0
    assert "Paused Fri 6 Mar 2026 (waiting on clarification) with part of a day left" in clock.explanation
    clocks.resume(None, clock, on=date(2026, 3, 7))  # the answer comes on Saturday
    assert clock.due_on == date(2026, 3, 9)  # Monday, not that Saturday
    assert clock.explanation.count("Sat 7 Mar 2026") == 1
    assert "Resumed Sat 7 Mar 2026 with only the rest of a business day left" in clock.explanation
    clocks.pause(None, clock, PauseReason.WAITING_ON_CLARIFICATION, on=date(2026, 3, 9))
    clocks.resume(None, clock, on=date(2026, 3, 10))  # a business day: due that day
    assert clock.due_on == date(2026, 3, 10)
    assert "resumed Sat 7 Mar 2026." in clock.explanation  # the earlier resume stays in the history


def test_only_listed_reasons_pause_and_windows_cannot_pause(factories) -> None:
    clock = factories.clock()
    with pytest.raises(ValueError):
        clocks.pause(None, clock, "coffee break")
    window = factories.clock(ClockKind.FEE_PAYMENT)
    with pytest.raises(clocks.ClockError, match="cannot be paused"):
        clocks.pause(None, window, PauseReason.WAITING_ON_PAYMENT)


def test_resume_needs_a_paused_clock_and_pause_an_unpaused_one(factories) -> None:
    clock = factories.clock()
    with pytest.raises(clocks.ClockError, match="not paused"):
        clocks.resume(None, clock)
    clocks.pause(None, clock, PauseReason.WAITING_ON_REQUESTER, on=date(2026, 3, 3))
    with pytest.raises(clocks.ClockError, match="already paused"):
        clocks.pause(None, clock, PauseReason.WAITING_ON_REQUESTER)


def test_extension_moves_the_date_later_with_a_reason(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 2))
    with pytest.raises(clocks.ClockError, match="after the current due date"):
        clocks.extend(None, clock, date(2026, 3, 4), "earlier", notice_sent=True)
    with pytest.raises(clocks.ClockError, match="reason"):
        clocks.extend(None, clock, date(2026, 3, 20), "  ", notice_sent=True)
    clocks.extend(None, clock, date(2026, 3, 20), "Records are in off-site storage", notice_sent=True)
    db.session.commit()
    assert clock.due_on == date(2026, 3, 20)
    assert clock.extensions[0].previous_due_on == date(2026, 3, 5) and clock.extensions[0].notice_sent
    assert "off-site storage" in clock.explanation


def test_delayed_access_is_due_on_the_promised_date(factories) -> None:
    clock = factories.clock(ClockKind.DELAYED_ACCESS, started_on=date(2026, 3, 2), due_on=date(2026, 4, 1))
    assert clock.due_on == date(2026, 4, 1) and "Promised on Mon 2 Mar 2026" in clock.explanation
    with pytest.raises(clocks.ClockError, match="promised date"):
        factories.clock(ClockKind.DELAYED_ACCESS, started_on=date(2026, 3, 2))


def test_fee_window_is_90_days_or_150_when_fees_are_large(factories) -> None:
    assert factories.clock(ClockKind.FEE_PAYMENT, started_on=date(2026, 3, 2)).due_on == date(2026, 5, 31)
    assert factories.clock(ClockKind.FEE_PAYMENT, started_on=date(2026, 3, 2), long=True).due_on == date(
        2026, 7, 30
    )


def test_a_body_can_set_its_own_policy_lengths(factories) -> None:
    body_id = factories.unit().department.body_id
    db.session.add(ClockPolicySetting(body_id=body_id, kind=ClockKind.AMENDMENT_DECIDE, length=20))
    db.session.commit()
    clock = factories.clock(ClockKind.AMENDMENT_DECIDE, started_on=date(2026, 3, 2))
    assert clock.length == 20


def test_meeting_on_time_or_late_records_met_or_missed(factories) -> None:
    on_time = clocks.meet(None, factories.clock(started_on=date(2026, 3, 2)), on=date(2026, 3, 5))
    late = clocks.meet(None, factories.clock(started_on=date(2026, 3, 2)), on=date(2026, 3, 6))
    assert on_time.outcome is Outcome.MET and late.outcome is Outcome.MISSED
    with pytest.raises(clocks.ClockError, match="already closed"):
        clocks.withdraw(None, on_time)


def test_every_change_is_an_audit_event(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 2))
    clocks.pause(None, clock, PauseReason.WAITING_ON_IDENTITY_EVIDENCE, on=date(2026, 3, 3))
    clocks.resume(None, clock, on=date(2026, 3, 4))
    clocks.withdraw(None, clock)
    db.session.commit()
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "clock", AuditEvent.object_id == str(clock.id))
            .order_by(AuditEvent.seq)
        )
    )
    assert actions == ["clock.started", "clock.paused", "clock.resumed", "clock.withdrawn"]


def test_first_reminder_is_due_the_business_day_before_at_eight_central(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 2), today=date(2026, 3, 2))  # due Thu 5 Mar
    assert clock.next_reminder_kind is ReminderKind.DUE_SOON
    assert clock.next_reminder_at.isoformat() == "2026-03-04T14:00:00"  # 08:00 CST


def test_a_clock_starts_earlier_only_while_its_count_still_runs_from_its_start(factories) -> None:
    clock = factories.clock(started_on=date(2026, 3, 9))  # Mon -> due Thu 12 Mar
    with pytest.raises(clocks.ClockError, match="already runs from 9 March 2026"):
        clocks.start_earlier(None, clock, date(2026, 3, 10))
    clocks.start_earlier(None, clock, date(2026, 3, 5))  # Thu -> due Tue 10 Mar
    db.session.commit()
    assert (clock.started_on, clock.due_on) == (date(2026, 3, 5), date(2026, 3, 10))
    assert clock.explanation.startswith("Started Thu 5 Mar 2026")
    moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clock.started_earlier")).one()
    assert moved.details == {"from": "2026-03-09", "to": "2026-03-05", "due_on": "2026-03-10"}

    paused = factories.clock(started_on=date(2026, 3, 9))
    clocks.pause(None, paused, PauseReason.WAITING_ON_REQUESTER, on=date(2026, 3, 10))
    extended = factories.clock(started_on=date(2026, 3, 9))
    clocks.extend(None, extended, date(2026, 3, 20), "Off-site storage", notice_sent=True)
    for moved_already in (paused, extended):
        with pytest.raises(clocks.ClockError, match="paused or moved"):
            clocks.start_earlier(None, moved_already, date(2026, 3, 5))
