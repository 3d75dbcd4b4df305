"""Every path a request can take, walked through the pages as the requester and the custodian do.

The requester files anonymously and follows the request only by the links the pages and
emails give them; the custodian works it on the case page. Each path checks the letters
the requester downloads (the Word documents themselves) for what the law requires them to
say, the emails they are sent, and where the clocks end up.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import time_machine
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.authz import Role
from sunshine.clocks import sweep
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records import access, services
from sunshine.records.models import FeeEstimateRecord, RecordsRequest
from sunshine.records.states import Status
from tests.factories import PASSWORD
from tests.service.test_release import pdf

# Tuesday 3 March 2026, noon in Missouri: the response is due Friday 6 March.
TUESDAY_NOON = datetime(2026, 3, 3, 18, tzinfo=UTC)
REQUESTER = "asker@example.org"


@dataclass
class Walk:
    """One request: the requester's anonymous browser, and a custodian's signed-in one."""

    requester: FlaskClient
    custodian: FlaskClient
    tracking_number: str
    status_link: str  # as the confirmation page gives it, with the secret token

    @property
    def request(self) -> RecordsRequest:
        db.session.expire_all()
        return access.find(self.tracking_number)

    @property
    def case(self) -> str:
        return f"/staff/requests/{self.request.id}"

    def act(self, action: str, data: dict | None = None, *, refused: bool = False, **kwargs) -> str:
        """The custodian takes ``action`` on the case page; the page it lands on.

        A refused action answers 400 with the case page and the reason; nothing changes.
        """
        response = self.custodian.submit(
            f"{self.case}/{action}", data or {}, page=self.case, follow_redirects=True, **kwargs
        )
        assert response.status_code == (400 if refused else 200), response.status_code
        return response.get_data(as_text=True)

    def status(self, link: str | None = None) -> str:
        response = self.requester.get(link or self.status_link)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    def ask(
        self, path: str, data: dict | None = None, link: str | None = None, *, refused: bool = False
    ) -> str:
        """The requester posts on their status page, reached by ``link`` (default: the confirmation's).

        A refused post answers 400 with the status page and the reason.
        """
        link = link or self.status_link
        token = re.search(r"token=([^&\"]+)", link).group(1)
        response = self.requester.submit(
            f"/requests/{self.tracking_number}/{path}",
            {**(data or {}), "token": token},
            page=link,
            follow_redirects=True,
        )
        assert response.status_code == (400 if refused else 200), response.status_code
        return response.get_data(as_text=True)

    def letter(self, title: str) -> str:
        """The text of the letter titled ``title``, downloaded from the status page as the requester would."""
        page = self.status()
        found = re.search(r'href="([^"]+/letters/\d+[^"]*)" download>' + re.escape(title) + "<", page)
        assert found, f"no letter “{title}” on the status page"
        response = self.requester.get(found.group(1).replace("&amp;", "&"))
        assert response.status_code == 200
        document = Document(io.BytesIO(response.data))
        cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    def email(self, kind: str) -> str:
        """The last email of ``kind`` to the requester."""
        sent = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == f"request.{kind}").order_by(OutboxMessage.id)
        )
        bodies = [message.body for message in sent if message.recipient == REQUESTER]  # encrypted at rest
        assert bodies, f"no {kind} email to the requester"
        return bodies[-1]

    def clocks(self) -> dict[ClockKind, Outcome]:
        rows = db.session.scalars(
            select(Clock).where(Clock.case_type == services.CASE_TYPE, Clock.case_id == self.request.id)
        )
        return {clock.kind: clock.outcome for clock in rows}


def _link_in(text: str) -> str:
    """The status link in an email or page, as a path the test client can open."""
    return re.search(r"https?://[^/\s]+(/requests/[^\s\"<]+)", text).group(1).replace("&amp;", "&")


@pytest.fixture
def walk(app, client, factories):  # client: makes app.test_client() a FormClient
    with time_machine.travel(TUESDAY_NOON, tick=False):
        factories.unit("RECORDS")
        custodian = factories.user(Role.CUSTODIAN)
        requester, staff = app.test_client(), app.test_client()
        filed = requester.submit(
            "/requests/new",
            {
                "description": "Body-worn camera video of the traffic stop on 2 March 2026 on Main St",
                "preferred_format": "electronic",
                "delivery": "portal",
                "contact_email": REQUESTER,
                "fee_waiver_requested": "y",
                "public_interest_statement": "For a news story on how traffic stops are conducted.",
            },
        )
        assert filed.status_code == 302, filed.get_data(as_text=True)
        page = requester.get(filed.location).get_data(as_text=True)
        number = re.search(r"Request (\d{4}-\d{6}) received", page).group(1)
        staff.sign_in(custodian.email, PASSWORD)
        yield Walk(requester, staff, number, _link_in(page))


def test_grant(walk) -> None:
    acknowledged = walk.act("acknowledge")
    assert "acknowledged" in acknowledged
    walk.act("grant")
    assert walk.request.status is Status.GRANTED
    letter = walk.letter("Your request is granted")
    assert walk.tracking_number in letter and "granted" in letter
    assert walk.clocks()[ClockKind.SUNSHINE_RESPONSE] is Outcome.MET
    # The email after the receipt opens the status page by itself: it carries a key, not the token.
    link = _link_in(walk.email("granted"))
    assert "Granted" in walk.status(link) and walk.status_link.split("token=")[1] not in link
    walk.act("close")
    assert walk.request.status is Status.CLOSED


def test_the_receipt_letter_states_the_due_date_and_how_it_was_counted(walk) -> None:
    letter = walk.letter("Records request received")
    assert "Tuesday 3 March 2026" in letter and "Friday 6 March 2026" in letter
    assert "610.023.3" in letter
    status = walk.status()
    assert "Response due" in status and "Friday 6 March 2026" in status


def test_partial_grant_with_citations(walk) -> None:
    refused = walk.act("partial_grant", {"citations": "610.021(3)", "withheld_description": ""}, refused=True)
    assert "Describe in general terms what is withheld" in refused
    assert walk.request.status is Status.RECEIVED and walk.request.citations == []
    walk.act(
        "partial_grant",
        {
            "citations": "610.021(3), 610.021(14)",
            "withheld_description": "The officer's personnel file and a juvenile's name",
        },
    )
    assert walk.request.status is Status.PARTIALLY_GRANTED
    letter = walk.letter("Your request is granted in part")
    assert "RSMo 610.021(3)" in letter and "RSMo 610.021(14)" in letter
    assert "The officer's personnel file and a juvenile's name" in letter
    assert "610.024" in letter and "610.023.4" in letter and "three business days" in letter
    status = walk.status()
    assert "610.021(14)" in status and "Ask for the statement of grounds" in status


def test_denial_then_statement_of_grounds(walk) -> None:
    refused = walk.act(
        "deny", {"citations": "610.021(19)", "withheld_description": "Floor plans"}, refused=True
    )
    assert "written finding" in refused.lower() and walk.request.status is Status.RECEIVED
    walk.act(
        "deny",
        {
            "citations": "610.021(19)",
            "withheld_description": "Floor plans of the holding area",
            "findings": "610.021(19): Disclosure would threaten the safety of people held there.",
        },
    )
    letter = walk.letter("Your request is denied")
    assert "RSMo 610.021(19)" in letter and "Disclosure would threaten the safety" in letter
    assert "statement of the grounds" in letter and "610.023.4" in letter
    walk.act("close")  # closing the case does not end the right to the grounds

    # The requester asks from the denial email's link; the custodian is told, without the details.
    link = _link_in(walk.email("denied"))
    with time_machine.travel(datetime(2026, 3, 5, 18, tzinfo=UTC), tick=False):  # Thursday
        asked = walk.ask("statement-of-grounds", link=link)
    assert "must reach you within three business days" in asked
    assert "Statement of grounds due" in walk.status() and "Tuesday 10 March 2026" in walk.status()
    case = walk.custodian.get(walk.case).get_data(as_text=True)  # the custodian sees the new deadline
    assert re.search(r"<dt>Statement of grounds for denial</dt><dd>\s*<time[^>]*>Tuesday 10 March 2026", case)
    told = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.staff_told").order_by(OutboxMessage.id)
    ).all()[-1]
    assert "asked for the written statement of grounds" in told.body and "Floor plans" not in told.body

    walk.act("statement_of_grounds", {"grounds": "RSMo 610.021(19) closes the floor plans: they show ..."})
    grounds = walk.letter("Statement of the grounds for denial")
    assert "RSMo 610.021(19)" in grounds and "they show" in grounds and "610.023.4" in grounds
    assert walk.clocks()[ClockKind.DENIAL_STATEMENT] is Outcome.MET
    again = walk.ask("statement-of-grounds", refused=True)
    assert "already given" in again


def test_delay_then_grant(walk) -> None:
    refused = walk.act(
        "delay",
        {"explanation": "x" * 60, "available_on": "2026-03-20", "available_at_time": "", "place": "Counter"},
        refused=True,
    )
    assert "Enter the time" in refused and walk.request.status is Status.RECEIVED
    walk.act(
        "delay",
        {
            "explanation": "The video must be copied from the vendor's archive and reviewed frame by frame.",
            "available_on": "2026-03-20",
            "available_at_time": "13:30",
            "place": "Records counter, 1125 Locust St",
        },
    )
    assert walk.request.status is Status.DELAYED
    letter = walk.letter("Notice of delay")
    assert "vendor's archive" in letter and "Friday 20 March 2026 from 1:30 PM" in letter
    assert "1125 Locust St" in letter and "610.023.3" in letter
    status = walk.status()
    assert "Records available by" in status and "Friday 20 March 2026" in status and "1:30 PM" in status
    assert walk.clocks()[ClockKind.SUNSHINE_RESPONSE] is Outcome.MET  # the notice answers the request
    with time_machine.travel(datetime(2026, 3, 19, 18, tzinfo=UTC), tick=False):
        walk.act("grant")
    assert walk.clocks()[ClockKind.DELAYED_ACCESS] is Outcome.MET


def test_clarification_then_withdrawal_when_no_answer_comes(walk) -> None:
    walk.act("ask_clarification", {"question": "Which officer's camera: the driver's or the passenger's?"})
    assert walk.request.status is Status.AWAITING_CLARIFICATION
    letter = walk.letter("We need you to clarify your request")
    assert "the driver's or the passenger's" in letter
    assert "treated as withdrawn" in letter and "Monday 1 June 2026" in letter  # 90 days
    status = walk.status()
    assert "Your answer is due by" in status and "Monday 1 June 2026" in status and "Paused" in status

    sweep.run(now=datetime(2026, 6, 2, 15))  # the window has run out
    assert walk.request.status is Status.WITHDRAWN
    withdrawn = walk.letter("Your request is withdrawn")
    assert "clarification asked for was not received" in withdrawn
    assert "not received within the time allowed" in walk.email("withdrawn")
    assert set(walk.clocks().values()) == {Outcome.WITHDRAWN}
    # The status page says why, as the letter does.
    assert "Withdrawn: the clarification asked for was not received within the time allowed" in walk.status()


def test_a_clarification_answer_reaches_the_case_page_and_the_custodian(walk) -> None:
    walk.act("ask_clarification", {"question": "Which officer's camera?"})
    walk.ask("clarification", {"answer": "The passenger-side officer, badge 4411."})
    case = html.unescape(walk.custodian.get(walk.case).get_data(as_text=True))
    assert "Which officer's camera?" in case and "The passenger-side officer, badge 4411." in case
    told = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.staff_told")).one()
    assert "answered your question" in told.body and "badge 4411" not in told.body
    assert walk.request.status is Status.ACKNOWLEDGED


def test_fee_estimate_then_payment_then_release(walk, factories) -> None:
    walk.act(
        "request_payment", {"standard_pages": "40", "research_minutes": "60", "attorney_review_minutes": "90"}
    )
    assert walk.request.status is Status.AWAITING_PAYMENT
    letter = walk.letter("Fee estimate and request for payment")
    assert "$29.00" in letter  # 40 pages at 10 cents and an hour of research at $25; review is free
    assert "610.026" in letter and "treated as withdrawn" in letter and "waived or reduced" in letter
    status = walk.status()
    assert "Payment is due by" in status and "Monday 1 June 2026" in status
    assert status.index("Fees estimated") < status.index("Payment asked for")  # the history reads in order

    accepted = walk.ask("accept-estimate")
    assert "The custodian has your acceptance" in accepted
    for amount, message in (
        ("29.001", "use whole cents"),
        ("sNaN", "in dollars"),
        ("1e30", "in dollars"),
        ("28.99", "amount due is $29.00"),
    ):
        page = walk.act("paid", {"amount": amount}, refused=True)
        assert message in page and "Use an amount from" not in page, amount
        assert walk.request.status is Status.AWAITING_PAYMENT
    walk.act("paid", {"amount": "29.00"})
    assert walk.request.status is Status.ACKNOWLEDGED
    assert walk.clocks()[ClockKind.FEE_PAYMENT] is Outcome.MET
    refused = walk.act("waiver", {"percent": "100", "reason": "Journalism"}, refused=True)
    assert "already paid" in refused

    walk.act("grant")
    patrol = factories.unit("PATROL", "Patrol Bureau")
    walk.act(
        "documents",
        {
            "file": (io.BytesIO(pdf(["Dispatch log, 2 March 2026"])), "log.pdf"),
            "originating_unit_id": patrol.id,
        },
        content_type="multipart/form-data",
    )
    released = walk.custodian.submit(f"{walk.case}/release", page=walk.case, follow_redirects=True)
    series = f"SUN-{walk.tracking_number}-"
    released_text = released.get_data(as_text=True)
    assert f"Released 2 pages ({series}000001 to {series}000002)" in released_text  # cover and log
    download = re.search(r'href="([^"]+/releases/\d+[^"]*)"', walk.status()).group(1)
    packet = walk.requester.get(download.replace("&amp;", "&"))
    assert packet.status_code == 200 and packet.data.startswith(b"%PDF")
    link = _link_in(walk.email("released"))
    assert "Released records" in walk.status(link)


def test_a_waiver_after_the_grant_says_the_fees_once_and_none_once_withdrawn(walk) -> None:
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "100"})
    walk.act("grant")  # the fees are paid when the records are ready: a waiver may still reduce them
    walk.act("waiver", {"percent": "50", "reason": "Partly in the public interest"})
    letter = walk.letter("Decision on waiving the fees")
    assert letter.count("$5.00") == 1 and "treated as withdrawn" not in letter
    walk.act("withdraw", {"reason": "The requester no longer needs the records"})
    refused = walk.act("waiver", {"percent": "100", "reason": "Public interest"}, refused=True)
    assert "there are no fees to decide on" in refused


def test_the_page_never_says_grounds_were_sent_when_the_request_was_withdrawn_first(walk) -> None:
    walk.act("deny", {"citations": "610.021(3)", "withheld_description": "A personnel file"})
    walk.ask("statement-of-grounds")
    walk.act("withdraw", {"reason": "The requester withdrew it"})
    status = walk.status()
    assert "was sent to you" not in status and "Ask for the statement of grounds" not in status


def test_fee_waiver(walk) -> None:
    walk.act("request_payment", {"standard_pages": "100"})
    case = walk.custodian.get(walk.case).get_data(as_text=True)
    assert "news story on how traffic stops are conducted" in case  # the public-interest statement
    walk.act("waiver", {"percent": "50", "reason": "Partly in the public interest"})
    half = walk.letter("Decision on waiving the fees")
    assert "reduced by 50 percent" in half and "$5.00" in half and "treated as withdrawn" in half
    assert walk.request.status is Status.AWAITING_PAYMENT
    walk.act("waiver", {"percent": "100", "reason": "Release serves the public interest: news reporting."})
    assert walk.request.status is Status.ACKNOWLEDGED
    assert "waived in full" in walk.email("fee_waiver") and "Nothing is owed" in walk.email("fee_waiver")
    assert walk.clocks()[ClockKind.FEE_PAYMENT] is Outcome.MET
    assert walk.clocks()[ClockKind.SUNSHINE_RESPONSE] is Outcome.OPEN  # running again


def test_an_estimate_without_prepayment_lets_the_work_go_on_and_is_paid_when_ready(walk) -> None:
    """610.026: a body gives an estimate on request and *may* require payment first; here it does not."""
    walk.act("acknowledge")
    landed = walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    assert "the work goes on and the fees are paid when the records are ready" in landed
    assert walk.request.status is Status.ACKNOWLEDGED  # no waiting for payment
    assert ClockKind.FEE_PAYMENT not in walk.clocks()
    assert walk.clocks()[ClockKind.SUNSHINE_RESPONSE] is Outcome.OPEN  # the response clock never paused
    letter = walk.letter("Fee estimate")
    assert "$4.00" in letter and "610.026" in letter and "payment is not needed before" in letter
    assert "treated as withdrawn" not in letter and "How to pay when the records are ready" in letter
    email = walk.email("fee_estimate")
    assert "$4.00" in email and "not needed before the records are prepared" in email
    status = walk.status()
    assert "Payment was not asked for before the records are prepared" in status
    assert "How to pay when the records are ready:" in status and "I accept this estimate" not in status

    assert "the estimate asked for none before the records are prepared" in walk.custodian.get(
        walk.case
    ).get_data(as_text=True)
    assert "amount due is $4.00" in walk.act("paid", {"amount": "3.00"}, refused=True)
    walk.act("paid", {"amount": "4.00"})
    assert walk.request.status is Status.ACKNOWLEDGED
    assert "already paid" in walk.act("paid", {"amount": "4.00"}, refused=True)
    assert "(paid)" in walk.status() and "How to pay" not in walk.status()
    walk.act("grant")


def test_an_estimate_choice_that_is_not_offered_is_refused(walk) -> None:
    page = walk.act("request_payment", {"prepay": "never", "standard_pages": "40"}, refused=True)
    assert "Not a valid choice" in page
    assert walk.request.status is Status.RECEIVED
    assert not db.session.scalars(select(FeeEstimateRecord)).all()


def test_fees_estimated_without_prepayment_are_not_asked_for_once_nothing_goes_out(walk) -> None:
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    assert "How to pay when the records are ready" in walk.status()
    walk.act("withdraw", {"reason": "The requester no longer needs the records"})
    status = walk.status()
    assert "How to pay" not in status and "Payment was not asked for" not in status
    assert "Record payment" not in walk.custodian.get(walk.case).get_data(as_text=True)
    refused = walk.act("paid", {"amount": "4.00"}, refused=True)
    assert "no records go out, so no fees are owed" in refused


def test_fees_estimated_without_prepayment_are_recorded_after_the_request_is_closed(walk, factories) -> None:
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    walk.act("grant")
    walk.act("close")
    case = walk.act("paid", {"amount": "4.00"})  # the form is there with no actions left
    assert "payment recorded" in case and "paid when the records are ready): $4.00; paid" in case
    assert "(paid)" in walk.status()


def test_a_full_waiver_settles_an_estimate_without_prepayment(walk) -> None:
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    walk.act("waiver", {"percent": "50", "reason": "Partly in the public interest"})
    assert "Payment is due when the records are ready." in walk.letter("Decision on waiving the fees")
    walk.act("waiver", {"percent": "100", "reason": "News reporting"})
    status = walk.status()
    assert "(nothing to pay)" in status and "How to pay" not in status
    assert "Record payment" not in walk.custodian.get(walk.case).get_data(as_text=True)


def test_a_later_estimate_replaces_an_earlier_one(walk) -> None:
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    walk.act("request_payment", {"standard_pages": "50"})  # now payment first
    status = walk.status()
    assert "(replaced by the later estimate below)" in status
    assert status.count("I accept this estimate") == 1 and status.count("How to pay") == 1
    assert "How to pay when the records are ready" not in status
    assert "replaced by a later estimate" in walk.custodian.get(walk.case).get_data(as_text=True)


def test_an_estimate_without_prepayment_may_follow_a_delay_notice(walk) -> None:
    walk.act(
        "delay",
        {
            "explanation": "The video must be copied from the vendor's archive.",
            "available_on": "2026-03-20",
            "available_at_time": "09:00",
            "place": "Records counter",
        },
    )
    walk.act("request_payment", {"prepay": "when_ready", "standard_pages": "40"})
    assert walk.request.status is Status.DELAYED and "How to pay when the records are ready" in walk.status()


def test_a_granted_request_says_on_its_status_page_how_the_records_will_come_until_they_do(walk) -> None:
    walk.act("grant")
    waiting = html.unescape(walk.status())
    assert "What happens next" in waiting
    assert "download from your status page: they will be there once they are ready" in waiting
    walk.act(
        "documents",
        {"file": (io.BytesIO(pdf(["Dispatch log"])), "log.pdf"), "originating_unit_id": walk.request.unit_id},
        content_type="multipart/form-data",
    )
    walk.custodian.submit(f"{walk.case}/release", page=walk.case, follow_redirects=True)
    released = walk.status()
    assert "Released records" in released and "What happens next" not in released
