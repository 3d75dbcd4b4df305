"""Administrators see units and staff, and add staff who then set their own password."""

from __future__ import annotations

import re

from sqlalchemy import select

from sunshine.accounts.models import User
from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
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


def test_every_administration_page_links_back_to_administration(client, factories) -> None:
    _admin_client(client, factories)
    for path in ("/admin/calendar", "/admin/fees", "/admin/health", "/admin/staff/new"):
        html = client.get(path).get_data(as_text=True)
        assert '<a href="/admin/">Back to administration</a>' in html, path
        assert html.index("Back to administration") < html.index("<h1>"), path
