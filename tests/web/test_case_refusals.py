"""What the case pages refuse, and how: a 4xx with a reason, nothing changed, nothing logged twice.

Found by an audit of the records pages against the project's standards for bad input and
security; each test is one of its reproductions.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.documents.models import Disclosure, Document, Release, ReleaseStatus
from sunshine.extensions import db
from sunshine.letters.services import letters_for
from sunshine.records import services, workflow
from sunshine.records.fees import FeeInputs
from sunshine.records.models import RecordsRequest
from sunshine.records.states import Status
from sunshine.units.models import PublicBody
from tests.factories import PASSWORD
from tests.service.test_release import SSN_LINE, pdf

TOO_BIG = "99999999999999999999"  # beyond any integer column


@pytest.fixture
def custodian(client, factories):
    user = factories.user(Role.CUSTODIAN)
    client.sign_in(user.email, PASSWORD)
    return user


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_staff_download_of_a_letter_is_an_audited_view(client, factories, custodian) -> None:
    filed = factories.request(email="jane@example.org")
    letter = letters_for(services.CASE_TYPE, filed.request_id)[0]
    response = client.get(f"/staff/requests/{filed.request_id}/letters/{letter.id}")
    assert response.status_code == 200
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.viewed")).all()
    assert [(e.actor_id, e.object_id) for e in viewed] == [(custodian.id, str(filed.request_id))]


def test_ids_beyond_any_row_are_not_found_not_a_server_error(client, factories, custodian) -> None:
    filed = factories.request()
    staff = f"/staff/requests/{filed.request_id}"
    for path in (
        "/staff/requests/2147483648",
        f"/staff/requests/{TOO_BIG}",
        f"{staff}/letters/{TOO_BIG}",
        f"/requests/{filed.tracking_number}/letters/{TOO_BIG}?token={filed.access_token}",
        f"/requests/{filed.tracking_number}/releases/{TOO_BIG}?token={filed.access_token}",
        "/staff/requests/0",
    ):
        assert client.get(path).status_code == 404, path
    assert client.submit(f"{staff}/findings/{TOO_BIG}", {}, page=staff).status_code == 404
    damaged = client.get(f"/staff/queue?after=2026-01-01.{TOO_BIG}")
    assert damaged.status_code == 400 and "page link is damaged" in damaged.get_data(as_text=True)
    admin = client.application.test_client()
    admin.sign_in(factories.user(Role.ADMINISTRATOR).email, PASSWORD)
    assert admin.get(f"/admin/calendar?body={TOO_BIG}").status_code == 404
    assert admin.get(f"/admin/fees?body={TOO_BIG}").status_code == 404
    assert admin.get("/admin/fees?body=x").status_code == 404


def test_a_finding_longer_than_its_column_is_refused_with_the_limit(client, factories, custodian) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    response = client.submit(
        f"{case}/deny",
        {
            "citations": "610.021(19)",
            "withheld_description": "Floor plans",
            "findings": "610.021(19): " + "x" * 5000,
        },
        page=case,
    )
    assert response.status_code == 400 and "keep each to 4,000" in response.get_data(as_text=True)
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.RECEIVED


def _granted_with_a_record(client, factories) -> tuple[str, RecordsRequest]:
    filed = factories.request()
    services.grant(None, filed.request)
    case = f"/staff/requests/{filed.request_id}"
    patrol = factories.unit("PATROL", "Patrol Bureau")
    uploaded = client.submit(
        f"{case}/documents",
        {
            "file": (io.BytesIO(pdf(["Report", SSN_LINE])), "report.pdf"),
            "originating_unit_id": str(patrol.id),
        },
        page=case,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    return case, filed.request


def test_a_second_redacted_version_of_the_same_record_is_refused(client, factories, custodian) -> None:
    case, request = _granted_with_a_record(client, factories)
    original = db.session.scalars(select(Document).where(Document.case_id == request.id)).one()
    redacted = {
        "file": (io.BytesIO(pdf(["Report", "Witness SSN: [redacted]"])), "report-redacted.pdf"),
        "originating_unit_id": str(original.originating_unit_id),
        "replaces_id": str(original.id),
    }
    first = client.submit(f"{case}/documents", redacted, page=case, content_type="multipart/form-data")
    assert first.status_code == 302
    redacted["file"] = (io.BytesIO(pdf(["Report", "Witness SSN: [redacted]"])), "report-redacted.pdf")
    again = client.submit(f"{case}/documents", redacted, page=case, content_type="multipart/form-data")
    assert again.status_code == 400 and "already has a newer version" in again.get_data(as_text=True)
    assert _count(Document, Document.case_id == request.id) == 2
    redacted["replaces_id"] = TOO_BIG
    redacted["file"] = (io.BytesIO(pdf(["Report"])), "report-redacted.pdf")
    assert (
        client.submit(
            f"{case}/documents", redacted, page=case, content_type="multipart/form-data"
        ).status_code
        == 404
    )


def test_releasing_the_same_records_twice_is_refused_and_logged_once(client, factories, custodian) -> None:
    case, request = _granted_with_a_record(client, factories)
    finding_id = re.search(r"/findings/(\d+)", client.get(case).get_data(as_text=True)).group(1)
    client.submit(
        f"{case}/findings/{finding_id}", {"resolution": "false_positive", "reason": "Sample"}, page=case
    )
    assert client.submit(f"{case}/release", page=case).status_code == 302
    again = client.submit(f"{case}/release", page=case)
    assert again.status_code == 400 and "already released on" in again.get_data(as_text=True)
    assert _count(Release, Release.case_id == request.id) == 1
    assert _count(Disclosure) == 1


def test_a_release_still_building_or_failed_has_nothing_to_download(client, factories) -> None:
    filed = factories.request()
    for status in (ReleaseStatus.BUILDING, ReleaseStatus.FAILED):
        row = Release(case_type=services.CASE_TYPE, case_id=filed.request_id, status=status)
        db.session.add(row)
        db.session.commit()
        url = f"/requests/{filed.tracking_number}/releases/{row.id}?token={filed.access_token}"
        assert client.get(url).status_code == 404, status


def test_an_estimate_is_accepted_once_and_only_while_payment_is_awaited(factories) -> None:
    request = factories.request().request
    workflow.estimate_and_request_payment(None, request, FeeInputs(standard_pages=10))
    workflow.accept_estimate(None, request)
    with pytest.raises(services.RequestError, match="already accepted"):
        workflow.accept_estimate(None, request)
    services.withdraw(None, request, "no longer needed")
    with pytest.raises(services.RequestError, match="withdrawn: there is no estimate"):
        workflow.accept_estimate(None, request)


def test_an_estimate_beyond_what_the_columns_hold_is_refused(client, factories, custodian) -> None:
    from sunshine.records import fee_settings

    filed = factories.request()
    rates = fee_settings.rates_for(filed.request.body_id)
    import dataclasses

    body = db.session.get(PublicBody, filed.request.body_id)
    fee_settings.set_rates(None, body, dataclasses.replace(rates, research_hourly_cents=10_000_000))
    case = f"/staff/requests/{filed.request_id}"
    response = client.submit(f"{case}/request_payment", {"research_minutes": "100000"}, page=case)
    assert response.status_code == 400 and "check the quantities" in response.get_data(as_text=True)
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.RECEIVED
    # Typed by an administrator, a price is capped; the deployment's own setting is taken as it is.
    with pytest.raises(ValueError, match="at most 100000 cents"):
        fee_settings.parse_media_prices(f"usb={TOO_BIG}", most=fee_settings.MAX_MEDIUM_CENTS)
    assert fee_settings.parse_media_prices("drive=150000") == {"drive": 150000}


def test_a_refused_form_keeps_what_was_typed_and_the_other_forms_stay_empty(
    client, factories, custodian
) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    typed = "Check with the patrol sergeant before release " + "x" * 5000  # over the note's limit
    page = client.submit(f"{case}/note", {"text": typed}, page=case)
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and html.count("Check with the patrol sergeant") == 1
    assert re.search(r'name="text"[^>]*>\s*Check with the patrol sergeant', html)


def test_an_accepted_estimate_shows_as_accepted_not_as_a_button(client, factories) -> None:
    filed = factories.request()
    workflow.estimate_and_request_payment(None, filed.request, FeeInputs(standard_pages=10))
    status = f"/requests/{filed.tracking_number}?token={filed.access_token}"
    assert "I accept this estimate" in client.get(status).get_data(as_text=True)
    workflow.accept_estimate(None, filed.request)
    html = client.get(status).get_data(as_text=True)
    assert "I accept this estimate" not in html and "You accepted this estimate" in html


def test_a_delay_more_than_five_years_out_is_taken_for_a_typing_slip(client, factories, custodian) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request_id}"
    response = client.submit(
        f"{case}/delay",
        {
            "explanation": "The footage must be copied from the vendor's archive first.",
            "available_on": "2206-03-20",
            "available_at_time": "09:00",
            "place": "Counter",
        },
        page=case,
    )
    assert response.status_code == 400 and "more than five years away" in response.get_data(as_text=True)
    assert db.session.get(RecordsRequest, filed.request_id).status is Status.RECEIVED
