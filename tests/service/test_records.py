"""Records requests through the service layer: intake, access, decisions, clocks."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from sqlalchemy import func, select, text

from sunshine.audit.models import AuditEvent, AuditHead
from sunshine.audit.services import HEAD_ID, verify_chain
from sunshine.clocks import services as clocks
from sunshine.clocks import sweep
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.extensions import db
from sunshine.letters.services import letters_for
from sunshine.notifications.models import OutboxMessage
from sunshine.records import access, filing, grounds, workflow
from sunshine.records import services as records
from sunshine.records.fees import FeeInputs
from sunshine.records.models import Channel, Delivery, RecordsRequest
from sunshine.records.states import Status, TransitionError
from tests.factories import altered


def test_numbering_continues_from_a_former_system_past_six_digits_and_restarts_each_year(factories) -> None:
    factories.unit("RECORDS")
    filing.set_last_tracking_number(2026, 999_998)
    numbers = [factories.request(received_on=date(2026, 3, 3)).tracking_number for _ in range(2)]
    assert numbers == ["2026-999999", "2026-1000000"]  # a seventh digit, never a cut-off number
    with time_machine.travel(datetime(2027, 6, 1, 18, tzinfo=UTC), tick=False):  # 2027 is past by then
        assert factories.request(received_on=date(2027, 1, 5)).tracking_number == "2027-000001"
    assert db.session.get(RecordsRequest, factories.request().request_id).tracking_number == "2026-1000001"


def test_filing_issues_a_tracking_number_and_starts_the_three_day_clock(factories) -> None:
    filed = factories.request(received_on=date(2026, 2, 10))
    request = filed.request
    assert request.tracking_number == "2026-000001" and request.status is Status.RECEIVED
    clock = records.response_clock(request)
    assert clock.due_on == date(2026, 2, 17) and clock.explanation.startswith("Received Tue 10 Feb 2026")
    assert factories.request().request.tracking_number == "2026-000002"
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.received").order_by(OutboxMessage.id)
    ).first()
    assert "Tuesday 17 February 2026" in mail.body and f"token={filed.access_token}" in mail.body


def test_requests_filed_at_the_same_moment_get_distinct_consecutive_numbers(app, factories) -> None:
    import threading

    factories.unit("RECORDS")
    numbers, failures, start = [], [], threading.Barrier(6)

    def file_one(n: int) -> None:
        with app.app_context():
            try:
                start.wait()
                filed = filing.file_request(
                    None,
                    filing.Intake(description=f"Dispatch log {n}"),
                    unit_code="RECORDS",
                    channel=Channel.WEB,
                    custodian_received_on=date(2026, 3, 3),
                )
                numbers.append(filed.tracking_number)
            except Exception as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=file_one, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert sorted(numbers) == [f"2026-{n:06d}" for n in range(1, 7)]
    # Filings take turns at the audit log's head: the chain holds, each with its own clock.
    assert verify_chain() is None
    labels = db.session.scalars(select(Clock.label).where(Clock.kind == ClockKind.SUNSHINE_RESPONSE)).all()
    assert sorted(labels) == sorted(numbers)
    filed_events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "request.filed")
    )
    assert filed_events == 6
    stored = db.session.scalars(select(RecordsRequest.tracking_number).order_by(RecordsRequest.id))
    assert sorted(stored) == sorted(numbers)


def test_a_closure_day_of_the_body_moves_the_due_date_of_the_next_filing(factories) -> None:
    from sunshine.clocks.closures import add_closure

    unit = factories.unit("RECORDS")
    add_closure(None, unit.department.body, date(2026, 2, 13), "Water main repair at City Hall")
    db.session.commit()
    filed = factories.request(received_on=date(2026, 2, 10))
    # Tue 10 -> Wed 18 Feb: past Lincoln Day (Thu 12), the closure (Fri 13), Washington's Birthday (Mon 16)
    assert filed.response_due == date(2026, 2, 18)
    assert "Water main repair" in records.response_clock(filed.request).explanation


def test_the_first_filing_of_a_new_audit_log_starts_the_chain(factories) -> None:
    factories.unit("RECORDS")
    db.session.execute(text("DELETE FROM audit_event"))
    db.session.execute(text("DELETE FROM audit_head"))
    db.session.commit()
    filed = factories.request(received_on=date(2026, 3, 3))
    assert filed.tracking_number == "2026-000001"
    events = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert events[:2] == ["clock.started", "request.filed"]
    assert db.session.get(AuditHead, HEAD_ID).last_seq == len(events)
    assert verify_chain() is None


def test_a_request_arriving_in_the_new_year_by_utc_is_numbered_in_the_local_year(factories) -> None:
    """03:00 UTC on 1 January is still New Year's Eve in Missouri: date and number follow the body."""
    factories.unit("RECORDS")
    filed = filing.file_request(
        None,
        filing.Intake(description="Dispatch log"),
        unit_code="RECORDS",
        channel=Channel.WEB,
        first_received_at=datetime(2027, 1, 1, 3, 0),
    )
    assert (filed.tracking_number, filed.received_on) == ("2026-000001", date(2026, 12, 31))
    later = filing.file_request(
        None,
        filing.Intake(description="Dispatch log"),
        unit_code="RECORDS",
        channel=Channel.WEB,
        first_received_at=datetime(2027, 1, 1, 7, 0),  # 01:00 on 1 January in Missouri
    )
    assert (later.tracking_number, later.received_on) == ("2027-000001", date(2027, 1, 1))


def test_filing_at_a_unit_that_does_not_exist_writes_nothing(factories) -> None:
    with pytest.raises(filing.NoRecordsUnit):
        filing.file_request(
            None, filing.Intake(description="Dispatch log"), unit_code="NOPE", channel=Channel.WEB
        )
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RecordsRequest)) == 0


@time_machine.travel(datetime(2026, 3, 3, 15, tzinfo=UTC), tick=False)  # filed the day it was received
def test_every_field_of_a_filing_reads_back_as_given(factories) -> None:
    """On PostgreSQL a filing's rows travel as JSON: dates, times, flags, enums and text must survive it."""
    from sunshine.records.models import PreferredFormat

    factories.unit("RECORDS")
    arrived = datetime(2026, 3, 2, 22, 15, 7, 123456)
    filed = filing.file_request(
        None,
        filing.Intake(
            description='Body-camera video, "Unit 12", 1–3 March — Zoë\'s stop\\report',
            preferred_format=PreferredFormat.INSPECT,
            delivery=Delivery.MAIL,
            date_from=date(2026, 3, 1),
            date_to=date(2026, 3, 3),
            fee_waiver_requested=True,
            public_interest_statement="For a news story on traffic stops.",
            contact_name="Zoë O'Brien",
            contact_email="zoe@example.org",
            contact_phone="+1 573 555 0100",
            contact_address="12 Elm St\nColumbia, MO",
        ),
        unit_code="RECORDS",
        channel=Channel.MAIL,
        first_received_at=arrived,
        custodian_received_on=date(2026, 3, 3),
    )
    db.session.expire_all()
    request = filed.request
    assert (request.description, request.contact_name, request.contact_address) == (
        'Body-camera video, "Unit 12", 1–3 March — Zoë\'s stop\\report',
        "Zoë O'Brien",
        "12 Elm St\nColumbia, MO",
    )
    assert (request.preferred_format, request.delivery, request.channel) == (
        PreferredFormat.INSPECT,
        Delivery.MAIL,
        Channel.MAIL,
    )
    assert (request.date_from, request.date_to, request.custodian_received_on) == (
        date(2026, 3, 1),
        date(2026, 3, 3),
        date(2026, 3, 3),
    )
    assert request.first_received_at == arrived and request.fee_waiver_requested is True
    assert request.requester_id is None and request.contact_phone == "+1 573 555 0100"
    assert request.access_token_hash == access.hash_token(filed.access_token)
    clock = records.response_clock(request)
    assert (clock.case_id, clock.label, clock.started_on, clock.due_on) == (
        request.id,
        filed.tracking_number,
        date(2026, 3, 3),
        filed.response_due,
    )
    assert clock.paused_at is None and clock.outcome is Outcome.OPEN and clock.next_reminder_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.filed")).one()
    assert event.details == {"channel": "mail", "due_on": filed.response_due.isoformat()}
    assert event.object_id == str(request.id)
    assert verify_chain() is None


def test_tracking_numbers_restart_each_year(factories) -> None:
    with time_machine.travel(datetime(2027, 6, 1, 18, tzinfo=UTC), tick=False):
        factories.request(received_on=date(2026, 12, 31))
        assert factories.request(received_on=date(2027, 1, 4)).request.tracking_number == "2027-000001"


def test_a_date_received_after_today_at_the_body_is_refused(factories) -> None:
    """9 p.m. on 2 March in Missouri is 3 March in UTC: 3 March is still tomorrow there."""
    factories.unit("RECORDS")
    with time_machine.travel(datetime(2026, 3, 3, 3, 0, tzinfo=UTC), tick=False):
        with pytest.raises(records.RequestError, match="cannot be in the future"):
            factories.request(received_on=date(2026, 3, 3))
        db.session.rollback()
        filed = factories.request(received_on=date(2026, 3, 2))
    assert filed.received_on == date(2026, 3, 2)
    assert filed.tracking_number == "2026-000001"  # refused before a number was taken: no gap


def test_description_and_contact_are_encrypted_at_rest(factories) -> None:
    factories.request(description="My own arrest report from 12 May", email="secret.asker@example.org")
    row = db.session.execute(text("SELECT description, contact_email FROM records_request")).one()
    assert "arrest" not in row.description and "secret" not in row.contact_email


@pytest.mark.parametrize(
    ("intake", "message"),
    [
        ({"description": "  "}, "Describe the records"),
        ({"date_from": date(2026, 5, 2), "date_to": date(2026, 5, 1)}, "start of the date range is after"),
        ({"date_from": date(2099, 1, 5)}, "starts on 5 January 2099, which has not come yet"),
        ({"delivery": Delivery.MAIL}, "postal address"),
        ({"fee_waiver_requested": True}, "public interest"),
    ],
)
def test_bad_intake_is_refused_and_nothing_is_saved(factories, intake, message) -> None:
    with pytest.raises(records.RequestError, match=message):
        factories.request(**intake)
    db.session.rollback()
    assert db.session.scalar(text("SELECT count(*) FROM records_request")) == 0
    assert db.session.scalar(text("SELECT count(*) FROM clock")) == 0


def test_only_the_owner_or_the_secret_link_can_read_a_request(factories) -> None:
    owner = factories.user()
    other = factories.user()
    filed = factories.request(owner)
    assert access.readable_by(filed.request, owner, None)
    assert access.readable_by(filed.request, None, filed.access_token)
    assert not access.readable_by(filed.request, other, None)
    assert not access.readable_by(filed.request, None, altered(filed.access_token))
    assert not access.readable_by(filed.request, None, None)


def test_granting_meets_the_response_clock_or_misses_it_when_late(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 6, 18, tzinfo=UTC), tick=False):  # the due date, Fri 6 Mar
        request = factories.request(received_on=date(2026, 3, 3)).request
        records.acknowledge(None, request)
        records.grant(None, request)
    assert request.status is Status.GRANTED
    assert records.response_clock(request).outcome is Outcome.MET
    with pytest.raises(TransitionError):
        records.acknowledge(None, request)
    with time_machine.travel(datetime(2026, 3, 9, 18, tzinfo=UTC), tick=False):  # Mon 9 Mar: a day late
        late = factories.request(received_on=date(2026, 3, 3)).request
        records.grant(None, late)
    assert records.response_clock(late).outcome is Outcome.MISSED


def test_a_denial_needs_known_citations_and_written_findings_where_required(factories) -> None:
    request = factories.request().request
    with pytest.raises(records.RequestError, match="at least one"):
        records.decide_with_citations(
            None, request, partial=False, citations=[], findings={}, withheld_description="All of it"
        )
    with pytest.raises(records.RequestError, match="610.021.99"):
        records.decide_with_citations(
            None,
            request,
            partial=False,
            citations=["610.021(99)"],
            findings={},
            withheld_description="All of it",
        )
    with pytest.raises(records.RequestError, match="finding"):
        records.decide_with_citations(
            None,
            request,
            partial=False,
            citations=["610.021(19)"],
            findings={},
            withheld_description="Building plans",
        )
    db.session.rollback()
    assert request.status is Status.RECEIVED and request.citations == []
    records.decide_with_citations(
        None,
        request,
        partial=True,
        citations=["610.100.3", "610.021(14)"],
        findings={},
        withheld_description="Names and addresses of two witnesses",
    )
    assert request.status is Status.PARTIALLY_GRANTED
    assert [c.code for c in request.citations] == ["610.100.3", "610.021(14)"]
    letter = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.partially_granted")
    ).one()
    assert "RSMo 610.100.3" in letter.body and "three business days" in letter.body


def test_asking_for_the_statement_of_grounds_starts_a_three_day_clock_once(factories) -> None:
    request = factories.request().request
    records.decide_with_citations(
        None,
        request,
        partial=False,
        citations=["610.021(3)"],
        findings={},
        withheld_description="Disciplinary file",
    )
    grounds.ask_for_statement_of_grounds(None, request)
    clock = db.session.scalars(select(Clock).where(Clock.kind == ClockKind.DENIAL_STATEMENT)).one()
    assert clock.case_id == request.id and clock.explanation.startswith("Asked ")
    with pytest.raises(records.RequestError, match="already asked"):
        grounds.ask_for_statement_of_grounds(None, request)


def test_statement_of_grounds_needs_a_denial(factories) -> None:
    with pytest.raises(records.RequestError, match="once a request is denied"):
        grounds.ask_for_statement_of_grounds(None, factories.request().request)


def test_a_lapsed_payment_window_withdraws_the_request_with_a_letter(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 18, tzinfo=UTC), tick=False):
        request = factories.request(received_on=date(2026, 3, 2)).request
        workflow.estimate_and_request_payment(None, request, FeeInputs(standard_pages=10))
    sweep.run(now=datetime(2026, 6, 2, 15))
    db.session.expire_all()
    assert request.status is Status.WITHDRAWN
    assert clocks.open_clocks_for_case(records.CASE_TYPE, request.id) == []
    assert [letter.kind for letter in letters_for(records.CASE_TYPE, request.id)][-1] == "withdrawal"


def test_a_decision_closes_the_windows_so_their_lapse_never_withdraws_it(factories) -> None:
    """Denied while the payment window ran: the window closes with it; the response clock is met,
    and its explanation says it closed while paused rather than promising a resume."""
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
        workflow.estimate_and_request_payment(None, request, FeeInputs(standard_pages=10))
    with time_machine.travel(datetime(2026, 4, 20, 18, tzinfo=UTC), tick=False):  # paused all along
        records.decide_with_citations(
            None,
            request,
            partial=False,
            citations=["610.021(3)"],
            findings={},
            withheld_description="Disciplinary file",
        )
    sweep.run(now=datetime(2026, 6, 10, 15))  # past the 90 days
    db.session.expire_all()
    assert request.status is Status.DENIED
    clocks_of = {c.kind: c for c in db.session.scalars(select(Clock).where(Clock.case_id == request.id))}
    assert {kind: c.outcome for kind, c in clocks_of.items()} == {
        ClockKind.SUNSHINE_RESPONSE: Outcome.MET,
        ClockKind.FEE_PAYMENT: Outcome.CANCELLED,
    }
    response = clocks_of[ClockKind.SUNSHINE_RESPONSE].explanation
    assert "when it resumes" not in response
    assert response.endswith(
        "Paused Tue 3 Mar 2026 (waiting on payment) with 3 business days left; closed Mon 20 Apr 2026 "
        "while still paused, so it never resumed."
    )


def test_a_lapse_leaves_a_request_no_longer_waiting_on_that_answer(factories) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
        workflow.ask_clarification(None, request, "Which day in May?")
    window = next(
        c
        for c in clocks.open_clocks_for_case(records.CASE_TYPE, request.id)
        if c.kind is ClockKind.CLARIFICATION
    )
    request.status = (
        Status.ACKNOWLEDGED
    )  # e.g. answered on paper and keyed in, the window left open by mistake
    db.session.commit()
    records.on_lapse(window)
    assert request.status is Status.ACKNOWLEDGED


@pytest.mark.parametrize(("decide", "delayed_outcome"), [("grant", Outcome.MET), ("deny", Outcome.CANCELLED)])
def test_the_delayed_access_clock_closes_with_the_decision(factories, decide, delayed_outcome) -> None:
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
        workflow.delay(
            None,
            request,
            explanation="x" * 50,
            available_on=date(2026, 3, 10),
            available_at_time=time(9),
            place="The counter",
        )
    with time_machine.travel(datetime(2026, 3, 9, 18, tzinfo=UTC), tick=False):
        if decide == "grant":
            records.grant(None, request)
        else:
            records.decide_with_citations(
                None,
                request,
                partial=False,
                citations=["610.021(3)"],
                findings={},
                withheld_description="All",
            )
        records.close(None, request)
    delayed = db.session.scalars(
        select(Clock).where(Clock.case_id == request.id, Clock.kind == ClockKind.DELAYED_ACCESS)
    ).one()
    assert delayed.outcome is delayed_outcome
    assert clocks.open_clocks_for_case(records.CASE_TYPE, request.id) == []


def test_a_clock_paused_only_after_it_was_due_stays_missed(factories) -> None:
    """Due Fri 6 Mar; the custodian first writes back on Wed 11 Mar asking to clarify, then denies."""
    with time_machine.travel(datetime(2026, 3, 3, 18, tzinfo=UTC), tick=False):
        request = factories.request().request
    with time_machine.travel(datetime(2026, 3, 11, 18, tzinfo=UTC), tick=False):
        workflow.ask_clarification(None, request, "Which day?")
        workflow.answer_clarification(None, request, "The 2nd.")
        workflow.ask_clarification(None, request, "Which officer?")  # paused again, still late
        records.decide_with_citations(
            None, request, partial=False, citations=["610.021(3)"], findings={}, withheld_description="All"
        )
    assert records.response_clock(request).outcome is Outcome.MISSED


def test_the_requester_answering_tells_the_assignee_or_else_the_units_custodians(factories) -> None:
    from sunshine.authz import Role
    from sunshine.notifications.models import OutboxMessage

    request = factories.request().request
    custodian = factories.user(Role.CUSTODIAN, email="desk@example.org")
    moved = factories.user(Role.CUSTODIAN, unit="PATROL", email="moved@example.org")
    request.assigned_to_id = moved.id  # assigned once, since moved to another unit
    db.session.commit()
    records.tell_staff(request, "answered your question")
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.staff_told")).all()
    assert [m.recipient for m in told] == [custodian.email]
    workflow.assign(None, request, custodian)
    records.tell_staff(request, "wrote a message")
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.staff_told")).all()
    assert [m.recipient for m in told] == [custodian.email, custodian.email]


def test_the_grounds_can_be_asked_for_after_closing_but_only_once(factories) -> None:
    request = factories.request().request
    records.decide_with_citations(
        None, request, partial=True, citations=["610.021(3)"], findings={}, withheld_description="One file"
    )
    records.close(None, request)
    assert grounds.grounds_can_be_asked(request)
    grounds.ask_for_statement_of_grounds(None, request)
    grounds.give_statement_of_grounds(None, request, "RSMo 610.021(3) closes the personnel file withheld.")
    with pytest.raises(records.RequestError, match="already given"):
        grounds.ask_for_statement_of_grounds(None, request)
    granted = factories.request().request
    records.grant(None, granted)
    records.close(None, granted)
    assert not grounds.grounds_can_be_asked(granted)
