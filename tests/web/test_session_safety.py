"""Sessions on a shared browser, sign-out, password timing, caching, and stale reset links."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from sunshine.accounts import services as accounts
from sunshine.authz import Role
from sunshine.extensions import db
from tests.factories import PASSWORD

FORM = {
    "description": "Crash report, Elm St, 2 May 2026",
    "preferred_format": "electronic",
    "delivery": "portal",
}


def _file(client) -> tuple[str, str]:
    response = client.submit("/requests/new", FORM)
    page = client.get(response.location).get_data(as_text=True)
    tracking = re.search(r"Request (\d{4}-\d{6}) received", page).group(1)
    link = re.search(r'href="http://localhost(/requests/[^"]+token=[^"]+)"', page).group(1)
    return tracking, link


def test_the_next_person_at_a_shared_browser_cannot_read_a_request_opened_before(client, factories) -> None:
    factories.unit("RECORDS")
    first, second = factories.user(), factories.user()
    tracking, link = _file(client)
    assert client.get(link).status_code == 200  # opened with the secret link: the browser remembers
    assert client.get(f"/requests/{tracking}").status_code == 200
    client.sign_in(first.email, PASSWORD)
    assert client.get(f"/requests/{tracking}").status_code == 404  # signing in starts a new session
    client.submit("/account/logout", page="/")
    client.sign_in(second.email, PASSWORD)
    assert client.get(f"/requests/{tracking}").status_code == 404


def test_a_session_copied_before_sign_out_no_longer_works_after_it(app, client, factories) -> None:
    user = factories.user()
    client.sign_in(user.email, PASSWORD)
    copied = client.get_cookie("session").value
    client.submit("/account/logout", page="/")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account/").status_code == 302  # to the sign-in page
    client.sign_in(user.email, PASSWORD)  # the owner signs in again as usual
    assert client.get("/account/").status_code == 200


def test_every_failed_sign_in_costs_one_password_check_whether_or_not_the_account_exists(
    client, factories, monkeypatch
) -> None:
    known = factories.user()
    invited = accounts.create_staff(
        None,
        email="invited@example.org",
        full_name="Invited",
        unit=factories.unit("RECORDS"),
        role=Role.CUSTODIAN,
    )
    assert invited.password_hash is None
    client.submit("/account/login", {"email": "warm@example.org", "password": "x" * 12})  # dummy hash made
    calls = {"hash": 0, "verify": 0}
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def counted_hash(self, *args, **kwargs):
        calls["hash"] += 1
        return real_hash(self, *args, **kwargs)

    def counted_verify(self, *args, **kwargs):
        calls["verify"] += 1
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(PasswordHasher, "hash", counted_hash)
    monkeypatch.setattr(PasswordHasher, "verify", counted_verify)
    for email in (known.email, "invited@example.org", "nobody@example.org"):
        calls.update(hash=0, verify=0)
        response = client.submit("/account/login", {"email": email, "password": "wrong password here"})
        assert response.status_code == 401
        assert calls == {"hash": 0, "verify": 1}, email


def test_pages_are_not_kept_by_the_browser_or_a_proxy(client, factories) -> None:
    filed = factories.request()
    custodian = factories.user(Role.CUSTODIAN)
    public = client.application.test_client()
    status = public.get(f"/requests/{filed.tracking_number}?token={filed.access_token}")
    assert status.headers["Cache-Control"] == "no-store"
    client.sign_in(custodian.email, PASSWORD)
    assert client.get(f"/staff/requests/{filed.request_id}").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in status.headers  # plain HTTP here; set over HTTPS
    secure = public.get(
        f"/requests/{filed.tracking_number}?token={filed.access_token}", base_url="https://localhost"
    )
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_used_or_broken_reset_link_says_so_before_anything_is_typed(app, client, factories) -> None:
    user = factories.user()
    client.submit("/account/forgot", {"email": user.email})
    with app.app_context():
        from sqlalchemy import select

        from sunshine.notifications.models import OutboxMessage

        body = (
            db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "account.password_reset"))
            .one()
            .body
        )
    path = re.search(r"https://records\.example\.gov(/account/reset/\S+)", body).group(1)
    assert client.get(path).status_code == 200
    client.submit(path, {"password": "a new long password", "confirm": "a new long password"})
    for broken in (path, path[:-3] + "abc", "/account/reset/not-a-token"):
        page = client.get(broken)
        text = page.get_data(as_text=True)
        assert page.status_code == 400 and ("already been used" in text or "not valid" in text), broken
        assert "Send reset link" in text  # and a way to ask for a new one


def _session_cookie(app, client) -> tuple[str, dict]:
    raw = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    return raw, app.session_interface.get_signing_serializer(app).loads(raw)


def test_a_new_status_link_waits_for_its_page_encrypted_not_readable_in_the_cookie(
    app, client, factories
) -> None:
    """The session cookie is signed, not encrypted: a link kept in it for the next page is encrypted."""
    factories.unit("RECORDS")
    filed = client.submit("/requests/new", FORM | {"contact_email": "asker@example.org"})
    raw, held = _session_cookie(app, client)
    token = held["just_filed"]["token"]
    page = client.get(filed.location).get_data(as_text=True)
    secret = re.search(r"token=([\w-]+)", page).group(1)
    assert secret not in raw and secret not in str(held) and token != secret
    assert "just_filed" not in _session_cookie(app, client)[1]  # shown once

    tracking = re.search(r"Request (\d{4}-\d{6}) received", page).group(1)
    client.submit(
        f"/requests/{tracking}/new-link", {"token": secret}, page=f"/requests/{tracking}?token={secret}"
    )
    raw, held = _session_cookie(app, client)
    shown = client.get(f"/requests/{tracking}/new-link").get_data(as_text=True)
    replaced = re.search(r"token=([\w-]+)", shown).group(1)
    assert replaced != secret and replaced not in raw and replaced not in str(held)


def test_a_held_link_is_not_shown_from_a_cookie_replayed_after_ten_minutes(app, client, factories) -> None:
    import time_machine

    factories.unit("RECORDS")
    filed = client.submit("/requests/new", FORM)
    copied = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    later = app.test_client()
    later.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=11)):
        response = later.get(filed.location)
    assert response.status_code == 302 and "token=" not in response.location
    shown = client.get(filed.location)  # the browser that filed, at once: shown as ever
    assert shown.status_code == 200 and "token=" in shown.get_data(as_text=True)
