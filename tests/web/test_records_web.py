"""Filing and following a request, and working it as a custodian, through the pages."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

import time_machine
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records.models import RecordsRequest
from sunshine.records.states import Status
from tests.factories import PASSWORD, altered

FORM = {
    "description": "Body-worn camera video of the traffic stop on 3 March 2026 on Main St",
    "preferred_format": "electronic",
    "delivery": "portal",
}


def _file(client, **extra):
    response = client.submit("/requests/new", {**FORM, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    tracking = re.search(r"Request (\d{4}-\d{6}) received", page).group(1)
    link = re.search(r'href="(http[^"]+token=[^"]+)"', page).group(1)
    return tracking, link.split("localhost", 1)[-1], page


def test_anyone_files_anonymously_and_follows_it_by_the_secret_link(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, link, page = _file(client)
    assert "The custodian of records must respond by the end of" in page
    status = client.get(link)
    html = status.get_data(as_text=True)
    assert status.status_code == 200 and "Body-worn camera video" in html and "Response due" in html
    assert "Request received" in html  # the public history
    # The link is shown once: the confirmation page does not show it again, but this browser,
    # which filed the request, is taken to the status page and may read it.
    again = client.get(f"/requests/{tracking}/filed")
    assert again.status_code == 302 and "token" not in again.location
    assert client.get(again.location).status_code == 200


def test_without_the_link_or_ownership_a_request_is_not_found(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, link, _ = _file(client)
    fresh = client.application.test_client()
    assert fresh.get(f"/requests/{tracking}").status_code == 404
    assert fresh.get(f"/requests/{tracking}?token=wrong").status_code == 404
    guessed = f"{tracking[:5]}{int(tracking[5:]) + 1:06d}"
    assert fresh.get(f"/requests/{guessed}").status_code == 404
    other = factories.user()
    signed_in = client.application.test_client()
    signed_in.sign_in(other.email, PASSWORD)
    assert signed_in.get(f"/requests/{tracking}").status_code == 404


def test_a_signed_in_requester_sees_their_own_request_without_the_link(client, factories) -> None:
    factories.unit("RECORDS")
    owner = factories.user()
    client.sign_in(owner.email, PASSWORD)
    tracking, _, _ = _file(client)
    assert client.get(f"/requests/{tracking}").status_code == 200


def test_bad_intake_shows_messages_with_400_and_saves_nothing(client, factories) -> None:
    factories.unit("RECORDS")
    response = client.submit(
        "/requests/new",
        {
            **FORM,
            "description": "",
            "delivery": "email",
            "contact_email": "not an email",
            "date_from": "31/02/2026",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Describe the records you are asking for." in html and "Enter an email address like" in html
    assert "Not a valid date value" in html
    assert db.session.scalar(select(db.func.count(RecordsRequest.id))) == 0
    rule = client.submit("/requests/new", {**FORM, "delivery": "mail"})
    assert rule.status_code == 400 and "postal address" in rule.get_data(as_text=True)


def test_intake_is_rate_limited(app, client, factories, monkeypatch) -> None:
    factories.unit("RECORDS")
    monkeypatch.setitem(app.config, "INTAKE_RATE_LIMIT", "2 per hour")
    statuses = [client.submit("/requests/new", FORM).status_code for _ in range(3)]
    assert statuses == [302, 302, 429]


def test_custodian_keys_in_a_mailed_request_with_both_dates(client, factories) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    data = {
        **FORM,
        "channel": "mail",
        "first_received_on": "2026-02-09",
        "custodian_received_on": "2026-02-10",
    }
    response = client.submit("/staff/requests/new", data, follow_redirects=True)
    html = response.get_data(as_text=True)
    # The private link, shown once, for staff to send the requester; it opens the status page.
    assert "The request is recorded" in html and "Status link for request" in html
    link = re.search(r'href="http://localhost(/requests/[^"]+token=[^"]+)"', html).group(1)
    assert client.application.test_client().get(link).status_code == 200
    case = client.get(re.search(r'href="(/staff/requests/\d+)">Back to the request', html).group(1))
    html = case.get_data(as_text=True)
    assert "Tuesday 17 February 2026" in html and "reached the body 9 Feb 2026" in html
    backwards = client.submit("/staff/requests/new", {**data, "first_received_on": "2026-02-11"})
    assert backwards.status_code == 400 and "before it reached the body" in backwards.get_data(as_text=True)
    slip = client.submit("/staff/requests/new", {**data, "first_received_on": "0206-02-09"})
    assert slip.status_code == 400 and "nothing is received before 1900" in slip.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(RecordsRequest.id))) == 1  # nothing half-saved


def test_the_key_in_page_speaks_to_staff_about_the_requester(client, factories) -> None:
    client.sign_in(factories.user(Role.CUSTODIAN).email, PASSWORD)
    html = client.get("/staff/requests/new").get_data(as_text=True)
    for staff_words in (
        '<label for="description">Records asked for</label>',
        "<legend>How the requester would like them</legend>",
        "<legend>How the requester would like to receive them</legend>",
        '<label for="contact_name">Requester&#39;s name (optional)</label>',
        '<label for="contact_email">Requester&#39;s email address (optional)</label>',
        '<label for="fee_waiver_requested">The requester asks for fees to be waived or reduced',
        "How the requester says the release serves the public interest</label>",
    ):
        assert staff_words in html
    for requester_words in ("Your name", "you are asking for", "I ask for fees", "How you would like"):
        assert requester_words not in html
    public = client.get("/requests/new").get_data(as_text=True)  # the form's own words, for requesters
    assert '<label for="contact_name">Your name (optional)</label>' in public
    assert '<label for="fee_waiver_requested">I ask for fees to be waived' in public


def test_custodian_denies_with_citations_and_the_requester_asks_for_grounds(client, factories) -> None:
    filed = factories.request(received_on=date(2026, 3, 3))
    request_id, tracking = filed.request.id, filed.request.tracking_number
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    page = client.get(f"/staff/requests/{request_id}").get_data(as_text=True)
    assert "asker@example.org" in page and "610.021(18)(d)" in page
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.viewed")).all()
    assert [e.actor_id for e in viewed] == [custodian.id]

    missing = client.submit(
        f"/staff/requests/{request_id}/deny",
        {"citations": "610.021(19)", "withheld_description": "Plans"},
        page=f"/staff/requests/{request_id}",
        follow_redirects=True,
    )
    assert "written finding" in missing.get_data(as_text=True)
    done = client.submit(
        f"/staff/requests/{request_id}/deny",
        {
            "citations": "610.021(19)",
            "withheld_description": "Building plans",
            "findings": "610.021(19): Disclosure would threaten the safety of the holding cells.",
        },
        page=f"/staff/requests/{request_id}",
        follow_redirects=True,
    )
    assert "denied" in done.get_data(as_text=True)

    client.submit("/account/logout", page="/")
    status = client.get(f"/requests/{tracking}?token={filed.access_token}").get_data(as_text=True)
    assert "RSMo 610.021(19)" in status and "Building plans" in status
    asked = client.submit(
        f"/requests/{tracking}/statement-of-grounds",
        {"token": filed.access_token},
        page=f"/requests/{tracking}?token={filed.access_token}",
        follow_redirects=True,
    )
    assert "must reach you within three business days" in asked.get_data(as_text=True)


def test_a_custodian_of_another_unit_cannot_open_the_case(client, factories) -> None:
    request_id = factories.request().request.id
    outsider = factories.user(Role.CUSTODIAN, unit="PATROL")
    client.sign_in(outsider.email, PASSWORD)
    assert client.get(f"/staff/requests/{request_id}").status_code == 404
    token = client.csrf_token("/")
    assert client.post(f"/staff/requests/{request_id}/grant", data={"csrf_token": token}).status_code == 404


def test_custodian_acknowledges_then_withdraws_with_a_reason(client, factories) -> None:
    request = factories.request().request
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    case = f"/staff/requests/{request.id}"
    client.submit(f"{case}/acknowledge", page=case)
    no_reason = client.submit(f"{case}/withdraw", {"reason": ""}, page=case, follow_redirects=True)
    assert "Give the reason." in no_reason.get_data(as_text=True)
    client.submit(f"{case}/withdraw", {"reason": "Requester asked to withdraw by phone"}, page=case)
    db.session.expire_all()
    assert db.session.get(RecordsRequest, request.id).status is Status.WITHDRAWN
    assert client.post(f"{case}/nonsense", data={"csrf_token": client.csrf_token(case)}).status_code == 404


def test_clarification_round_trip_through_both_sides_pages(client, factories) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request.id}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    asked = client.submit(
        f"{case}/ask_clarification", {"question": "Which day in May?"}, page=case, follow_redirects=True
    )
    assert "question sent to the requester" in asked.get_data(as_text=True)
    client.submit("/account/logout", page="/")

    status_url = f"/requests/{filed.request.tracking_number}?token={filed.access_token}"
    status = client.get(status_url).get_data(as_text=True)
    assert "Which day in May?" in status and "Send answer" in status
    answered = client.submit(
        f"/requests/{filed.request.tracking_number}/clarification",
        {"answer": "The 12th.", "token": filed.access_token},
        page=status_url,
        follow_redirects=True,
    )
    assert "the response time runs again" in answered.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request.id).status is Status.ACKNOWLEDGED


def test_the_fee_form_offers_the_media_the_body_prices(client, factories) -> None:
    from sunshine.records import fee_settings
    from sunshine.units.models import PublicBody

    filed = factories.request()
    body = db.session.get(PublicBody, filed.request.body_id)
    rates = fee_settings.rates_for(body.id)
    fee_settings.set_rates(
        None, body, dataclasses.replace(rates, media_prices_cents={"thumb drive": 500, "blu-ray": 300})
    )
    case = f"/staff/requests/{filed.request_id}"
    client.sign_in(factories.user(Role.CUSTODIAN).email, PASSWORD)
    page = client.get(case).get_data(as_text=True)
    assert "blu-ray ($3.00 each)" in page and "thumb drive ($5.00 each)" in page
    assert "USB" not in page and "DVD" not in page  # the deployment's defaults are not this body's

    refused = client.submit(f"{case}/request_payment", {"medium_1": "101"}, page=case, follow_redirects=True)
    assert "Number must be between 0 and 100" in refused.get_data(as_text=True)
    sent = client.submit(
        f"{case}/request_payment", {"standard_pages": "0", "medium_1": "2"}, page=case, follow_redirects=True
    )
    html = sent.get_data(as_text=True)
    assert "the request waits for payment" in html and "$10.00" in html  # two thumb drives at $5


def test_fee_estimate_and_payment_through_the_case_page(client, factories) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request.id}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    sent = client.submit(
        f"{case}/request_payment",
        {"standard_pages": "40", "attorney_review_minutes": "120"},
        page=case,
        follow_redirects=True,
    )
    html = sent.get_data(as_text=True)
    assert "the request waits for payment" in html and "$4.00" in html
    wrong = client.submit(f"{case}/paid", {"amount": "3.00"}, page=case, follow_redirects=True)
    assert "amount due is $4.00" in wrong.get_data(as_text=True)
    paid = client.submit(f"{case}/paid", {"amount": "4.00"}, page=case, follow_redirects=True)
    assert "payment recorded" in paid.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request.id).status is Status.ACKNOWLEDGED
    status = client.get(f"/requests/{filed.request.tracking_number}?token={filed.access_token}").get_data(
        as_text=True
    )
    assert "Gross v. Parson" in status  # the requester sees why review time is free


def test_delay_notice_refusals_are_shown_and_nothing_changes(client, factories) -> None:
    filed = factories.request()
    case = f"/staff/requests/{filed.request.id}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    page = client.submit(
        f"{case}/delay",
        {
            "explanation": "Busy",
            "available_on": "2099-01-05",
            "available_at_time": "09:00",
            "place": "Counter",
        },
        page=case,
        follow_redirects=True,
    )
    assert "Explain the cause of the delay in detail" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request.id).status is Status.RECEIVED


def test_letters_download_for_the_link_holder_and_custodian_only(client, factories) -> None:
    filed = factories.request()
    from sunshine.letters.services import letters_for

    letter = letters_for("records_request", filed.request.id)[0]
    base = f"/requests/{filed.request.tracking_number}/letters/{letter.id}"
    download = client.get(f"{base}?token={filed.access_token}")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert client.application.test_client().get(base).status_code == 404  # another browser, no link
    assert client.get(base).status_code == 200  # this browser opened it with the link
    other = factories.request(email=None)
    mismatched = f"/requests/{other.request.tracking_number}/letters/{letter.id}?token={other.access_token}"
    assert client.get(mismatched).status_code == 404
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    assert client.get(f"/staff/requests/{filed.request.id}/letters/{letter.id}").status_code == 200


def test_custodian_uploads_resolves_and_releases_and_the_requester_downloads(client, factories) -> None:
    import io
    import re as regex

    from tests.service.test_release import SSN_LINE, pdf

    filed = factories.request()
    from sunshine.records import services as records

    records.grant(None, filed.request)
    patrol = factories.unit("PATROL", "Patrol Bureau")
    case = f"/staff/requests/{filed.request.id}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    uploaded = client.submit(
        f"{case}/documents",
        {
            "file": (io.BytesIO(pdf(["Report", SSN_LINE])), "report.pdf"),
            "originating_unit_id": str(patrol.id),
        },
        page=case,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = uploaded.get_data(as_text=True)
    assert "1 possible sensitive item(s) to review" in html and "Release is blocked" in html
    finding_id = regex.search(r"/findings/(\d+)", html).group(1)
    client.submit(
        f"{case}/findings/{finding_id}",
        {"resolution": "false_positive", "reason": "Training sample"},
        page=case,
    )
    released = client.submit(f"{case}/release", page=case, follow_redirects=True)
    series = f"SUN-{filed.request.tracking_number}-"
    assert f"Released 2 pages ({series}000001 to {series}000002)" in released.get_data(as_text=True)
    # Staff open the packet exactly as it went out; opening it is logged as a view of the requester's data.
    staff_link = regex.search(rf'href="({case}/releases/\d+)"', released.get_data(as_text=True)).group(1)
    views = db.session.scalar(select(func.count()).where(AuditEvent.action == "request.viewed"))
    as_staff = client.get(staff_link)
    assert as_staff.status_code == 200 and as_staff.data.startswith(b"%PDF")
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "request.viewed")) == views + 1
    elsewhere = client.application.test_client()
    outsider = factories.user(Role.CUSTODIAN, unit="TRAFFIC")
    elsewhere.sign_in(outsider.email, PASSWORD)
    assert elsewhere.get(staff_link).status_code == 404  # not routed to their unit
    client.submit("/account/logout", page="/")

    status = client.get(f"/requests/{filed.request.tracking_number}?token={filed.access_token}")
    link = regex.search(r'href="([^"]+/releases/\d+[^"]*)"', status.get_data(as_text=True)).group(1)
    packet = client.get(link.replace("&amp;", "&"))
    assert packet.status_code == 200 and packet.data == as_staff.data
    stranger = client.application.test_client()
    assert stranger.get(link.split("?")[0]).status_code == 404  # not without the link or ownership


def test_a_refused_upload_shows_its_message(client, factories) -> None:
    import io

    filed = factories.request()
    patrol = factories.unit("PATROL", "Patrol Bureau")
    case = f"/staff/requests/{filed.request.id}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    page = client.submit(
        f"{case}/documents",
        {"file": (io.BytesIO(b"MZ\x90\x00 program"), "invoice.pdf"), "originating_unit_id": str(patrol.id)},
        page=case,
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "The file was not accepted" in page.get_data(as_text=True)


def test_requester_and_custodian_exchange_messages(client, factories) -> None:
    filed = factories.request()
    status_url = f"/requests/{filed.request.tracking_number}?token={filed.access_token}"
    sent = client.submit(
        f"/requests/{filed.request.tracking_number}/messages",
        {"text": "Can you include the 911 audio?", "token": filed.access_token},
        page=status_url,
        follow_redirects=True,
    )
    assert "Your message is with the custodian" in sent.get_data(as_text=True)
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    case = f"/staff/requests/{filed.request.id}"
    assert "Can you include the 911 audio?" in client.get(case).get_data(as_text=True)
    client.submit(f"{case}/message", {"text": "Yes, we will add it."}, page=case)
    client.submit("/account/logout", page="/")
    assert "Yes, we will add it." in client.get(status_url).get_data(as_text=True)


def test_signed_in_requesters_see_their_own_requests_only(client, factories) -> None:
    mine = factories.user()
    theirs = factories.request(factories.user(), description="Their crash report")
    own = factories.request(mine, description="Dispatch logs for Main St " + "and more " * 30)
    client.sign_in(mine.email, PASSWORD)
    html = client.get("/account/requests").get_data(as_text=True)
    assert own.request.tracking_number in html and theirs.request.tracking_number not in html
    # Each row says what it asked for, cut short, so several requests can be told apart.
    assert "<td>Dispatch logs for Main St and more" in html and "Their crash report" not in html
    row = html[html.index("<td>Dispatch logs") :].split("</td>")[0]
    assert row.endswith("…") and len(row) < 140


def test_an_oversized_upload_is_refused_with_413(app, client, factories, monkeypatch) -> None:
    import io

    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    filed = factories.request()
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    case = f"/staff/requests/{filed.request.id}"
    response = client.submit(
        f"{case}/documents",
        {"file": (io.BytesIO(b"%PDF-" + b"0" * (2 * 1024 * 1024)), "big.pdf"), "originating_unit_id": "1"},
        page=case,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "That file is too large" in response.get_data(as_text=True)


def test_requester_accepts_an_estimate_and_custodian_assigns_the_case(client, factories) -> None:
    from sunshine.records import workflow
    from sunshine.records.fees import FeeInputs

    filed = factories.request()
    workflow.estimate_and_request_payment(None, filed.request, FeeInputs(standard_pages=10))
    status_url = f"/requests/{filed.request.tracking_number}?token={filed.access_token}"
    accepted = client.submit(
        f"/requests/{filed.request.tracking_number}/accept-estimate",
        {"token": filed.access_token},
        page=status_url,
        follow_redirects=True,
    )
    assert "I accept the estimate of $1.00." in accepted.get_data(as_text=True)

    first = factories.user(Role.CUSTODIAN)
    second = factories.user(Role.CUSTODIAN)
    outsider = factories.user(Role.CUSTODIAN, unit="PATROL")
    client.sign_in(first.email, PASSWORD)
    case = f"/staff/requests/{filed.request.id}"
    refused = client.submit(
        f"{case}/assign", {"assignee_id": str(outsider.id)}, page=case, follow_redirects=True
    )
    assert "Not a valid choice" in refused.get_data(as_text=True)
    client.submit(f"{case}/assign", {"assignee_id": str(second.id)}, page=case)
    db.session.expire_all()
    assert db.session.get(RecordsRequest, filed.request.id).assigned_to_id == second.id


def test_a_26_mb_upload_is_refused_at_the_default_limit(app, client, factories) -> None:
    import io

    assert app.config["MAX_CONTENT_LENGTH"] == 25 * 1024 * 1024
    filed = factories.request()
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    case = f"/staff/requests/{filed.request.id}"
    big = io.BytesIO(b"%PDF-1.7\n" + b"0" * (26 * 1024 * 1024))
    response = client.submit(
        f"{case}/documents",
        {"file": (big, "26mb.pdf"), "originating_unit_id": "1"},
        page=case,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "That file is too large" in response.get_data(as_text=True)


def test_a_nul_character_is_refused_with_a_message_not_a_server_error(client, factories) -> None:
    """PostgreSQL text cannot hold NUL: it must be turned away before it reaches a query."""
    factories.unit("RECORDS")
    for path in (
        "/requests/%00",
        "/api/v1/requests/%00",
        "/requests/2026-000001%00",
        "/requests/%00/letters/1",
    ):
        assert client.get(path).status_code == 404, path
    filed = client.submit("/requests/new", {**FORM, "description": "Dispatch\x00log"})
    assert filed.status_code == 400 and "NUL character" in filed.get_data(as_text=True)
    assert client.get("/metrics?month=\x00").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(RecordsRequest)) == 0


def test_the_key_in_later_emails_opens_only_its_own_request(client, factories) -> None:
    from sunshine.records import access
    from sunshine.records import services as records

    first, second = factories.request(), factories.request()
    key = access.status_key(first.request)
    assert client.get(f"/requests/{first.tracking_number}?token={key}").status_code == 200
    assert client.get(f"/requests/{second.tracking_number}?token={key}").status_code == 404
    stranger = client.application.test_client()  # a browser that never opened it
    assert stranger.get(f"/requests/{first.tracking_number}?token={altered(key)}").status_code == 404
    records.grant(None, first.request)
    email = db.session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == "request.granted")
    ).one()
    assert f"token={key}" in email and first.access_token not in email


def test_a_possible_duplicate_is_suggested_on_the_case_page_and_never_blocks_filing(
    client, factories
) -> None:
    first = factories.request(description="Body-worn camera video, traffic stop, Main St, 3 March 2026")
    # Filed through the page by someone else, a day later: nothing stops a request like one already filed.
    like_it = {
        **FORM,
        "description": "Bodyworn camera video of the traffic stop on Main St, 3 March 2026",
        "contact_email": "b@example.org",
    }
    with time_machine.travel(datetime(2026, 3, 4, 18, tzinfo=UTC), tick=False):
        assert client.submit("/requests/new", like_it).status_code == 302
    again = db.session.scalars(select(RecordsRequest).order_by(RecordsRequest.id.desc())).first()
    other = factories.request(
        description="Payroll records of the parks department, 2025", email="c@example.org"
    )
    same_person = factories.request(description="Dispatch audio, 4 March 2026")  # same email as the first
    client.sign_in(factories.user(Role.CUSTODIAN).email, PASSWORD)
    page = client.get(f"/staff/requests/{again.id}").get_data(as_text=True)
    assert (
        "Possible duplicates" in page and first.tracking_number in page and other.tracking_number not in page
    )
    assert re.search(re.escape(first.tracking_number) + r"</a>: description \d+% alike", page)
    unrelated = client.get(f"/staff/requests/{other.request_id}").get_data(as_text=True)
    assert "Possible duplicates" not in unrelated
    # The same person asking for something else is not a duplicate; their other requests are listed apart.
    theirs = client.get(f"/staff/requests/{same_person.request_id}").get_data(as_text=True)
    assert "Possible duplicates" not in theirs
    assert (
        f'The same requester\'s other open requests: <a href="/staff/requests/{first.request_id}">' in theirs
    )
    asking_again = factories.request(description="Body-worn camera footage from the Main St traffic stop")
    again_page = client.get(f"/staff/requests/{asking_again.request_id}").get_data(as_text=True)
    assert re.search(
        re.escape(first.tracking_number) + r"</a>: description \d+% alike, same requester email", again_page
    )


def test_one_requesters_link_does_not_open_anothers_request_by_changing_the_number(client, factories) -> None:
    factories.unit("RECORDS")
    mine_number, mine_link, _ = _file(client)
    theirs_number, _, _ = _file(client.application.test_client())
    token = mine_link.split("token=", 1)[1]
    stranger = client.application.test_client()
    assert stranger.get(mine_link).status_code == 200
    assert stranger.get(f"/requests/{theirs_number}?token={token}").status_code == 404
    api = stranger.get(f"/api/v1/requests/{theirs_number}", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 404 and api.json["error"]["status"] == 404
    assert stranger.get(f"/requests/{theirs_number}/letters/1?token={token}").status_code == 404


def test_internal_notes_never_reach_the_requesters_page(client, factories) -> None:
    from sunshine.records import workflow

    filed = factories.request()
    workflow.add_note(factories.user(Role.CUSTODIAN), filed.request, "Requester is the officer's ex-spouse.")
    status = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(
        as_text=True
    )
    assert "ex-spouse" not in status and "note" not in status.lower().split("<h2>history</h2>")[-1]
    api = client.get(
        f"/api/v1/requests/{filed.tracking_number}", headers={"Authorization": f"Bearer {filed.access_token}"}
    )
    assert "ex-spouse" not in api.get_data(as_text=True) and "note" not in str(api.json["history"])


def test_requester_messages_are_rate_limited(app, client, factories, monkeypatch) -> None:
    """Each message emails the unit's custodians: a flood is turned away."""
    filed = factories.request()
    monkeypatch.setitem(app.config, "MESSAGE_RATE_LIMIT", "2 per hour")
    page = f"/requests/{filed.tracking_number}?token={filed.access_token}"
    statuses = [
        client.submit(
            f"/requests/{filed.tracking_number}/messages",
            {"text": f"Any news? ({n})", "token": filed.access_token},
            page=page,
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]


def test_the_message_limit_is_per_request_so_one_flood_stops_one_case(
    app, client, factories, monkeypatch
) -> None:
    first, second = factories.request(), factories.request()
    monkeypatch.setitem(app.config, "MESSAGE_RATE_LIMIT", "1 per hour")

    def send(filed) -> int:
        page = f"/requests/{filed.tracking_number}?token={filed.access_token}"
        form = {"text": "Any news?", "token": filed.access_token}
        return client.submit(f"/requests/{filed.tracking_number}/messages", form, page=page).status_code

    assert [send(first), send(first), send(second)] == [302, 429, 302]


def test_once_opened_by_its_link_the_page_repeats_the_token_nowhere(client, factories) -> None:
    """The secret is in the first address only: links, forms and redirects go without it."""
    filed = factories.request()
    from sunshine.records import workflow

    workflow.ask_clarification(None, filed.request, "Which day?")
    page = client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)
    assert "Which day?" in page and filed.access_token not in page and "token=" not in page
    answered = client.submit(
        f"/requests/{filed.tracking_number}/clarification",
        {"answer": "The 2nd."},
        page=f"/requests/{filed.tracking_number}",
    )
    assert answered.status_code == 302 and answered.location.endswith(f"/requests/{filed.tracking_number}")
    stranger = client.application.test_client()
    assert stranger.get(f"/requests/{filed.tracking_number}").status_code == 404


def test_reloading_the_confirmation_page_keeps_the_request_open_in_that_browser(client, factories) -> None:
    factories.unit("RECORDS")
    response = client.submit("/requests/new", FORM)
    client.get(response.location)  # the confirmation page, with the link shown once
    reloaded = client.get(response.location)
    assert reloaded.status_code == 302 and client.get(reloaded.location).status_code == 200
    assert client.application.test_client().get(reloaded.location).status_code == 404  # another browser


def test_a_broken_rule_is_shown_beside_the_field_it_is_about(client, factories) -> None:
    factories.unit("RECORDS")
    cases = [
        ({"delivery": "mail"}, "contact_address", "postal address"),
        ({"delivery": "email"}, "contact_email", "Give an email address"),
        ({"date_from": "2026-03-05", "date_to": "2026-03-01"}, "date_to", "start of the date range"),
        ({"fee_waiver_requested": "y"}, "public_interest_statement", "public interest"),
    ]
    for change, field, message in cases:
        html = client.submit("/requests/new", {**FORM, **change}).get_data(as_text=True)
        assert re.search(rf'<p class="error-message" id="{field}-error">.*{message}', html), field


def test_a_signed_in_requesters_form_starts_with_their_name_and_address(client, factories) -> None:
    factories.unit("RECORDS")
    owner = factories.user()
    client.sign_in(owner.email, PASSWORD)
    html = client.get("/requests/new").get_data(as_text=True)
    assert f'value="{owner.email}"' in html and f'value="{owner.full_name}"' in html


def test_the_request_form_says_everything_to_fix_at_once_and_files_nothing(client, factories) -> None:
    factories.unit()
    page = client.submit(
        "/requests/new",
        {
            "description": "Crash report, Main St",
            "date_from": "2026-03-10",
            "date_to": "2026-03-01",
            "contact_email": "not an address",
            "delivery": "mail",
            "fee_waiver_requested": "y",
        },
        page="/requests/new",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    for message in (
        "Enter an email address like name@example.org.",
        "The start of the date range is after its end.",
        "Give a postal address, or choose another way to receive the records.",
        "Say how the release serves the public interest, or untick the fee waiver.",
    ):
        assert message in html, message
    assert db.session.scalar(select(func.count()).select_from(RecordsRequest)) == 0


def test_the_api_names_every_broken_rule_under_fields(client, factories) -> None:
    factories.unit()
    answer = client.post(
        "/api/v1/requests",
        json={
            "description": "Crash report",
            "date_from": "2026-03-10",
            "date_to": "2026-03-01",
            "delivery": "email",
            "fee_waiver_requested": True,
        },
    )
    assert answer.status_code == 400
    assert set(answer.get_json()["error"]["fields"]) == {
        "date_to",
        "contact.email",
        "public_interest_statement",
    }
    assert db.session.scalar(select(func.count()).select_from(RecordsRequest)) == 0


def test_the_status_page_shows_the_fee_waiver_the_requester_asked_for(client, factories) -> None:
    filed = factories.request(
        fee_waiver_requested=True, public_interest_statement="For a news story on crashes"
    )
    page = client.get(f"/requests/{filed.request.tracking_number}?token={filed.access_token}")
    assert "You asked for fees to be waived or reduced" in page.get_data(as_text=True)
    assert "For a news story on crashes" in page.get_data(as_text=True)


def test_the_request_form_tells_a_signed_in_requester_where_the_request_is_kept(client, factories) -> None:
    assert "it is the only way back to your request" in client.get("/requests/new").get_data(as_text=True)
    requester = factories.user()
    client.sign_in(requester.email, PASSWORD)
    form = client.get("/requests/new").get_data(as_text=True)
    assert "is kept with your account" in form and "only way back" not in form
