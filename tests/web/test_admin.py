"""Administrators see units and staff, and add staff who then set their own password."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import time_machine
from sqlalchemy import select

from sunshine.accounts import services as accounts
from sunshine.accounts.models import User
from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from sunshine.units.models import Unit
from tests.factories import PASSWORD


def _admin_client(client, factories):
    admin = factories.user(Role.ADMINISTRATOR, unit="ITHELP")
    factories.unit("PATROL", "Patrol Bureau")
    client.sign_in(admin.email, PASSWORD)
    return admin


def test_admin_page_lists_units_and_staff(client, factories) -> None:
    _admin_client(client, factories)
    reviewer = factories.user(Role.UNIT_REVIEWER, unit="PATROL")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Patrol Bureau" in html and "PATROL" in html
    assert reviewer.full_name in html and "Unit reviewer (Patrol Bureau)" in html
    viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.list_viewed")).one()
    assert reviewer.id in viewed.details["user_ids"]


def test_admin_adds_a_staff_member_who_sets_a_password_and_signs_in(app, client, factories) -> None:
    _admin_client(client, factories)
    with app.app_context():
        patrol = factories.unit("PATROL")
        patrol_id = patrol.id
    response = client.submit(
        "/admin/staff/new",
        {
            "full_name": "Jo Reviewer",
            "email": "jo@example.org",
            "unit_id": patrol_id,
            "role": "unit_reviewer",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        body = (
            db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "staff.welcome")).one().body
        )
    path = re.search(r"https://records\.example\.gov(/account/reset/\S+)", body).group(1)
    client.submit("/account/logout", page="/")
    client.submit(path, {"password": "jo's own passphrase", "confirm": "jo's own passphrase"})
    client.sign_in("jo@example.org", "jo's own passphrase")
    assert "Rule on corrections" in client.get("/staff/").get_data(as_text=True)


def test_new_staff_form_rejects_bad_input_with_messages(app, client, factories) -> None:
    _admin_client(client, factories)
    response = client.submit(
        "/admin/staff/new", {"full_name": "", "email": "nope", "unit_id": "999999", "role": "requester"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Enter the person" in html and "Not a valid choice" in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 1


def test_a_staff_account_for_an_address_already_taken_tells_the_administrator_what_to_do(
    app, client, factories
) -> None:
    _admin_client(client, factories)
    requester = factories.user(Role.REQUESTER)
    unit = factories.unit()
    refused = client.submit(
        "/admin/staff/new",
        {"full_name": "Pat Clerk", "email": requester.email, "unit_id": str(unit.id), "role": "custodian"},
        page="/admin/staff/new",
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "use the person&#39;s work address" in html
    assert "reset your password" not in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 2


def test_admin_switches_a_staff_account_off(app, client, factories) -> None:
    _admin_client(client, factories)
    clerk = factories.user(Role.CUSTODIAN)
    response = client.submit(f"/admin/staff/{clerk.id}/active", page="/admin/", follow_redirects=True)
    assert "is now switched off" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, clerk.id).active is False


def test_admin_sets_the_fee_schedule_in_dollars(app, client, factories) -> None:
    from sunshine.records import fee_settings

    _admin_client(client, factories)
    page = client.get("/admin/fees")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "uses the deployment's default" in html and 'value="18.00"' in html
    form = {
        "paper_page": "0.05",
        "clerical_hourly": "12.50",
        "research_hourly": "20",
        "technical_hourly": "30",
        "media_prices": "usb=500, dvd=100",
        "large_fee_threshold": "500",
    }
    saved = client.submit("/admin/fees", form)
    assert saved.status_code == 302
    assert "Fee schedule saved" in client.get(saved.location).get_data(as_text=True)
    with app.app_context():
        body_id = factories.unit("RECORDS").body.id
        rates = fee_settings.rates_for(body_id)
    assert (rates.paper_page_cents, rates.clerical_hourly_cents, rates.large_fee_threshold_cents) == (
        5,
        1250,
        50_000,
    )
    assert rates.media_prices_cents == {"usb": 500, "dvd": 100}
    assert "own schedule" in client.get("/admin/fees").get_data(as_text=True)


def test_fee_schedule_form_refuses_bad_figures_with_messages(app, client, factories) -> None:
    from sunshine.records import fee_settings

    _admin_client(client, factories)
    good = {
        "paper_page": "0.10",
        "clerical_hourly": "18",
        "research_hourly": "25",
        "technical_hourly": "35",
        "media_prices": "usb=600",
        "large_fee_threshold": "1000",
    }
    for change, message in (
        ({"paper_page": "0.25"}, "610.026 caps paper copies"),
        ({"clerical_hourly": "ten"}, "in dollars, like 18.50"),
        ({"research_hourly": "-1"}, "Use an amount from $0"),
        ({"technical_hourly": "12.345"}, "use whole cents"),
        ({"media_prices": "usb six dollars"}, "is not a medium and its price"),
    ):
        response = client.submit("/admin/fees", {**good, **change})
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert not fee_settings.is_customised(factories.unit("RECORDS").body.id)


def test_only_administrators_set_fees(client, factories) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    client.sign_in(custodian.email, PASSWORD)
    assert client.get("/admin/fees").status_code == 403


def _city_admin_and_county(client, factories):
    """An administrator of the city (the first body) signed in, and a county with its own clerk."""
    admin = _admin_client(client, factories)
    county_unit = factories.unit("CLERK", "County Clerk", body="county")
    county_clerk = factories.user(Role.CUSTODIAN, unit="CLERK")
    return admin, county_unit, county_clerk


def test_an_administrator_sees_only_their_own_bodys_units_and_staff(app, client, factories) -> None:
    admin, county_unit, county_clerk = _city_admin_and_county(client, factories)
    city_clerk = factories.user(Role.CUSTODIAN, unit="PATROL")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Test City" in html and "Patrol Bureau" in html and city_clerk.email in html
    assert "County City" not in html and "County Clerk" not in html and county_clerk.email not in html
    with app.app_context():
        viewed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "staff.list_viewed")).one()
    assert set(viewed.details["user_ids"]) == {admin.id, city_clerk.id}


def test_another_bodys_settings_pages_are_not_found(app, client, factories) -> None:
    from sunshine.clocks.models import ClosureDay

    _, county_unit, _ = _city_admin_and_county(client, factories)
    with app.app_context():
        county = db.session.get(Unit, county_unit.id).body.id
    for page in ("/admin/calendar", "/admin/fees"):
        assert client.get(page).status_code == 200
        assert client.get(f"{page}?body={county}").status_code == 404, page
    token = client.csrf_token("/admin/calendar")
    closure = {"day": "2026-03-04", "reason": "Ice storm", "csrf_token": token}
    assert client.post(f"/admin/calendar?body={county}", data=closure).status_code == 404
    policy = {"kind": "fee_payment", "length": "60", "long_length": "120", "csrf_token": token}
    assert client.post(f"/admin/calendar/policy?body={county}", data=policy).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(db.func.count(ClosureDay.id))) == 0


def test_new_staff_go_only_into_units_of_the_administrators_bodies(app, client, factories) -> None:
    _, county_unit, _ = _city_admin_and_county(client, factories)
    form = client.get("/admin/staff/new").get_data(as_text=True)
    assert "Patrol Bureau" in form and "County Clerk" not in form
    response = client.submit(
        "/admin/staff/new",
        {"full_name": "Jo", "email": "jo@example.org", "unit_id": county_unit.id, "role": "custodian"},
    )
    assert response.status_code == 400 and "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert accounts.find_by_email("jo@example.org") is None


def test_another_bodys_staff_cannot_be_switched_off(app, client, factories) -> None:
    _, _, county_clerk = _city_admin_and_county(client, factories)
    response = client.submit(f"/admin/staff/{county_clerk.id}/active", page="/admin/")
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(User, county_clerk.id).active is True


def test_staff_of_both_bodies_are_listed_but_switched_only_by_an_administrator_of_both(
    app, client, factories
) -> None:
    _, county_unit, county_clerk = _city_admin_and_county(client, factories)
    with app.app_context():
        accounts.grant_role(
            None, db.session.get(User, county_clerk.id), Role.CUSTODIAN, factories.unit("PATROL")
        )
    html = client.get("/admin/").get_data(as_text=True)
    assert county_clerk.email in html and "Custodian of records (Patrol Bureau)" in html
    assert "County Clerk" not in html and "its administrator switches this account" in html
    assert client.submit(f"/admin/staff/{county_clerk.id}/active", page="/admin/").status_code == 404

    both = factories.user(Role.ADMINISTRATOR, unit="PATROL")
    with app.app_context():
        accounts.grant_role(None, db.session.get(User, both.id), Role.ADMINISTRATOR, county_unit)
    client.submit("/account/logout", page="/")
    client.sign_in(both.email, PASSWORD)
    county = county_unit.department.body_id
    assert f"/admin/calendar?body={county}" in client.get("/admin/").get_data(as_text=True)
    assert client.get(f"/admin/calendar?body={county}").status_code == 200
    switched = client.submit(f"/admin/staff/{county_clerk.id}/active", page="/admin/", follow_redirects=True)
    assert "is now switched off" in switched.get_data(as_text=True)


def test_admin_page_lists_staff_tokens_and_revokes_one(app, client, factories) -> None:
    _admin_client(client, factories)
    clerk = factories.user(Role.CUSTODIAN)
    token = accounts.create_api_token(None, clerk, "case export")
    with time_machine.travel(datetime(2026, 3, 3, 15, 5, tzinfo=UTC), tick=False):
        client.get("/api/v1/staff/requests", headers={"Authorization": f"Bearer {token}"})
    with app.app_context():
        token_id = accounts.find_api_token(token).id
    html = client.get("/admin/").get_data(as_text=True)
    assert f"case export (number {token_id})" in html and "Live" in html and "Never" not in html
    assert "<td>3 Mar 2026, 9:05 AM CST</td>" in html  # when it was last used, in the body's time
    assert token not in html
    assert client.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 400  # no CSRF token
    revoked = client.submit(f"/admin/api-tokens/{token_id}/revoke", page="/admin/", follow_redirects=True)
    page = revoked.get_data(as_text=True)
    assert "“case export” of Test Custodian of records is revoked" in page and "Revoked " in page
    assert (
        client.get("/api/v1/staff/requests", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
    again = client.submit(f"/admin/api-tokens/{token_id}/revoke", page="/admin/", follow_redirects=True)
    assert "already revoked" in again.get_data(as_text=True)


def test_another_bodys_tokens_are_neither_listed_nor_revoked(app, client, factories) -> None:
    _, _, county_clerk = _city_admin_and_county(client, factories)
    token = accounts.create_api_token(None, county_clerk, "county export")
    with app.app_context():
        token_id = accounts.find_api_token(token).id
    assert "county export" not in client.get("/admin/").get_data(as_text=True)
    assert client.submit(f"/admin/api-tokens/{token_id}/revoke", page="/admin/").status_code == 404
    assert client.submit("/admin/api-tokens/999999/revoke", page="/admin/").status_code == 404
    with app.app_context():
        assert accounts.find_api_token(token).revoked_at is None


def test_every_administration_page_links_back_to_administration(client, factories) -> None:
    _admin_client(client, factories)
    for path in ("/admin/calendar", "/admin/fees", "/admin/health", "/admin/staff/new", "/admin/units"):
        html = client.get(path).get_data(as_text=True)
        assert '<a href="/admin/">Back to administration</a>' in html, path
        assert html.index("Back to administration") < html.index("<h1>"), path


def test_an_administrator_is_not_offered_to_switch_themselves_off(client, factories) -> None:
    admin = _admin_client(client, factories)
    html = client.get("/admin/").get_data(as_text=True)
    row = html[html.index(admin.email) :]
    row = row[: row.index("</tr>")]
    assert "Switch off" not in row and "You" in row
