"""Account rules: registration, confirmation, reset links, staff, encryption at rest."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text

from sunshine.accounts import services as accounts
from sunshine.accounts.models import User
from sunshine.accounts.tokens import TokenError, make_token
from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.notifications.models import OutboxMessage
from tests.factories import PASSWORD

LINK = re.compile(r"https://records\.example\.gov/account/(?:confirm|reset)/(\S+)")


def _last_token(kind: str) -> str:
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no {kind} message in the outbox"
    return LINK.search(message.body).group(1)


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_registration_creates_an_unconfirmed_requester_and_emails_a_link(app_ctx) -> None:
    user = accounts.register_requester("new@example.org", "New Person", PASSWORD)
    assert user.roles == {Role.REQUESTER} and user.email_confirmed_at is None
    assert accounts.authenticate("new@example.org", PASSWORD).error.startswith("Confirm your email")
    accounts.confirm_email(_last_token("account.confirm_email"))
    assert accounts.authenticate("NEW@example.org ", PASSWORD).user.id == user.id
    assert _actions() == ["account.registered", "account.email_confirmed", "account.signed_in"]


def test_email_and_name_are_encrypted_at_rest(app_ctx) -> None:
    accounts.register_requester("secret.person@example.org", "Secret Person", PASSWORD)
    row = db.session.execute(text("SELECT email, full_name, email_index FROM user_account")).one()
    assert "secret" not in (row.email + row.full_name + row.email_index).lower()
    outbox = db.session.execute(text("SELECT recipient, body FROM outbox_message")).one()
    assert "secret" not in (outbox.recipient + outbox.body).lower()


def test_registering_an_address_again_in_any_case_makes_no_account_and_tells_its_owner(app_ctx) -> None:
    first = accounts.register_requester("twice@example.org", "A", PASSWORD)
    assert accounts.register_requester("Twice@Example.org", "B", "another long password") is None
    assert db.session.scalar(select(db.func.count(User.id))) == 1
    assert db.session.get(User, first.id).full_name == "A"
    notice = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "account.already_registered")
    ).one()
    assert notice.recipient == "twice@example.org"
    assert _actions() == ["account.registered", "account.registration_repeated"]


def test_a_switched_off_account_is_not_emailed_about_a_repeat_registration(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    requester = factories.user()
    accounts.set_active(admin, requester, False)
    assert accounts.register_requester(requester.email, "X", PASSWORD) is None
    kinds = db.session.scalars(select(OutboxMessage.kind))
    assert "account.already_registered" not in set(kinds)


def test_a_short_password_is_refused_whether_or_not_the_address_is_taken(app_ctx, factories) -> None:
    taken = factories.user()
    for email in (taken.email, "free@example.org"):
        with pytest.raises(accounts.AccountError, match="12 characters"):
            accounts.register_requester(email, "A", "short")


def test_short_passwords_are_refused_and_nothing_is_saved(app_ctx) -> None:
    with pytest.raises(accounts.AccountError, match="12 characters"):
        accounts.register_requester("short@example.org", "A", "short")
    db.session.rollback()
    assert db.session.scalar(select(db.func.count(User.id))) == 0
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_wrong_password_and_unknown_email_get_the_same_answer(app_ctx, factories) -> None:
    user = factories.user()
    wrong = accounts.authenticate(user.email, "not the password at all")
    unknown = accounts.authenticate("nobody@example.org", "not the password at all")
    assert wrong.user is None and unknown.user is None and wrong.error == unknown.error


def test_confirmation_link_expires_and_tampering_is_refused(app, app_ctx) -> None:
    user = accounts.register_requester("late@example.org", "Late", PASSWORD)
    token = _last_token("account.confirm_email")
    with pytest.raises(TokenError, match="not valid"):
        accounts.confirm_email(token[:-2] + "xx")
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    try:
        with pytest.raises(TokenError, match="expired"):
            accounts.confirm_email(token)
    finally:
        app.config["EMAIL_TOKEN_MAX_AGE"] = 48 * 3600
    assert db.session.get(User, user.id).email_confirmed_at is None


def test_reset_link_works_once_and_signs_out_other_sessions(app_ctx, factories) -> None:
    user = factories.user()
    old_session = user.get_id()
    accounts.request_password_reset(user.email)
    token = _last_token("account.password_reset")
    accounts.reset_password(token, "a brand new passphrase")
    assert accounts.authenticate(user.email, "a brand new passphrase").user is not None
    assert accounts.load_session_user(old_session) is None
    with pytest.raises(TokenError, match="already been used"):
        accounts.reset_password(token, "another new passphrase")


def test_reset_for_an_unknown_address_sends_nothing(app_ctx) -> None:
    accounts.request_password_reset("ghost@example.org")
    assert db.session.scalar(select(db.func.count(OutboxMessage.id))) == 0


def test_confirm_token_for_another_address_is_refused(app_ctx, factories) -> None:
    user = factories.user()
    forged = make_token("confirm", {"uid": user.id, "idx": "0" * 64})
    with pytest.raises(TokenError):
        accounts.confirm_email(forged)


def test_staff_invited_without_password_set_it_from_the_emailed_link(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    staff = accounts.create_staff(
        admin,
        email="clerk@example.org",
        full_name="Clerk",
        unit=factories.unit("RECORDS"),
        role=Role.CUSTODIAN,
    )
    assert staff.password_hash is None
    assert accounts.authenticate("clerk@example.org", "anything at all here").user is None
    accounts.reset_password(_last_token("staff.welcome"), "clerk chooses this one")
    signed_in = accounts.authenticate("clerk@example.org", "clerk chooses this one").user
    assert signed_in.roles == {Role.CUSTODIAN}
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "staff.created", AuditEvent.object_id == str(staff.id))
    ).one()
    assert event.actor_id == admin.id and event.details["role"] == "custodian"


def test_staff_accounts_need_a_staff_role(app_ctx, factories) -> None:
    with pytest.raises(accounts.AccountError, match="staff role"):
        accounts.create_staff(
            None, email="x@example.org", full_name="X", unit=factories.unit(), role=Role.REQUESTER
        )


def test_a_switched_off_account_cannot_sign_in_and_loses_its_sessions(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    clerk = factories.user(Role.CUSTODIAN)
    session_id = clerk.get_id()
    accounts.set_active(admin, clerk, False)
    assert accounts.load_session_user(session_id) is None
    assert "switched off" in accounts.authenticate(clerk.email, PASSWORD).error
    with pytest.raises(accounts.AccountError, match="your own"):
        accounts.set_active(admin, admin, False)


def test_an_administrator_acts_only_on_staff_and_units_of_their_own_body(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    county_unit = factories.unit("CLERK", "County Clerk", body="county")
    county_clerk = factories.user(Role.CUSTODIAN, unit="CLERK")
    city_clerk = factories.user(Role.CUSTODIAN)
    refusals = (
        lambda: accounts.set_active(admin, county_clerk, False),
        lambda: accounts.grant_role(admin, county_clerk, Role.UNIT_REVIEWER, factories.unit()),
        lambda: accounts.grant_role(admin, city_clerk, Role.UNIT_REVIEWER, county_unit),
        lambda: accounts.create_staff(
            admin, email="new@example.org", full_name="N", unit=county_unit, role=Role.CUSTODIAN
        ),
    )
    for refused in refusals:
        with pytest.raises(accounts.AccountError, match="public body"):
            refused()
        db.session.rollback()
    assert (
        county_clerk.active
        and county_clerk.roles == {Role.CUSTODIAN}
        and city_clerk.roles == {Role.CUSTODIAN}
    )
    assert accounts.find_by_email("new@example.org") is None
    accounts.grant_role(admin, city_clerk, Role.UNIT_REVIEWER, factories.unit())
    accounts.set_active(admin, city_clerk, False)
    assert city_clerk.roles == {Role.CUSTODIAN, Role.UNIT_REVIEWER} and not city_clerk.active


def test_an_administrator_role_without_a_unit_reaches_no_body(app_ctx, factories) -> None:
    from sunshine.accounts.models import RoleAssignment
    from sunshine.authz import Permission
    from sunshine.units import reach

    clerk = factories.user(Role.CUSTODIAN)
    unitless = factories.user()
    unitless.role_assignments.append(RoleAssignment(role=Role.ADMINISTRATOR, unit_id=None))
    db.session.commit()
    assert reach.body_ids(unitless, Permission.MANAGE_STAFF) == set()
    with pytest.raises(accounts.AccountError, match="public body"):
        accounts.set_active(unitless, clerk, False)


def test_revoking_an_api_token_is_audited_and_happens_once(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    clerk = factories.user(Role.CUSTODIAN)
    token = accounts.find_api_token(accounts.create_api_token(None, clerk, "case export"))
    accounts.revoke_api_token(admin, token.id)
    assert token.revoked_at is not None
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")).one()
    assert (event.actor_id, event.object_id) == (admin.id, str(clerk.id))
    assert event.details == {"token_id": token.id, "name": "case export", "reason": "revoked"}
    with pytest.raises(accounts.AccountError, match="already revoked"):
        accounts.revoke_api_token(admin, token.id)
    with pytest.raises(accounts.AccountError, match="No API token has the number 999"):
        accounts.revoke_api_token(admin, 999)


def test_an_api_token_is_revoked_by_its_holder_or_their_administrator_only(app_ctx, factories) -> None:
    clerk = factories.user(Role.CUSTODIAN)
    factories.unit("CLERK", body="county")
    county_admin = factories.user(Role.ADMINISTRATOR, unit="CLERK")
    colleague = factories.user(Role.CUSTODIAN)
    first, second = (
        accounts.find_api_token(accounts.create_api_token(None, clerk, name)) for name in ("one", "two")
    )
    for stranger in (county_admin, colleague):
        with pytest.raises(accounts.AccountError, match="public body you do not administer"):
            accounts.revoke_api_token(stranger, first.id)
    assert first.revoked_at is None
    accounts.revoke_api_token(clerk, first.id)
    accounts.revoke_api_token(None, second.id, actor_kind="cli")
    assert first.revoked_at and second.revoked_at


def test_switching_an_account_off_revokes_its_live_tokens(app_ctx, factories) -> None:
    admin = factories.user(Role.ADMINISTRATOR)
    clerk = factories.user(Role.CUSTODIAN)
    live, dead = (
        accounts.find_api_token(accounts.create_api_token(None, clerk, name)) for name in ("live", "dead")
    )
    accounts.revoke_api_token(clerk, dead.id)
    accounts.set_active(admin, clerk, False)
    assert live.revoked_at is not None
    revoked = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api_token.revoked")).all()
    assert [(e.details["token_id"], e.details["reason"]) for e in revoked] == [
        (dead.id, "revoked"),
        (live.id, "account switched off"),
    ]
