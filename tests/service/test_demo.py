"""The demo: requests in every state a newcomer clicks through, made by the app's own services."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sunshine.accounts.models import User
from sunshine.audit.models import AuditEvent
from sunshine.cli import seed_demo_command
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome, Urgency
from sunshine.demo import Demo, seed_demo
from sunshine.documents.models import Release, ReleaseStatus
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records import access, workflow
from sunshine.records import services as records
from sunshine.records.citations import load_citations
from sunshine.records.models import Channel, Delivery, RecordsRequest
from sunshine.records.states import Status


@pytest.fixture
def demo(app_ctx) -> Demo:
    return seed_demo("City of Fairview")


def _request(demo: Demo, name: str) -> RecordsRequest:
    return access.find(demo.requests[name])


def _clock(request: RecordsRequest, kind: ClockKind = ClockKind.SUNSHINE_RESPONSE):
    return next(c for c in _clocks(request) if c.kind is kind)


def _clocks(request: RecordsRequest) -> list[Clock]:
    return db.session.scalars(
        select(Clock).where(Clock.case_type == records.CASE_TYPE, Clock.case_id == request.id)
    ).all()


def test_each_demo_request_is_in_the_state_it_is_there_to_show(demo) -> None:
    assert {name: _request(demo, name).status for name in demo.requests} == {
        "new": Status.RECEIVED,
        "acknowledged": Status.ACKNOWLEDGED,
        "clarification": Status.AWAITING_CLARIFICATION,
        "payment": Status.AWAITING_PAYMENT,
        "delayed": Status.DELAYED,
        "granted": Status.GRANTED,
        "partial": Status.PARTIALLY_GRANTED,
        "denied": Status.DENIED,
        "mailed": Status.RECEIVED,
        "overdue": Status.RECEIVED,
        "withdrawn": Status.WITHDRAWN,
        "closed": Status.CLOSED,
    }


def test_only_the_overdue_request_is_overdue_and_counsel_was_told(demo) -> None:
    overdue_clocks = {
        name: [c for c in _clocks(_request(demo, name)) if c.urgency is Urgency.OVERDUE]
        for name in demo.requests
    }
    assert [name for name, late in overdue_clocks.items() if late] == ["overdue"]
    overdue = _request(demo, "overdue")
    assert _clock(overdue).is_open and not overdue.messages
    [escalated] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "clock.escalated")).all()
    assert escalated.details == {"clocks": 1, "recipients": 1}
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "clock.escalation")).one()
    assert digest.recipient == "counsel@example.org" and overdue.tracking_number in digest.body


def test_the_older_requests_were_answered_in_time_on_their_own_days(demo) -> None:
    """Filed and answered in the past as a records unit keeping up would have: no deadline missed."""
    from sunshine.records.metrics import monthly_report

    answered = {name: _clock(_request(demo, name)).outcome for name in ("partial", "denied", "closed")}
    assert answered == {"partial": Outcome.MET, "denied": Outcome.MET, "closed": Outcome.MET}
    closed = _request(demo, "closed")
    assert (closed.closed_at.date() - closed.custodian_received_on).days < 30  # closed long ago, not today
    assert not db.session.scalars(select(Clock).where(Clock.outcome == Outcome.MISSED)).all()
    assert monthly_report(6).total.on_time_share == 1.0


def test_the_requests_are_spread_over_months_and_several_are_the_demo_requesters(demo) -> None:
    received = {_request(demo, name).custodian_received_on.replace(day=1) for name in demo.requests}
    assert len(received) >= 3
    requester = db.session.get(User, _request(demo, "new").requester_id)
    assert requester.email == "requester@example.org"
    assert len(records.requests_of(requester)) >= 4


def test_the_waiting_requests_pause_their_response_clock_and_open_a_window(demo) -> None:
    question = _request(demo, "clarification")
    assert _clock(question).is_paused and _clock(question, ClockKind.CLARIFICATION).is_open
    assert any(m.details.get("kind") == "clarification_question" for m in question.messages)
    payment = _request(demo, "payment")
    assert _clock(payment).is_paused and _clock(payment, ClockKind.FEE_PAYMENT).is_open
    [estimate] = workflow.estimates(payment)
    assert estimate.prepayment_required and estimate.total_cents > 0 and estimate.paid_at is None


def test_the_delayed_request_has_its_notice_and_a_promised_date(demo) -> None:
    delayed = _request(demo, "delayed")
    [notice] = workflow.delay_notices(delayed)
    assert _clock(delayed, ClockKind.DELAYED_ACCESS).due_on == notice.available_on
    assert _clock(delayed).outcome is Outcome.MET


def test_the_decisions_cite_the_law_and_describe_what_is_withheld(demo) -> None:
    partial = _request(demo, "partial")
    assert [c.code for c in partial.citations] == ["610.021(14)"]
    withheld = [m.body for m in partial.messages if m.details.get("kind") == "withheld_description"]
    assert len(withheld) == 1 and "211.321" in withheld[0]
    denied = _request(demo, "denied")
    table = load_citations()
    assert denied.citations and not any(table.get(c.code).requires_written_finding for c in denied.citations)


def test_the_granted_request_has_a_ready_packet_and_the_mailed_one_was_keyed_in(demo) -> None:
    granted = _request(demo, "granted")
    [packet] = db.session.scalars(select(Release).where(Release.case_id == granted.id)).all()
    assert packet.status is ReleaseStatus.READY and packet.page_count == 2
    mailed = _request(demo, "mailed")
    assert (mailed.channel, mailed.delivery, mailed.requester_id) == (Channel.MAIL, Delivery.MAIL, None)
    assert mailed.contact_address and not mailed.contact_email
    assert mailed.first_received_at.date() < mailed.custodian_received_on


def test_seeding_again_if_empty_adds_nothing(runner, app) -> None:
    assert runner.invoke(seed_demo_command, ["--if-empty"]).exit_code == 0

    def counts():
        with app.app_context():
            return [
                db.session.scalar(select(func.count()).select_from(model))
                for model in (RecordsRequest, User, AuditEvent, OutboxMessage, Release)
            ]

    seeded = counts()
    assert seeded[0] == 12
    again = runner.invoke(seed_demo_command, ["--if-empty"])
    assert again.exit_code == 0 and "not seeded" in again.output
    assert counts() == seeded


def test_each_old_request_got_its_receipt_on_the_day_it_came(demo) -> None:
    _receipts_on_their_days(demo)


def test_with_redis_too_whose_worker_would_send_receipts_later_on_todays_clock(app_ctx, redis_server) -> None:
    _receipts_on_their_days(seed_demo("City of Fairview"))


def _receipts_on_their_days(demo: Demo) -> None:
    from sunshine.letters.services import letters_for
    from sunshine.timeutil import local_time

    for name in ("partial", "denied", "closed", "overdue"):
        request = _request(demo, name)
        (receipt,) = [lt for lt in letters_for(records.CASE_TYPE, request.id) if lt.kind == "acknowledgement"]
        on = local_time(receipt.created_at, "America/Chicago", date_only=True)
        assert on == f"{request.custodian_received_on.day} {request.custodian_received_on:%b %Y}", name
        assert request.receipt_sent_at is not None
