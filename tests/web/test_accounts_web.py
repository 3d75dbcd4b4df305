"""Accounts through the browser-facing pages: sign-up, confirmation, sign-in, lockout, reset."""

from __future__ import annotations

import re

from sqlalchemy import select

from sunshine.accounts.models import User
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from tests.factories import PASSWORD

LINK = re.compile(r"https://records\.example\.gov(/account/\S+)")


def _emailed_path(app, kind: str) -> str:
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)).all()[-1]
        return LINK.search(message.body).group(1)


def test_a_requester_registers_confirms_and_signs_in(app, client) -> None:
    response = client.submit(
        "/account/register",
        {"full_name": "Pat Public", "email": "pat@example.org", "password": PASSWORD, "confirm": PASSWORD},
    )
    assert response.status_code == 302 and response.location.endswith("/account/check-email")

    refused = client.submit("/account/login", {"email": "pat@example.org", "password": PASSWORD})
    assert refused.status_code == 401 and "Confirm your email address first" in refused.get_data(as_text=True)

    confirmed = client.get(_emailed_path(app, "account.confirm_email"), follow_redirects=True)
    assert "Your email address is confirmed" in confirmed.get_data(as_text=True)

    client.sign_in("pat@example.org", PASSWORD)
    profile = client.get("/account/").get_data(as_text=True)
    assert "Pat Public" in profile and "Requester" in profile


def test_registering_a_taken_address_looks_like_a_new_one_and_tells_its_owner(app, client, factories) -> None:
    owner = factories.user(email="owner@example.org")
    answers = []
    for email in ("owner@example.org", "someone.new@example.org"):
        form = {"full_name": "Someone", "email": email, "password": PASSWORD, "confirm": PASSWORD}
        response = client.submit("/account/register", form)
        page = client.get(response.location)
        answers.append((response.status_code, response.location, page.get_data(as_text=True)))
    assert answers[0] == answers[1]
    assert answers[0][:2] == (302, "/account/check-email")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(User.id))) == 2
        notices = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "account.already_registered")
        ).all()
        confirmations = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "account.confirm_email")
        ).all()
    assert [n.recipient for n in notices] == [owner.email]
    assert "Someone tried to create" in notices[0].body
    assert "https://records.example.gov/account/login" in notices[0].body
    assert "https://records.example.gov/account/forgot" in notices[0].body
    assert [c.recipient for c in confirmations].count(owner.email) == 1  # from the first registration
    client.sign_in(owner.email, PASSWORD)  # the owner's account is as it was


def test_registration_errors_are_shown_with_400_and_nothing_saved(app, client) -> None:
    response = client.submit(
        "/account/register",
        {"full_name": "", "email": "not-an-email", "password": "short", "confirm": "other"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Enter your name.",
        "Enter an email address like",
        "Use at least 12 characters.",
        "do not match",
    ):
        assert message in html
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_a_bad_confirmation_link_offers_a_new_one(client) -> None:
    response = client.get("/account/confirm/not-a-real-token")
    assert response.status_code == 400
    assert "Send a new confirmation link" in response.get_data(as_text=True)


def test_wrong_password_is_refused_with_a_plain_message(client, factories) -> None:
    user = factories.user()
    response = client.submit("/account/login", {"email": user.email, "password": "wrong password here"})
    assert response.status_code == 401
    assert "The email address or password is not right." in response.get_data(as_text=True)


def test_repeated_failures_from_one_address_are_locked_out(client, factories) -> None:
    user = factories.user()
    statuses = [
        client.submit("/account/login", {"email": user.email, "password": f"wrong {n}"}).status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    locked = client.submit("/account/login", {"email": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    assert "Retry-After" in locked.headers


def test_one_account_is_locked_even_when_guesses_come_from_many_addresses(app, client, factories) -> None:
    user = factories.user()
    statuses = []
    for n in range(11):
        environ = {"REMOTE_ADDR": f"10.0.0.{n}"}
        token = client.csrf_token("/account/login")
        statuses.append(
            client.post(
                "/account/login",
                data={"email": user.email, "password": "guess", "csrf_token": token},
                environ_base=environ,
            ).status_code
        )
    assert statuses == [401] * 10 + [429]


def _sign_in_from(browser, email: str, password: str, address: str):
    token = browser.csrf_token("/account/login")
    return browser.post(
        "/account/login",
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def _lock_out_by_strangers(app, email: str):
    """Ten wrong guesses for ``email`` from ten addresses, in a browser that never signed in."""
    stranger = app.test_client()
    statuses = [_sign_in_from(stranger, email, "guess", f"10.0.0.{n}").status_code for n in range(10)]
    assert statuses == [401] * 10
    assert _sign_in_from(stranger, email, "guess", "10.0.0.99").status_code == 429
    return stranger


def test_strangers_guessing_an_account_do_not_lock_out_its_owners_browser(app, client, factories) -> None:
    owner = factories.user()
    client.sign_in(owner.email, PASSWORD)
    client.submit("/account/logout", page="/")
    stranger = _lock_out_by_strangers(app, owner.email)
    assert _sign_in_from(client, owner.email, PASSWORD, "192.0.2.7").status_code == 302
    assert _sign_in_from(stranger, owner.email, PASSWORD, "192.0.2.8").status_code == 429
    fresh_browser = app.test_client()
    assert _sign_in_from(fresh_browser, owner.email, PASSWORD, "192.0.2.9").status_code == 429


def test_a_known_browser_has_its_own_allowance_of_failures(app, client, factories) -> None:
    owner = factories.user()
    client.sign_in(owner.email, PASSWORD)
    client.submit("/account/logout", page="/")
    statuses = [_sign_in_from(client, owner.email, "wrong", f"10.1.0.{n}").status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    assert _sign_in_from(app.test_client(), owner.email, PASSWORD, "10.1.1.1").status_code == 302


def test_a_forged_or_another_accounts_device_cookie_gives_no_allowance(app, client, factories) -> None:
    from itsdangerous import URLSafeTimedSerializer

    from sunshine.accounts.devices import COOKIE_NAME
    from sunshine.accounts.tokens import make_token

    owner, other = factories.user(), factories.user()
    client.sign_in(owner.email, PASSWORD)
    owners_cookie = client.get_cookie(COOKIE_NAME).value
    _lock_out_by_strangers(app, owner.email)

    others_browser = app.test_client()
    others_browser.sign_in(other.email, PASSWORD)
    others_browser.submit("/account/logout", page="/")
    assert _sign_in_from(others_browser, owner.email, PASSWORD, "192.0.2.1").status_code == 429

    claim = {"acct": owner.email_index, "nonce": "chosen-by-the-attacker"}
    forgeries = (
        URLSafeTimedSerializer("a guessed secret", salt="sunshine.device-cookie").dumps(claim),
        make_token("confirm", claim),  # the app's own secret, signed for another purpose
        owners_cookie.split(".")[0],
        "forged",
    )
    for forged in forgeries:
        browser = app.test_client()
        browser.set_cookie(COOKIE_NAME, forged)
        assert _sign_in_from(browser, owner.email, PASSWORD, "192.0.2.2").status_code == 429, forged


def test_the_device_cookie_is_signed_http_only_lax_and_names_no_address(app, client, factories) -> None:
    user = factories.user()
    response = client.sign_in(user.email, PASSWORD)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("sunshine_device="))
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Max-Age=15552000" in header
    assert "Secure" not in header and user.email.split("@")[0] not in header


def test_the_device_cookie_is_secure_when_session_cookies_are(app) -> None:
    from flask import Response

    from sunshine.accounts.devices import remember_device

    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        with app.test_request_context():
            response = Response()
            remember_device(response, "0" * 64)
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Secure" in response.headers["Set-Cookie"]


def test_successful_sign_ins_do_not_count_toward_the_lockout(client, factories) -> None:
    user = factories.user()
    for _ in range(7):
        client.sign_in(user.email, PASSWORD)
        client.submit("/account/logout", page="/")


def test_forms_without_a_csrf_token_are_refused(client, factories) -> None:
    user = factories.user()
    response = client.post("/account/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_sign_in_follows_local_next_links_only(client, factories) -> None:
    user = factories.user()
    token = client.csrf_token("/account/login")
    evil = client.post(
        "/account/login?next=https://evil.example/",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    assert evil.location == "/account/requests"  # their own start page, never the other site
    client.submit("/account/logout", page="/")
    token = client.csrf_token("/account/login")
    local = client.post(
        "/account/login?next=/account/", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert local.location == "/account/"


def test_sign_out_needs_a_post_and_ends_the_session(client, factories) -> None:
    user = factories.user()
    client.sign_in(user.email, PASSWORD)
    assert client.get("/account/logout").status_code == 405
    client.submit("/account/logout", page="/")
    assert client.get("/account/").status_code == 302


def test_password_reset_through_the_pages(app, client, factories) -> None:
    user = factories.user()
    response = client.submit("/account/forgot", {"email": user.email})
    assert response.status_code == 302
    path = _emailed_path(app, "account.password_reset")
    mismatch = client.submit(path, {"password": "new long password", "confirm": "different one"})
    assert mismatch.status_code == 400
    done = client.submit(path, {"password": "new long password", "confirm": "new long password"})
    assert done.status_code == 302
    reused = client.submit(
        path, {"password": "third long password", "confirm": "third long password"}, follow_redirects=True
    )
    assert "already been used" in reused.get_data(as_text=True)
    client.sign_in(user.email, "new long password")


def test_forgot_password_does_not_reveal_whether_an_account_exists(client, factories) -> None:
    user = factories.user()
    known = client.submit("/account/forgot", {"email": user.email}, follow_redirects=True)
    unknown = client.submit("/account/forgot", {"email": "ghost@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert "If an account uses that address" in known.get_data(as_text=True)
    assert "If an account uses that address" in unknown.get_data(as_text=True)


def test_each_role_starts_where_its_work_is(client, factories) -> None:
    from sunshine.authz import Role

    starts = {
        Role.REQUESTER: "/account/requests",
        Role.CUSTODIAN: "/staff/queue",
        Role.GENERAL_COUNSEL: "/staff/overdue",
        Role.UNIT_REVIEWER: "/staff/",
        Role.ADMINISTRATOR: "/staff/",
    }
    for role, start in starts.items():
        browser = client.application.test_client()
        person = factories.user(role)
        response = browser.sign_in(person.email, PASSWORD)
        assert response.location == start, role
        assert f"Signed in as {person.full_name}" in browser.get(start).get_data(as_text=True)
