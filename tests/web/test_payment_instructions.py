"""How to pay: an administrator writes it once; payment letters, emails and status pages carry it."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records import workflow
from sunshine.records.fee_settings import DEFAULT_PAYMENT_INSTRUCTIONS
from sunshine.records.fees import FeeInputs
from tests.factories import PASSWORD
from tests.web.test_case_page_forms import letter_text

HOW = (
    "Make checks out to Test City and bring them to the Records counter, 1 Main St; cards are accepted there."
)


def _ask_for_payment(factories):
    filed = factories.request(email="asker@example.org")
    workflow.estimate_and_request_payment(None, filed.request, FeeInputs(standard_pages=40))
    return filed


def test_until_an_administrator_writes_them_requesters_are_sent_to_the_custodian(client, factories) -> None:
    filed = _ask_for_payment(factories)
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.payment_requested")
    ).one()
    assert DEFAULT_PAYMENT_INSTRUCTIONS in email.body.replace("\n", " ")
    page = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)
    assert "How to pay:" in page and "the ways it takes payment" in page


def test_the_administrators_words_reach_the_letter_email_and_status_page(client, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    saved = client.submit("/admin/fees/payment", {"text": HOW}, page="/admin/fees")
    assert saved.status_code == 302
    assert HOW in client.get("/admin/fees").get_data(as_text=True)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "fees.payment_instructions_set")
    ).one()
    assert event.actor_id == admin.id and event.details["after"] == HOW

    filed = _ask_for_payment(factories)
    email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "request.payment_requested")
    ).one()
    assert HOW in email.body
    from sunshine.letters.services import letters_for

    [letter] = [
        row for row in letters_for("records_request", filed.request_id) if row.kind == "payment_request"
    ]
    assert f"How to pay: {HOW}" in letter_text(letter)
    public = client.application.test_client()
    assert HOW in public.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(
        as_text=True
    )

    cleared = client.submit("/admin/fees/payment", {"text": "  "}, page="/admin/fees")
    assert cleared.status_code == 302 and "Until you write them" in client.get("/admin/fees").get_data(
        as_text=True
    )


def test_too_long_instructions_are_refused_with_the_limit_and_nothing_changes(client, factories) -> None:
    client.sign_in(factories.user(Role.ADMINISTRATOR).email, PASSWORD)
    refused = client.submit("/admin/fees/payment", {"text": "x" * 2001}, page="/admin/fees")
    assert refused.status_code == 400 and "2,000 characters" in refused.get_data(as_text=True)
    assert (
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "fees.payment_instructions_set")
        ).all()
        == []
    )


def test_a_waiver_shows_in_the_fee_table_and_the_total_matches(client, factories) -> None:
    filed = _ask_for_payment(factories)
    workflow.decide_waiver(None, filed.request, percent=50, reason="Reporting on public safety")
    page = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)
    assert "Fee waiver: Reporting on public safety" in page and "−$2.00" in page
    assert '<th scope="row">Total</th><td>$2.00</td>' in page
