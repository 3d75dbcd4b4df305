"""Replacing a request's secret status link: the requester from the status page, or staff for them.

The old link, every key emailed so far, and every browser that opened the page with them
stop working; the new link is shown once and emailed when there is an address.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.records import receipts, services
from sunshine.records.models import RecordsRequest
from tests.factories import PASSWORD

FORM = {"description": "Dispatch logs for Elm St, April 2026", "preferred_format": "electronic"}
LINK = re.compile(r'href="http://localhost(/requests/[0-9-]+\?token=[^"]+)"')


def _file(client, **extra) -> tuple[str, str]:
    response = client.submit("/requests/new", {**FORM, "delivery": "portal", **extra})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    return re.search(r"Request (\d{4}-\d{6}) received", page).group(1), LINK.search(page).group(1)


def _mail(kind: str) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _emailed_link(message: OutboxMessage) -> str:
    return re.search(r"https://records.example.gov(/requests/\S+)", message.body).group(1)


def test_the_requester_replaces_the_link_and_only_the_new_one_opens_the_request(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, old = _file(client, contact_email="asker@example.org")
    [receipt] = _mail("request.received")
    emailed_before = _emailed_link(receipt)
    elsewhere = client.application.test_client()  # a browser the old link was forwarded to
    assert elsewhere.get(old).status_code == 200
    assert elsewhere.get(f"/requests/{tracking}").status_code == 200  # it opened the page once

    status = f"/requests/{tracking}"
    assert client.get(old).status_code == 200
    replaced = client.submit(f"{status}/new-link", page=status)
    assert replaced.status_code == 302
    page = client.get(replaced.location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "The old link no longer opens the request" in html
    new = LINK.search(html).group(1)
    assert new != old
    assert client.get(replaced.location).status_code == 302  # shown once

    assert client.get(status).status_code == 200  # this browser keeps the request open
    for dead in (old, emailed_before):
        assert client.application.test_client().get(dead).status_code == 404
    assert elsewhere.get(f"/requests/{tracking}").status_code == 404  # it opened it with the old link
    assert elsewhere.get(old).status_code == 404
    assert client.application.test_client().get(new).status_code == 200

    [email] = _mail("request.link_replaced")
    assert email.recipient == "asker@example.org" and "no longer open it" in email.body
    assert client.application.test_client().get(_emailed_link(email)).status_code == 200
    history = client.get(status).get_data(as_text=True)
    assert "link replaced" in history  # the requester sees it in the public history
    request = db.session.scalar(select(RecordsRequest).where(RecordsRequest.tracking_number == tracking))
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.link_replaced"))
    assert (event.object_id, event.actor_id, event.details) == (str(request.id), None, {"by_staff": False})


def test_without_an_email_address_or_account_only_staff_replace_the_link(client, factories) -> None:
    """Else whoever held a leaked link could replace it and keep the only working one."""
    factories.unit("RECORDS")
    tracking, old = _file(client)
    page = client.get(old).get_data(as_text=True)
    assert "Replace my link" not in page and "ask the custodian of records for a new one" in page
    refused = client.submit(f"/requests/{tracking}/new-link", page=f"/requests/{tracking}")
    assert refused.status_code == 400 and "Ask the custodian of records" in refused.get_data(as_text=True)
    assert client.application.test_client().get(old).status_code == 200  # unchanged
    assert _mail("request.link_replaced") == []


def test_only_a_holder_of_the_link_can_replace_it(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, old = _file(client)
    stranger = client.application.test_client()
    token = stranger.csrf_token("/requests/new")
    refused = stranger.post(f"/requests/{tracking}/new-link", data={"csrf_token": token})
    assert refused.status_code == 404
    wrong = stranger.post(f"/requests/{tracking}/new-link", data={"csrf_token": token, "token": "guess"})
    assert wrong.status_code == 404
    assert client.application.test_client().get(old).status_code == 200  # nothing changed


def test_a_replacement_without_the_form_token_is_refused_and_changes_nothing(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, old = _file(client, contact_email="asker@example.org")
    client.get(old)
    refused = client.post(f"/requests/{tracking}/new-link", data={})
    assert refused.status_code == 400 and "form has expired" in refused.get_data(as_text=True)
    assert client.application.test_client().get(old).status_code == 200
    assert (
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.link_replaced")).all() == []
    )


def test_the_signed_in_owner_can_replace_the_link_too(client, factories) -> None:
    factories.unit("RECORDS")
    owner = factories.user()
    client.sign_in(owner.email, PASSWORD)
    tracking, old = _file(client)
    replaced = client.submit(f"/requests/{tracking}/new-link", page=f"/requests/{tracking}")
    assert replaced.status_code == 302
    assert client.application.test_client().get(old).status_code == 404
    assert client.get(f"/requests/{tracking}").status_code == 200


def test_staff_replace_the_link_for_a_requester_and_see_it_once(client, factories) -> None:
    filed = factories.request(email="asker@example.org")
    old = f"/requests/{filed.tracking_number}?token={filed.access_token}"
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    case = f"/staff/requests/{filed.request_id}"
    assert "Replace the requester" in client.get(case).get_data(as_text=True)
    replaced = client.submit(f"{case}/new-link", page=case)
    assert replaced.status_code == 302
    html = client.get(replaced.location).get_data(as_text=True)
    assert "It has also been emailed to the requester" in html
    new = LINK.search(html).group(1)
    assert client.get(replaced.location).status_code == 302  # shown once
    public = client.application.test_client()
    assert public.get(old).status_code == 404 and public.get(new).status_code == 200
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "request.link_replaced"))
    assert event.actor_id == custodian.id and event.details == {"by_staff": True}
    [email] = _mail("request.link_replaced")
    assert "The custodian of records replaced it for you" in email.body  # not "if you did not ask"


def test_staff_outside_the_unit_cannot_replace_the_link(client, factories) -> None:
    filed = factories.request()
    elsewhere = factories.user(Role.CUSTODIAN, unit="TRAFFIC")
    client.sign_in(elsewhere.email, PASSWORD)
    token = client.csrf_token("/staff/queue")
    refused = client.post(f"/staff/requests/{filed.request_id}/new-link", data={"csrf_token": token})
    assert refused.status_code == 404
    public = client.application.test_client()
    assert public.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").status_code == 200


def test_a_receipt_still_to_go_carries_the_new_link(app, factories, monkeypatch) -> None:
    # Hold the receipt back, as when the job queue has not run it yet.
    monkeypatch.setattr("sunshine.records.filing.nudge_after_commit", lambda job: None)
    filed = factories.request(email="asker@example.org")
    request = db.session.get(RecordsRequest, filed.request_id)
    assert request.pending_access_token == filed.access_token
    token = services.replace_access_token(None, request)
    assert _mail("request.link_replaced") == []  # the receipt will carry it: one email, not two
    assert receipts.send_receipt(filed.request_id)
    [receipt] = _mail("request.received")
    assert f"token={token}" in receipt.body and filed.access_token not in receipt.body


def test_an_old_link_says_what_to_do_rather_than_only_not_found(client, factories) -> None:
    factories.unit("RECORDS")
    tracking, old = _file(client, contact_email="asker@example.org")
    client.get(old)
    client.submit(f"/requests/{tracking}/new-link", page=f"/requests/{tracking}")
    page = client.application.test_client().get(old)
    html = page.get_data(as_text=True)
    assert page.status_code == 404 and "replaced by a newer one" in html and "custodian of records" in html
    # The same words for a number that does not exist: nothing tells the two apart.
    missing = client.application.test_client().get("/requests/2026-999999?token=x").get_data(as_text=True)
    assert "replaced by a newer one" in missing
