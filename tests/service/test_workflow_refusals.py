"""What the custodian's actions refuse by rule, beyond the state table: each refusal says what to do,
and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.documents.models import Release, ReleaseStatus
from sunshine.extensions import db
from sunshine.letters.models import Letter
from sunshine.notifications.models import OutboxMessage
from sunshine.records import release, workflow
from sunshine.records import services as records
from sunshine.records.fees import FeeInputs
from sunshine.records.models import DenialCitation, RequestMessage
from sunshine.records.states import Action, Status, TransitionError
from tests.service.test_release import _receive, pdf

TUESDAY_NOON = datetime(2026, 3, 3, 18, tzinfo=UTC)
PAY_FIRST = "record the payment, or waive the fees, before granting the request in full or in part"


def _rows() -> dict[str, int]:
    """How many rows each table an action writes to holds: a refused action adds none."""
    tables = (AuditEvent, Clock, Letter, OutboxMessage, DenialCitation, RequestMessage, Release)
    return {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}


def _clocks(request) -> dict[ClockKind, Clock]:
    return {c.kind: c for c in db.session.scalars(select(Clock).where(Clock.case_id == request.id))}


def _awaiting_payment(factories):
    with time_machine.travel(TUESDAY_NOON, tick=False):
        request = factories.request().request
        workflow.estimate_and_request_payment(None, request, FeeInputs(standard_pages=50))
    return request


def _partial_grant(actor, request) -> None:
    records.decide_with_citations(
        actor, request, partial=True, citations=["610.021(14)"], findings={}, withheld_description="A name"
    )


@pytest.mark.parametrize("decide", [records.grant, _partial_grant])
def test_a_grant_is_refused_while_a_pay_first_estimate_is_unpaid(factories, decide) -> None:
    request = _awaiting_payment(factories)
    before = _rows()
    with pytest.raises(TransitionError, match=PAY_FIRST):
        decide(None, request)
    db.session.rollback()
    db.session.expire_all()
    assert _rows() == before and request.status is Status.AWAITING_PAYMENT and request.citations == []
    clocks = _clocks(request)
    assert clocks[ClockKind.SUNSHINE_RESPONSE].is_paused
    assert clocks[ClockKind.FEE_PAYMENT].outcome is Outcome.OPEN

    workflow.record_payment(None, request, 500)  # paid: the work goes on, and it may be granted
    decide(None, request)
    assert request.status in (Status.GRANTED, Status.PARTIALLY_GRANTED)


def test_a_grant_is_refused_before_the_citations_are_checked(factories) -> None:
    """The custodian is told about the fees first, not asked to mend citations that cannot be used yet."""
    request = _awaiting_payment(factories)
    with pytest.raises(TransitionError, match=PAY_FIRST):
        records.decide_with_citations(
            None, request, partial=True, citations=["610.021(19)"], findings={}, withheld_description=""
        )


def test_waiving_the_fees_in_full_lets_the_request_be_granted(factories) -> None:
    request = _awaiting_payment(factories)
    workflow.decide_waiver(None, request, percent=100, reason="News reporting")
    records.grant(None, request)
    assert request.status is Status.GRANTED


def test_the_case_page_rules_offer_no_grant_while_payment_is_awaited_and_say_why(factories) -> None:
    request = _awaiting_payment(factories)
    offered = records.offered_actions(request)
    assert Action.GRANT not in offered and Action.PARTIAL_GRANT not in offered
    assert Action.DENY in offered and Action.WITHDRAW in offered and Action.PAID in offered
    refused = records.refused_actions(request)
    assert PAY_FIRST in refused[Action.GRANT] and PAY_FIRST in refused[Action.PARTIAL_GRANT]


def test_a_denial_while_payment_is_awaited_ends_the_window_and_the_fees(factories) -> None:
    request = _awaiting_payment(factories)
    with time_machine.travel(datetime(2026, 3, 5, 18, tzinfo=UTC), tick=False):
        records.decide_with_citations(
            None, request, partial=False, citations=["610.021(3)"], findings={}, withheld_description="A file"
        )
    clocks = _clocks(request)
    assert clocks[ClockKind.FEE_PAYMENT].outcome is Outcome.CANCELLED
    response = clocks[ClockKind.SUNSHINE_RESPONSE]
    assert response.outcome is Outcome.MET and not response.is_paused
    assert "when it resumes" not in response.explanation
    assert "closed Thu 5 Mar 2026 while still paused, so it never resumed." in response.explanation
    before = _rows()
    with pytest.raises(records.RequestError, match="no fees to decide on"):
        workflow.decide_waiver(None, request, percent=100, reason="Public interest")
    db.session.rollback()
    assert _rows() == before


def test_a_withdrawal_while_payment_is_awaited_closes_every_clock(factories) -> None:
    request = _awaiting_payment(factories)
    with time_machine.travel(datetime(2026, 3, 5, 18, tzinfo=UTC), tick=False):
        records.withdraw(None, request, "you asked us to withdraw it")
    assert request.status is Status.WITHDRAWN
    clocks = _clocks(request)
    assert {c.outcome for c in clocks.values()} == {Outcome.WITHDRAWN}
    assert clocks[ClockKind.SUNSHINE_RESPONSE].explanation.endswith(
        "closed Thu 5 Mar 2026 while still paused, so it never resumed."
    )


def _released(factories):
    request = factories.request().request
    records.grant(None, request)
    _receive(factories, request, pdf(["Dispatch log, 2 March 2026"]))
    row = release.release(None, request)
    db.session.refresh(row)  # built by the job (inline here: no Redis)
    assert row.status is ReleaseStatus.READY
    return request


def test_a_request_whose_records_were_released_cannot_be_withdrawn(factories) -> None:
    request = _released(factories)
    before = _rows()
    with pytest.raises(records.RequestError, match="Records were released to the requester on .* cannot be"):
        records.withdraw(None, request, "The requester no longer wants them")
    db.session.rollback()
    db.session.expire_all()
    assert _rows() == before and request.status is Status.GRANTED and request.closed_at is None
    assert Action.WITHDRAW not in records.offered_actions(request)
    assert "Close it when the work on it is done" in records.refused_actions(request)[Action.WITHDRAW]
    records.close(None, request)  # closing is how it ends
    assert request.status is Status.CLOSED


def test_a_request_cannot_be_withdrawn_while_its_packet_is_being_built(factories) -> None:
    request = factories.request().request
    records.grant(None, request)
    db.session.add(Release(case_type=records.CASE_TYPE, case_id=request.id, status=ReleaseStatus.BUILDING))
    db.session.commit()
    with pytest.raises(records.RequestError, match="being built"):
        records.withdraw(None, request, "The requester no longer wants them")
    db.session.rollback()
    assert request.status is Status.GRANTED


def test_a_granted_request_with_nothing_released_may_still_be_withdrawn(factories) -> None:
    request = factories.request().request
    records.grant(None, request)
    assert Action.WITHDRAW in records.offered_actions(request)
    records.withdraw(None, request, "you no longer want the copies")
    assert request.status is Status.WITHDRAWN


def test_a_release_is_dated_when_its_packet_went_out_on_the_bodys_calendar(factories) -> None:
    """Asked for on Monday afternoon, built that evening: Tuesday in UTC, but Monday where it went out."""
    request = factories.request().request
    records.grant(None, request)
    _receive(factories, request, pdf(["Dispatch log"]))
    with time_machine.travel(datetime(2026, 3, 9, 19, 0, tzinfo=UTC), tick=False):
        row = Release(case_type="records_request", case_id=request.id, status=ReleaseStatus.BUILDING)
        db.session.add(row)
        db.session.commit()  # the job that builds it has not run yet
    with time_machine.travel(datetime(2026, 3, 10, 3, 30, tzinfo=UTC), tick=False):  # 10:30 PM Mon 9 Mar, CDT
        release.build(row.id)
        assert row.status is ReleaseStatus.READY and row.released_at == datetime(2026, 3, 10, 3, 30)
        with pytest.raises(records.RequestError, match="released to the requester on 9 March 2026"):
            records.withdraw(None, request, "No longer wanted")
