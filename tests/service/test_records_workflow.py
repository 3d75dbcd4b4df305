"""The paths between receipt and decision, with the clocks and the letters the law requires."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from sunshine.clocks import sweep
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records import services as records
from sunshine.records import workflow
from sunshine.records.fees import FeeInputs
from sunshine.records.states import Status

UTC_NOON = datetime(2026, 3, 3, 18, 0)  # Tue 3 Mar 2026, noon Central


def at(moment: datetime):
    from datetime import UTC

    return time_machine.travel(moment.replace(tzinfo=UTC), tick=False)


def _letter(kind: str) -> str:
    return db.session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == kind)).one()


def _clock(request, kind: ClockKind) -> Clock:
    return db.session.scalars(select(Clock).where(Clock.case_id == request.id, Clock.kind == kind)).one()


def test_clarification_pauses_the_response_and_the_answer_resumes_it(factories) -> None:
    with at(UTC_NOON):
        request = factories.request().request  # received Tue 3 Mar -> due Fri 6 Mar
        workflow.ask_clarification(None, request, "Which of the two addresses on Main St do you mean?")
    response = records.response_clock(request)
    assert (
        request.status is Status.AWAITING_CLARIFICATION
        and response.is_paused
        and response.remaining_days == 3
    )
    window = _clock(request, ClockKind.CLARIFICATION)
    assert window.due_on == date(2026, 6, 1)  # 90 days
    letter = _letter("request.clarification")
    assert "Which of the two addresses" in letter and "treated as" in letter and "withdrawn" in letter
    assert "Monday 1 June 2026" in letter

    with at(UTC_NOON + timedelta(days=7)):  # Tue 10 Mar
        workflow.answer_clarification(None, request, "The one at 400 Main St.")
    assert request.status is Status.ACKNOWLEDGED
    assert response.due_on == date(2026, 3, 13) and not response.is_paused
    assert window.outcome is Outcome.MET


def test_unanswered_clarification_withdraws_the_request_after_the_window(factories) -> None:
    with at(UTC_NOON):
        request = factories.request().request
        workflow.ask_clarification(None, request, "Which incident?")
    with at(datetime(2026, 6, 2, 15)):
        sweep.run()
    db.session.expire_all()
    assert request.status is Status.WITHDRAWN
    assert "clarification asked for was not received" in _letter("request.withdrawn")


def test_fee_estimate_then_payment_then_grant(factories) -> None:
    with at(UTC_NOON):
        request = factories.request().request
        estimate = workflow.estimate_and_request_payment(
            None, request, FeeInputs(standard_pages=120, duplicating_minutes=30, attorney_review_minutes=90)
        )
    assert estimate.total_cents == 120 * 10 + 900  # 120 pages at 10 cents, 30 minutes at $18/h; lawyers free
    assert request.status is Status.AWAITING_PAYMENT and records.response_clock(request).is_paused
    letter = _letter("request.payment_requested")
    assert "$21.00" in letter and "withdrawn" in letter and "Gross v. Parson" in letter
    assert _clock(request, ClockKind.FEE_PAYMENT).due_on == date(2026, 6, 1)

    with pytest.raises(records.RequestError, match="amount due is \\$21.00"):
        workflow.record_payment(None, request, 2000)
    with at(UTC_NOON + timedelta(days=1)):
        workflow.record_payment(None, request, 2100)
        records.grant(None, request)
    assert request.status is Status.GRANTED
    assert _clock(request, ClockKind.FEE_PAYMENT).outcome is Outcome.MET
    assert records.response_clock(request).outcome is Outcome.MET


def test_a_body_s_own_fee_schedule_prices_new_estimates_and_is_audited(factories) -> None:
    import dataclasses

    from sunshine.audit.models import AuditEvent
    from sunshine.records import fee_settings
    from sunshine.records.fees import FeeError
    from sunshine.units.models import PublicBody

    with at(UTC_NOON):
        request = factories.request().request
        body = db.session.get(PublicBody, request.body_id)
        assert fee_settings.rates_for(body.id) == fee_settings.default_rates()
        cheaper = fee_settings.FeeRates(
            paper_page_cents=5,
            clerical_hourly_cents=1200,
            research_hourly_cents=2000,
            technical_hourly_cents=3000,
            media_prices_cents={"usb": 500},
            large_fee_threshold_cents=50_000,
        )
        fee_settings.set_rates(None, body, cheaper)
        estimate = workflow.estimate_and_request_payment(
            None, request, FeeInputs(standard_pages=120, duplicating_minutes=30)
        )
    assert estimate.total_cents == 120 * 5 + 600  # 5 cents a page, 30 minutes at $12/h
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "fees.schedule_set")).one()
    assert (
        event.details["before"]["paper_page_cents"] == 10 and event.details["after"]["paper_page_cents"] == 5
    )

    over_cap = dataclasses.replace(cheaper, paper_page_cents=11)
    with pytest.raises(FeeError, match="610.026 caps paper copies"):
        fee_settings.set_rates(None, body, over_cap)
    db.session.rollback()
    assert fee_settings.rates_for(body.id) == cheaper  # nothing half-saved


def test_the_payment_window_in_a_fee_schedule_is_the_payment_clock_s_length(factories) -> None:
    from sunshine.clocks import settings
    from sunshine.records import fee_settings
    from sunshine.units.models import PublicBody

    body = db.session.get(PublicBody, factories.request().request.body_id)
    assert (
        fee_settings.schedule_for(body.id).window_days,
        fee_settings.schedule_for(body.id).large_fee_window_days,
    ) == (90, 150)
    settings.set_lengths(None, body, ClockKind.FEE_PAYMENT, 60, 120)
    assert (
        fee_settings.schedule_for(body.id).window_days,
        fee_settings.schedule_for(body.id).large_fee_window_days,
    ) == (60, 120)


def test_large_fees_get_the_150_day_window(factories) -> None:
    with at(UTC_NOON):
        request = factories.request().request
        workflow.estimate_and_request_payment(None, request, FeeInputs(research_minutes=60 * 45))  # $1,125
    assert _clock(request, ClockKind.FEE_PAYMENT).due_on == date(2026, 7, 31)


def test_a_full_waiver_ends_the_wait_for_payment(factories) -> None:
    with at(UTC_NOON):
        request = factories.request(
            fee_waiver_requested=True, public_interest_statement="A study of stops"
        ).request
        workflow.estimate_and_request_payment(None, request, FeeInputs(standard_pages=50))
        with pytest.raises(records.RequestError, match="reason"):
            workflow.decide_waiver(None, request, percent=100, reason=" ")
        workflow.decide_waiver(
            None, request, percent=100, reason="Contributes to public understanding of stops"
        )
    assert request.status is Status.ACKNOWLEDGED and not records.response_clock(request).is_paused


def test_delay_notice_needs_explanation_place_and_a_later_date_and_time(factories) -> None:
    good = {
        "explanation": "x" * 50,
        "available_on": date(2026, 3, 20),
        "available_at_time": time(9),
        "place": "Desk",
    }
    with at(UTC_NOON):
        request = factories.request().request
        for change, message in [
            ({"explanation": "Busy."}, "in detail"),
            ({"available_on": date(2026, 3, 3)}, "after today"),
            ({"place": " "}, "where the records"),
            ({"available_at_time": None}, "earliest time"),
            (
                {"available_on": date(2026, 3, 21)},
                "closed on Saturday 21 March 2026: choose a day it is open",
            ),
            ({"available_on": date(2026, 5, 8)}, "Truman Day"),  # a Missouri state holiday
        ]:
            with pytest.raises(records.RequestError, match=message):
                workflow.delay(None, request, **(good | change))
        workflow.delay(
            None,
            request,
            explanation="The video must be retrieved from the vendor's archive and "
            "reviewed frame by frame for juveniles.",
            available_on=date(2026, 3, 20),
            available_at_time=time(13, 30),
            place="Records counter, 1125 Locust St",
        )
    assert request.status is Status.DELAYED
    assert records.response_clock(request).outcome is Outcome.MET
    assert _clock(request, ClockKind.DELAYED_ACCESS).due_on == date(2026, 3, 20)
    letter = _letter("request.delayed")
    assert (
        "vendor's archive" in letter
        and "Friday 20 March 2026, 1:30 PM" in letter
        and "1125 Locust St" in letter
    )


def test_assignment_is_to_a_custodian_of_the_unit_and_notes_stay_internal(factories) -> None:
    from sunshine.authz import Role

    request = factories.request().request
    custodian = factories.user(Role.CUSTODIAN)
    with pytest.raises(records.RequestError, match="custodian of its unit"):
        workflow.assign(custodian, request, factories.user(Role.CUSTODIAN, unit="PATROL"))
    workflow.assign(custodian, request, custodian)
    workflow.add_note(custodian, request, "Check with Traffic first.")
    assert request.assigned_to_id == custodian.id
    assert [m.internal for m in request.messages] == [True]


def test_a_payment_recorded_while_the_sweep_lapses_its_window_is_refused_not_half_applied(
    app, factories
) -> None:
    """The custodian loads the case, the sweep (another worker) withdraws it for want of payment,
    then the custodian records the cheque: the second change sees the first and is refused."""
    from sunshine.accounts.models import User
    from sunshine.authz import Role
    from sunshine.records.models import RecordsRequest

    staff_id = factories.user(Role.CUSTODIAN).id
    with at(datetime(2026, 3, 3, 15)):
        filed = factories.request()
        estimate = workflow.estimate_and_request_payment(None, filed.request, FeeInputs(standard_pages=100))
        total = estimate.total_cents
    db.session.remove()
    # Tue 2 Jun, 00:05 in Missouri (the window ended on Mon 1 Jun), in the custodian's web request:
    with at(datetime(2026, 6, 2, 5, 5)), app.app_context():
        staff = db.session.get(User, staff_id)
        request = db.session.get(RecordsRequest, filed.request_id)
        assert request.status is Status.AWAITING_PAYMENT
        with app.app_context():  # meanwhile, the sweep in another worker
            assert sweep.run().summary()["lapsed"] == 1
        with pytest.raises(ValueError, match="withdrawn"):
            workflow.record_payment(staff, request, total)
        db.session.rollback()
    db.session.expire_all()
    request = db.session.get(RecordsRequest, filed.request_id)
    assert request.status is Status.WITHDRAWN
    kinds = db.session.scalars(select(Clock.outcome).where(Clock.case_id == request.id)).all()
    assert Outcome.OPEN not in kinds


def test_a_window_met_while_the_sweep_runs_is_not_withdrawn_by_it(app, factories) -> None:
    """The sweep reads the lapsed window, then the requester's payment commits before the sweep
    reaches the case: the sweep must leave both the request and the met window alone."""
    from sunshine.records.models import RecordsRequest

    with at(datetime(2026, 3, 3, 15)):
        filed = factories.request()
        total = workflow.estimate_and_request_payment(
            None, filed.request, FeeInputs(standard_pages=100)
        ).total_cents
    db.session.remove()
    original = records.on_lapse

    def paid_first(clock):
        with app.app_context():  # the payment, recorded in another worker a moment before
            request = db.session.get(RecordsRequest, filed.request_id)
            workflow.record_payment(None, request, total)
        original(clock)

    with at(datetime(2026, 6, 2, 5, 5)):
        from sunshine.clocks import cases

        registered = cases.case_type(records.CASE_TYPE)
        saved = registered.on_lapse
        object.__setattr__(registered, "on_lapse", paid_first)
        try:
            sweep.run()
        finally:
            object.__setattr__(registered, "on_lapse", saved)
    db.session.expire_all()
    request = db.session.get(RecordsRequest, filed.request_id)
    assert request.status is Status.ACKNOWLEDGED
    window = db.session.scalars(
        select(Clock).where(Clock.case_id == request.id, Clock.kind == ClockKind.FEE_PAYMENT)
    ).one()
    assert window.outcome is Outcome.MISSED  # paid a day late, before the sweep came: not withdrawn by it


def test_a_payment_recorded_after_a_waiver_decided_meanwhile_is_checked_against_the_new_amount(
    app, factories
) -> None:
    """Two custodians: one loads the case to record the cheque for the full estimate, the other
    halves the fees meanwhile. The payment is checked against what is due now, not what was read."""
    from sunshine.records.models import RecordsRequest

    with at(UTC_NOON):
        filed = factories.request()
        workflow.estimate_and_request_payment(None, filed.request, FeeInputs(standard_pages=100))
    db.session.remove()
    with at(UTC_NOON + timedelta(days=1)), app.app_context():
        request = db.session.get(RecordsRequest, filed.request_id)
        shown = workflow._latest_estimate(request)  # what this custodian's page showed, still held
        full = shown.total_cents
        with app.app_context():  # the other custodian, at the same moment
            workflow.decide_waiver(
                None, db.session.get(RecordsRequest, filed.request_id), percent=50, reason="News story"
            )
        with pytest.raises(records.RequestError, match=f"amount due is \\${full / 200:.2f}"):
            workflow.record_payment(None, request, full)
        db.session.rollback()
    db.session.expire_all()
    estimate = workflow._latest_estimate(db.session.get(RecordsRequest, filed.request_id))
    assert (estimate.total_cents, estimate.paid_cents) == (full // 2, None)


def test_an_estimate_without_prepayment_keeps_the_clock_running_and_a_waiver_lowers_it(factories) -> None:
    request = factories.request().request
    response_due = _clock(request, ClockKind.SUNSHINE_RESPONSE).due_on
    row = workflow.give_estimate(None, request, FeeInputs(standard_pages=300))
    assert not row.prepayment_required and row.total_cents == 3000
    clock = _clock(request, ClockKind.SUNSHINE_RESPONSE)
    assert clock.paused_at is None and clock.due_on == response_due
    assert request.status is Status.RECEIVED
    assert workflow.payment_pending_without_prepayment(request) == row

    workflow.decide_waiver(None, request, percent=50, reason="Partly in the public interest")
    with pytest.raises(records.RequestError, match=r"amount due is \$15.00"):
        workflow.record_payment(None, request, 3000)
    workflow.record_payment(None, request, 1500)
    assert row.paid_cents == 1500 and workflow.payment_pending_without_prepayment(request) is None
    assert request.status is Status.RECEIVED


def test_no_estimate_is_given_while_the_requester_is_asked_to_clarify(factories) -> None:
    request = factories.request().request
    workflow.ask_clarification(None, request, "Which officer?")
    with pytest.raises(records.RequestError, match="an estimate is given while the records are being found"):
        workflow.give_estimate(None, request, FeeInputs(standard_pages=300))
    assert workflow.estimates(request) == []
