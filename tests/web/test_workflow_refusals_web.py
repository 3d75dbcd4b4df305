"""The case page offers only what the rules allow, says why when it holds an action back, and a refused
POST (from a page loaded before things changed) answers 400 with the reason and changes nothing."""

from __future__ import annotations

import html
import io
import re

from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.documents.models import Release, SensitiveFinding
from sunshine.extensions import db
from sunshine.letters.models import Letter
from sunshine.notifications.models import OutboxMessage
from sunshine.records.models import DenialCitation, RequestMessage
from sunshine.records.states import Status
from tests.service.test_release import SSN_LINE, pdf

PAY_FIRST = "record the payment, or waive the fees, before granting the request in full or in part"


def _rows() -> dict[str, int]:
    """How many rows each table an action writes to holds; audit events other than staff views."""
    tables = (Clock, Letter, OutboxMessage, DenialCitation, RequestMessage, Release)
    counts = {t.__name__: db.session.scalar(select(func.count()).select_from(t)) for t in tables}
    changes = select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "request.viewed")
    return counts | {"AuditEvent": db.session.scalar(changes)}


def _changes(walk, action: str, data: dict | None = None) -> str:
    """POST ``action`` as a stale page would; it must be refused with nothing changed."""
    before, status = _rows(), walk.request.status
    page = html.unescape(walk.act(action, data, refused=True))
    assert _rows() == before and walk.request.status is status
    return page


def _case(walk) -> str:
    return html.unescape(walk.custodian.get(walk.case).get_data(as_text=True))


def _upload(walk, factories, lines: list[str]) -> None:
    walk.act(
        "documents",
        {
            "file": (io.BytesIO(pdf(lines)), "log.pdf"),
            "originating_unit_id": factories.unit("PATROL", "Patrol Bureau").id,
        },
        content_type="multipart/form-data",
    )


def test_while_a_pay_first_estimate_is_unpaid_the_page_offers_no_grant_and_a_post_is_refused(walk) -> None:
    walk.act("request_payment", {"standard_pages": "50"})
    case = _case(walk)
    assert "Grant in full" not in case and "Grant in part" not in case and PAY_FIRST in case
    assert ">Deny</button>" in case and "Record payment" in case and "<summary>Withdraw</summary>" in case

    assert PAY_FIRST in _changes(walk, "grant")
    citations = {"citations": "610.021(14)", "withheld_description": "A juvenile's name"}
    assert PAY_FIRST in _changes(walk, "partial_grant", citations)
    clocks = walk.clocks()
    assert clocks[ClockKind.FEE_PAYMENT] is clocks[ClockKind.SUNSHINE_RESPONSE] is Outcome.OPEN
    assert "How to pay" in walk.status()

    walk.act("paid", {"amount": "5.00"})
    case = _case(walk)
    assert "Grant in full" in case and "Grant in part" in case and PAY_FIRST not in case


def test_a_denial_while_payment_is_awaited_leaves_both_pages_coherent(walk) -> None:
    walk.act("request_payment", {"standard_pages": "50"})
    walk.act("deny", {"citations": "610.021(3)", "withheld_description": "A personnel file"})
    clocks = walk.clocks()
    assert clocks == {ClockKind.SUNSHINE_RESPONSE: Outcome.MET, ClockKind.FEE_PAYMENT: Outcome.CANCELLED}
    case = _case(walk)
    assert "when it resumes" not in case and "while still paused, so it never resumed" in case
    assert "Record payment" not in case and "Decide on a fee waiver" not in case
    assert "$5.00.; not paid" not in case and "not paid, and not owed: the request was denied" in case
    status = walk.status()
    assert "Estimated fees: $5.00 (not owed: your request was denied)." in status
    assert "How to pay" not in status and "I accept this estimate" not in status
    assert "no fees to decide on" in _changes(walk, "waiver", {"percent": "100", "reason": "Public interest"})


def test_a_withdrawal_while_payment_is_awaited_leaves_both_pages_coherent(walk) -> None:
    walk.act("request_payment", {"standard_pages": "50"})
    walk.act("withdraw", {"reason": "The requester no longer wants the records"})
    assert set(walk.clocks().values()) == {Outcome.WITHDRAWN}
    case = _case(walk)
    assert "when it resumes" not in case and "Record payment" not in case
    status = walk.status()
    assert "(not owed: your request was withdrawn)" in status and "How to pay" not in status


def test_once_records_are_released_withdraw_is_not_offered_and_a_post_is_refused(walk, factories) -> None:
    walk.act("grant")
    assert "<summary>Withdraw</summary>" in _case(walk)  # granted, nothing released: still possible
    _upload(walk, factories, ["Dispatch log, 2 March 2026"])
    released = walk.custodian.submit(f"{walk.case}/release", page=walk.case, follow_redirects=True)
    assert "Released 2 pages" in released.get_data(as_text=True)

    case = _case(walk)
    assert "<summary>Withdraw</summary>" not in case
    assert re.search(r"Records were released to the requester on .*, so the request cannot be", case)
    refused = _changes(walk, "withdraw", {"reason": "The requester no longer wants them"})
    assert "so the request cannot be withdrawn. Close it when the work on it is done." in refused
    assert walk.request.status is Status.GRANTED
    status = walk.status()
    assert "Withdrawn" not in status and "Released records" in status


def test_acknowledging_says_no_new_letter_is_written(walk) -> None:
    letters = db.session.scalar(select(func.count()).select_from(Letter))
    page = html.unescape(walk.act("acknowledge"))
    assert "the letter is on the case" not in page
    assert "No new letter: the acknowledgement letter is the receipt, on the case since" in page
    assert db.session.scalar(select(func.count()).select_from(Letter)) == letters
    assert walk.request.status is Status.ACKNOWLEDGED


def test_deny_grant_in_part_and_release_ask_before_they_are_sent(walk, factories) -> None:
    case = _case(walk)
    assert re.search(r'<button [^>]*data-confirm="Deny request [^"]+"[^>]*>Deny</button>', case)
    assert re.search(r'<button [^>]*data-confirm="Grant request [^"]+ in part\?[^"]*"[^>]*>Grant in', case)
    walk.act("grant")
    _upload(walk, factories, ["Dispatch log, 2 March 2026"])
    assert re.search(r'<form [^>]*/release"[^>]*data-confirm="Release the records of request', _case(walk))


def test_a_finding_cannot_be_resolved_as_the_requesters_own_data_without_a_verified_identity(
    walk, factories
) -> None:
    walk.act("grant")
    _upload(walk, factories, ["Report", SSN_LINE])
    case = _case(walk)
    assert 'value="false_positive"' in case and 'value="requester_own"' not in case
    assert "The requester's identity is not verified, so no finding can be released as their own" in case
    finding = db.session.scalars(select(SensitiveFinding)).one()
    path = f"{walk.case}/findings/{finding.id}"
    refused = walk.custodian.submit(path, {"resolution": "requester_own", "reason": "Theirs"}, page=walk.case)
    assert refused.status_code == 400 and "no verified identity" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert finding.resolution.value == "unresolved"
