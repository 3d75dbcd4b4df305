"""Reminders are sent once; the sweep marks, escalates, lapses windows, and catches up."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from sunshine.authz import Role
from sunshine.clocks import reminders, sweep
from sunshine.clocks import services as clocks
from sunshine.clocks.models import ReminderSent, SweepRun
from sunshine.clocks.policies import ClockKind, Outcome, PauseReason, ReminderKind, Urgency
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from tests.conftest import LAPSED_CASES

# Clocks started Mon 2 Mar 2026 are due Thu 5 Mar; the due-soon reminder is Wed 4 Mar 08:00 CST.
WED_9AM = datetime(2026, 3, 4, 15, 0)
THU_9AM = datetime(2026, 3, 5, 15, 0)
FRI_9AM = datetime(2026, 3, 6, 15, 0)
MAR_2 = date(2026, 3, 2)


def at(moment: datetime):
    """Move the whole process's clock, so jobs run by the sweep see the same time."""
    return time_machine.travel(moment.replace(tzinfo=UTC), tick=False)


def sweep_at(moment: datetime) -> dict:
    with at(moment):
        return sweep.run().summary()


def _mail(kind_prefix: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind.startswith(kind_prefix))))


def test_a_reminder_goes_to_the_units_custodians_once(factories) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    factories.user(Role.CUSTODIAN, unit="PATROL")  # another unit: not reminded
    clock = factories.clock(started_on=MAR_2)
    with at(WED_9AM):
        assert reminders.send(clock.id, ReminderKind.DUE_SOON) == "sent"
        assert reminders.send(clock.id, ReminderKind.DUE_SOON) == "skipped: already sent"
    sent = _mail("clock.reminder")
    assert [m.recipient for m in sent] == [custodian.email]
    assert sent[0].subject.startswith("Due Thu 5 Mar: TEST-")
    assert "due by the end of Thursday 5 March 2026, the next business day" in sent[0].body
    refreshed = db.session.get(type(clock), clock.id)
    assert refreshed.next_reminder_kind is ReminderKind.DUE_TODAY


def test_a_reminder_is_not_sent_early_or_for_a_closed_or_paused_clock(factories) -> None:
    clock = factories.clock(started_on=MAR_2)
    with at(datetime(2026, 3, 3, 15)):
        assert reminders.send(clock.id, ReminderKind.DUE_SOON).startswith("skipped: not due")
    clocks.pause(None, clock, PauseReason.WAITING_ON_PAYMENT, on=MAR_2)
    db.session.commit()
    with at(WED_9AM):
        assert reminders.send(clock.id, ReminderKind.DUE_SOON).startswith("skipped: clock closed or paused")
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 0


def test_sweep_marks_due_soon_and_overdue(factories) -> None:
    due_thu = factories.clock(started_on=MAR_2, today=MAR_2)
    later = factories.clock(started_on=date(2026, 3, 9), today=MAR_2)
    result = sweep_at(WED_9AM)
    assert result["marked_due_soon"] == 1
    assert db.session.get(type(due_thu), due_thu.id).urgency is Urgency.DUE_SOON
    assert db.session.get(type(later), later.id).urgency is Urgency.ON_TRACK
    result = sweep_at(FRI_9AM)
    assert result["marked_overdue"] == 1
    db.session.expire_all()
    assert db.session.get(type(due_thu), due_thu.id).urgency is Urgency.OVERDUE


def test_sweep_sends_reminders_whose_jobs_never_ran_and_never_twice(factories) -> None:
    factories.user(Role.CUSTODIAN)
    factories.clock(started_on=MAR_2, today=MAR_2)
    first = sweep_at(WED_9AM)
    assert first["reminders_enqueued"] == 1
    again = sweep_at(WED_9AM)
    assert again["reminders_enqueued"] == 0
    thursday = sweep_at(THU_9AM)
    assert thursday["reminders_enqueued"] == 1
    sweep_at(THU_9AM)
    kinds = sorted(m.kind for m in _mail("clock.reminder"))
    assert kinds == ["clock.reminder.due_soon", "clock.reminder.due_today"]


def test_overdue_staff_deadlines_are_escalated_to_general_counsel_once(factories) -> None:
    counsel = factories.user(Role.GENERAL_COUNSEL, unit="OGC")
    factories.clock(started_on=MAR_2, today=MAR_2)
    factories.clock(started_on=MAR_2, today=MAR_2)
    factories.clock(ClockKind.FEE_PAYMENT, started_on=MAR_2)  # a requester window is not escalated
    assert sweep_at(FRI_9AM)["escalated"] == 2
    assert sweep_at(FRI_9AM)["escalated"] == 0
    digests = _mail("clock.escalation")
    assert len(digests) == 1 and digests[0].recipient == counsel.email
    assert "2 overdue deadline(s)" in digests[0].subject and digests[0].body.count("TEST-") == 2


def test_lapsed_payment_window_withdraws_the_case_through_its_handler(factories) -> None:
    window = factories.clock(ClockKind.FEE_PAYMENT, started_on=MAR_2)  # due Sun 31 May 2026
    assert sweep_at(datetime(2026, 5, 31, 20))["lapsed"] == 0
    assert sweep_at(datetime(2026, 6, 1, 15))["lapsed"] == 1
    assert window.case_id in LAPSED_CASES
    assert db.session.get(type(window), window.id).outcome is Outcome.WITHDRAWN
    assert sweep_at(datetime(2026, 6, 2, 15))["lapsed"] == 0


def test_every_sweep_is_recorded_for_the_health_page(factories) -> None:
    sweep_at(WED_9AM)
    sweep_at(THU_9AM)
    assert db.session.scalar(select(func.count(SweepRun.id))) == 2
    assert sweep.last_run().started_at == THU_9AM


def test_undelivered_mail_is_retried_by_the_sweep(app, factories, smtp_server) -> None:
    from sunshine.notifications.services import queue_email
    from tests.conftest import free_port

    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    queue_email("someone@example.org", "Retry", "Body", kind="test.retry")
    db.session.commit()
    app.config["MAIL_PORT"] = port
    assert sweep_at(datetime(2099, 1, 1))["mail_retried"] == 1
    assert len(smtp_server) == 1
    assert sweep_at(datetime(2099, 1, 1))["mail_retried"] == 0


def test_two_sweeps_at_once_escalate_each_clock_once(app, factories) -> None:
    import threading

    factories.user(Role.GENERAL_COUNSEL, unit="OGC")
    for _ in range(20):
        factories.clock(started_on=MAR_2, today=MAR_2)
    results: list[dict] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one_sweep() -> None:
        try:
            with app.app_context():
                barrier.wait()
                results.append(sweep.run(now=FRI_9AM).summary())
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sum(r["escalated"] for r in results) == 20
    escalations = select(func.count(ReminderSent.id)).where(ReminderSent.kind == ReminderKind.ESCALATED)
    assert db.session.scalar(escalations) == 20
    assert len(_mail("clock.escalation")) == 1


def test_when_a_closure_day_moves_the_due_date_the_new_date_is_reminded_of_too(factories) -> None:
    from sunshine.clocks import closures

    factories.user(Role.CUSTODIAN)
    clock = factories.clock(started_on=MAR_2, today=MAR_2)  # due Thu 5 Mar
    sweep_at(WED_9AM)
    sweep_at(THU_9AM)
    assert len(_mail("clock.reminder")) == 2
    with at(datetime(2026, 3, 5, 16, 0)):  # Thursday 10:00: a snow day is declared for today
        moved = closures.add_closure(None, factories.unit("RECORDS").body, date(2026, 3, 5), "Snow")
    assert [m.after for m in moved] == [date(2026, 3, 6)]
    refreshed = db.session.get(type(clock), clock.id)
    # Thursday is no business day now, so "due next" for Friday is due at once; then "due today".
    assert refreshed.next_reminder_kind is ReminderKind.DUE_SOON
    sweep_at(datetime(2026, 3, 5, 17, 0))
    sweep_at(FRI_9AM)
    subjects = [m.subject for m in _mail("clock.reminder")]
    assert subjects[2:] == [f"Due Fri 6 Mar: {clock.label} (Sunshine response)",
                            f"Due today: {clock.label} (Sunshine response)"]  # fmt: skip
    assert db.session.scalar(select(func.count(ReminderSent.id))) == 4


def test_a_request_keyed_in_already_late_gets_no_reminder_that_it_is_due_tomorrow(factories) -> None:
    factories.user(Role.CUSTODIAN)
    with at(datetime(2026, 3, 16, 15, 0)):  # Mon 16 Mar; received Mon 2 Mar, due Thu 5 Mar
        clock = factories.clock(started_on=MAR_2)
        assert clock.next_reminder_at is None and clock.urgency is Urgency.OVERDUE
        for kind in (ReminderKind.DUE_SOON, ReminderKind.DUE_TODAY):
            assert reminders.send(clock.id, kind) == "skipped: too late for this reminder"
        sweep.run()
    assert _mail("clock.reminder") == []


def test_a_reminder_run_late_on_the_due_day_moves_on_to_due_today(factories) -> None:
    factories.user(Role.CUSTODIAN)
    clock = factories.clock(started_on=MAR_2, today=MAR_2)
    with at(THU_9AM):  # the Wednesday run was lost; it is now the due day
        assert reminders.send(clock.id, ReminderKind.DUE_SOON) == "skipped: too late for this reminder"
        assert db.session.get(type(clock), clock.id).next_reminder_kind is ReminderKind.DUE_TODAY
        assert reminders.send(clock.id, ReminderKind.DUE_TODAY) == "sent"
    assert [m.subject.split(":")[0] for m in _mail("clock.reminder")] == ["Due today"]


def test_the_reminder_before_a_monday_names_the_monday_not_tomorrow(factories) -> None:
    factories.user(Role.CUSTODIAN)
    clock = factories.clock(started_on=date(2026, 3, 4), today=date(2026, 3, 4))  # Wed -> due Mon 9 Mar
    with at(FRI_9AM):
        assert reminders.send(clock.id, ReminderKind.DUE_SOON) == "sent"
    [mail] = _mail("clock.reminder")
    assert mail.subject.startswith("Due Mon 9 Mar:") and "tomorrow" not in mail.body.lower()


def test_a_due_date_missed_again_after_it_moved_is_escalated_again(factories) -> None:
    factories.user(Role.GENERAL_COUNSEL, unit="OGC")
    clock = factories.clock(started_on=MAR_2, today=MAR_2)  # due Thu 5 Mar
    assert sweep_at(FRI_9AM)["escalated"] == 1
    with at(FRI_9AM):
        clocks.extend(None, db.session.get(type(clock), clock.id), date(2026, 3, 10), "Records off site",
                      notice_sent=True)  # fmt: skip
        db.session.commit()
    assert sweep_at(datetime(2026, 3, 10, 15, 0))["escalated"] == 0  # due today: not late yet
    assert sweep_at(datetime(2026, 3, 11, 15, 0))["escalated"] == 1
    assert sweep_at(datetime(2026, 3, 11, 16, 0))["escalated"] == 0
    assert len(_mail("clock.escalation")) == 2


def test_counsel_follows_the_escalation_to_a_page_of_every_overdue_deadline(app, client, factories) -> None:
    from tests.factories import PASSWORD

    counsel = factories.user(Role.GENERAL_COUNSEL, unit="OGC")
    late = factories.clock(started_on=MAR_2, today=MAR_2)  # due Thu 5 Mar
    factories.clock(started_on=date(2026, 3, 4), today=date(2026, 3, 4))  # due Mon 9 Mar: not late on Friday
    factories.clock(ClockKind.FEE_PAYMENT, started_on=MAR_2)  # the requester's window: not counsel's matter
    sweep_at(FRI_9AM)
    [digest] = _mail("clock.escalation")
    assert "Sunshine response" in digest.body and "sunshine_response" not in digest.body
    link = re.search(r"https://records\.example\.gov(/\S+)", digest.body).group(1)
    client.sign_in(counsel.email, PASSWORD)
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and late.label in html and html.count("<tr>") == 2  # heading + one
    assert 'href="/staff/requests/' not in html  # counsel does not work the queue: no case links
    assert "Thu 5 Mar 2026" in html and "Records" in html  # when it was due, and whose it is
    other = app.test_client()
    other.sign_in(factories.user(Role.CUSTODIAN).email, PASSWORD)
    assert other.get(link).status_code == 403


def test_a_clock_started_while_a_closure_was_being_added_is_put_right_by_the_next_sweep(factories) -> None:
    """The filing read the calendar before the closure was saved, and the closure's recompute ran
    before the filing committed: both missed. The sweep checks new clocks once more."""
    from sunshine.audit.models import AuditEvent
    from sunshine.clocks.models import ClosureDay

    factories.user(Role.CUSTODIAN)
    with at(datetime(2026, 3, 2, 15, 0)):
        clock = factories.clock(started_on=MAR_2)  # due Thu 5 Mar
        body = factories.unit("RECORDS").body
        db.session.add(ClosureDay(body_id=body.id, day=date(2026, 3, 4), reason="Water main"))  # saved late
        db.session.commit()
    assert db.session.get(type(clock), clock.id).due_on == date(2026, 3, 5)
    sweep_at(datetime(2026, 3, 2, 15, 10))
    assert db.session.get(type(clock), clock.id).due_on == date(2026, 3, 6)
    moved = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clock.due_recomputed")).one()
    assert moved.details == {"from": "2026-03-05", "to": "2026-03-06"}
    assert len(_mail("calendar.due_dates_moved")) == 1  # custodians are told
    sweep_at(datetime(2026, 3, 2, 15, 20))  # a second sweep finds nothing more to move
    assert (
        len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clock.due_recomputed")).all())
        == 1
    )
