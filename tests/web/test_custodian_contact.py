"""The custodian of records: an administrator writes who and where once; requesters see it (610.023.1)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.units.models import PublicBody
from sunshine.units.services import MAX_CUSTODIAN_CONTACT
from tests.factories import PASSWORD

PAGE = "/admin/custodian"
WHO = "Pat Doe, Custodian of Records\nRecords Unit, 1 Main St, Test City\n(555) 010-0100, weekdays 8 to 5"


def _status(client, filed) -> str:
    return client.get(f"/requests/{filed.tracking_number}?token={filed.access_token}").get_data(as_text=True)


def test_requesters_see_the_custodian_the_administrator_names(app, client, factories) -> None:
    filed = factories.request()
    public = app.test_client()
    assert 'id="custodian-contact"' not in public.get("/requests/new").get_data(as_text=True)
    assert 'id="custodian-contact"' not in _status(public, filed)

    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    assert f'href="{PAGE}"' in client.get("/admin/").get_data(as_text=True)
    saved = client.submit(PAGE, {"text": f"  {WHO}  "}, page=PAGE, follow_redirects=True)
    assert saved.status_code == 200 and "Saved" in saved.get_data(as_text=True)
    assert "Pat Doe, Custodian of Records" in saved.get_data(as_text=True)  # the form shows it back
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "body.custodian_contact_set")
    ).one()
    assert event.actor_id == admin.id and event.details == {"before": None, "after": WHO}

    form = public.get("/requests/new").get_data(as_text=True)
    assert "You may also ask by mail" in form and "(555) 010-0100, weekdays 8 to 5" in form
    status = _status(public, filed)
    assert "The custodian of records" in status and "Records Unit, 1 Main St, Test City" in status

    client.submit(PAGE, {"text": "   "}, page=PAGE)  # blank: no details shown
    assert db.session.scalar(select(PublicBody.custodian_contact)) is None
    assert 'id="custodian-contact"' not in _status(public, filed)


def test_details_too_long_are_refused_and_nothing_changes(client, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    client.sign_in(admin.email, PASSWORD)
    client.submit(PAGE, {"text": WHO}, page=PAGE)
    refused = client.submit(PAGE, {"text": "x" * (MAX_CUSTODIAN_CONTACT + 1)}, page=PAGE)
    assert refused.status_code == 400
    assert f"Keep it to {MAX_CUSTODIAN_CONTACT:,} characters." in refused.get_data(as_text=True)
    assert db.session.scalar(select(PublicBody.custodian_contact)) == WHO


def test_an_administrator_names_only_their_own_bodys_custodian(client, factories) -> None:
    factories.unit()  # the city, the first body
    county = factories.unit("COUNTYREC", body="county").department.body
    county_admin = factories.user(Role.ADMINISTRATOR, unit="COUNTYREC")
    client.sign_in(county_admin.email, PASSWORD)
    assert "Custodian of records: County City" in client.get(PAGE).get_data(as_text=True)
    city = db.session.scalar(select(PublicBody).where(PublicBody.slug == "test"))
    assert client.get(f"{PAGE}?body={city.id}").status_code == 404
    token = client.csrf_token(PAGE)
    assert client.post(f"{PAGE}?body={city.id}", data={"csrf_token": token, "text": WHO}).status_code == 404
    client.submit(PAGE, {"text": WHO}, page=PAGE)
    db.session.expire_all()
    assert county.custodian_contact == WHO and city.custodian_contact is None


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMINISTRATOR])
def test_only_administrators_reach_the_page(client, factories, role: Role) -> None:
    user = factories.user(role)
    client.sign_in(user.email, PASSWORD)
    assert client.get(PAGE).status_code == 403
    token = client.csrf_token("/")
    assert client.post(PAGE, data={"csrf_token": token, "text": WHO}).status_code == 403


def test_every_letter_ends_with_the_custodian_the_administrator_names(factories) -> None:
    from sunshine.units.services import set_custodian_contact
    from tests.service.test_letter_templates import letter_text

    admin = factories.user(Role.ADMINISTRATOR)
    before = factories.request().request
    unnamed = letter_text(before, "acknowledgement")
    assert "{{" not in unnamed and unnamed.rstrip().endswith("Custodian of Records, Test City")

    set_custodian_contact(admin, db.session.scalar(select(PublicBody)), WHO)
    db.session.commit()
    text = letter_text(factories.request().request, "acknowledgement")
    signature = text[text.index("Custodian of Records, Test City") :]
    for line in WHO.splitlines():
        assert line in signature
