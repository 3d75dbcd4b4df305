"""Account rules: registration, confirmation, sign-in, passwords, staff.

Every function that changes state takes the acting user explicitly, records an
audit event, and commits; views, CLI commands and jobs all come through here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from sqlalchemy import select

from sunshine.accounts import passwords, tokens
from sunshine.accounts.models import ApiToken, RoleAssignment, User
from sunshine.audit.services import record
from sunshine.authz import Role
from sunshine.crypto import cipher
from sunshine.extensions import db
from sunshine.links import external_url
from sunshine.notifications.services import queue_email
from sunshine.timeutil import utcnow
from sunshine.units import reach
from sunshine.units.models import Department, Unit


class AccountError(ValueError):
    """A rule was broken; the message can be shown to the person as it is."""


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_index == cipher().blind_index(email)))


def _check_password(password: str) -> None:
    if len(password) < passwords.MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use a password of at least {passwords.MIN_PASSWORD_LENGTH} characters.")


def _new_user(email: str, full_name: str, password: str | None) -> User:
    email = email.strip()
    if find_by_email(email) is not None:
        # Only staff accounts reach here with a taken address (a requester's is answered by email),
        # so this is said to the administrator creating one, not to the address's owner.
        raise AccountError(
            "This email address already has an account, perhaps as a requester. A staff account needs "
            "an address of its own: use the person's work address."
        )
    if password is not None:
        _check_password(password)
    user = User(
        email=email,
        email_index=cipher().blind_index(email),
        full_name=full_name.strip(),
        password_hash=passwords.hash_password(password) if password is not None else None,
    )
    db.session.add(user)
    return user


# ---- requesters --------------------------------------------------------------------------


def register_requester(email: str, full_name: str, password: str) -> User | None:
    """Create an unconfirmed requester account and email a confirmation link.

    An address that already has an account gets no second one: its owner is emailed a notice
    instead and None is returned. The caller answers both the same way, so the form never
    tells a stranger which addresses have accounts.
    """
    _check_password(password)
    existing = find_by_email(email)
    if existing is not None:
        _tell_owner_of_repeat_registration(existing, password)
        return None
    user = _new_user(email, full_name, password)
    user.role_assignments.append(RoleAssignment(role=Role.REQUESTER))
    db.session.flush()
    record(None, "account.registered", user, details={"roles": [Role.REQUESTER.value]})
    _send_confirmation(user)
    db.session.commit()
    return user


def _tell_owner_of_repeat_registration(user: User, password: str) -> None:
    # Hashed and thrown away: a new account's hash takes time, and so must this answer.
    passwords.hash_password(password)
    if user.active:  # a switched-off account is told nothing, as for a password reset
        body = render_template(
            "email/already_registered.txt",
            user=user,
            sign_in_link=external_url("accounts.login"),
            reset_link=external_url("accounts.forgot_password"),
        )
        queue_email(
            user.email,
            "Someone tried to register with your email address",
            body,
            kind="account.already_registered",
        )
    record(None, "account.registration_repeated", user)
    db.session.commit()


def _send_confirmation(user: User) -> None:
    token = tokens.make_token("confirm", {"uid": user.id, "idx": user.email_index})
    link = external_url("accounts.confirm_email", token=token)
    body = render_template("email/confirm_email.txt", user=user, link=link)
    queue_email(user.email, "Confirm your email address", body, kind="account.confirm_email")


def resend_confirmation(email: str) -> None:
    """Send a new link if an unconfirmed account exists; say nothing either way."""
    user = find_by_email(email)
    if user is not None and user.email_confirmed_at is None and user.active:
        _send_confirmation(user)
        record(None, "account.confirmation_resent", user)
        db.session.commit()


def confirm_email(token: str) -> User:
    data = tokens.read_token("confirm", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or user.email_index != data.get("idx"):
        raise tokens.TokenError("This link is not valid. Check that you copied all of it.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        record(user, "account.email_confirmed", user)
        db.session.commit()
    return user


# ---- sign-in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInResult:
    user: User | None
    error: str | None


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials. Unknown email and wrong password give the same answer and time."""
    user = find_by_email(email)
    if user is None:
        passwords.dummy_verify(password)
        return SignInResult(None, "The email address or password is not right.")
    if not passwords.verify_password(user.password_hash, password):
        record(None, "account.sign_in_failed", user)
        db.session.commit()
        return SignInResult(None, "The email address or password is not right.")
    if not user.active:
        return SignInResult(None, "This account has been switched off. Contact the records office.")
    if user.email_confirmed_at is None:
        return SignInResult(
            None, "Confirm your email address first: use the link we sent you, or ask for a new one."
        )
    if passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = passwords.hash_password(password)
    user.last_login_at = utcnow()
    record(user, "account.signed_in", user)
    db.session.commit()
    return SignInResult(user, None)


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: the session names the user and the session version."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def sign_out_everywhere(user: User) -> None:
    """End every session of ``user``: sessions live in signed cookies, so a copied cookie would
    otherwise outlive a sign-out. Signing out of one browser signs out of all."""
    user.session_version += 1
    record(user, "account.signed_out", user)
    db.session.commit()


# ---- passwords -----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link if the account exists; the answer never tells."""
    user = find_by_email(email)
    if user is None or not user.active:
        return
    _send_password_link(user, "email/reset_password.txt", "Reset your password", "account.password_reset")
    record(None, "account.password_reset_requested", user)
    db.session.commit()


def _send_password_link(user: User, template: str, subject: str, kind: str) -> None:
    token = tokens.make_token(
        "reset", {"uid": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
    )
    link = external_url("accounts.reset_password", token=token)
    queue_email(user.email, subject, render_template(template, user=user, link=link), kind=kind)


def reset_token_user(token: str, max_age: int | None = None) -> User:
    """The account a password-reset link is for; TokenError if it is used, expired or not valid."""
    data = tokens.read_token("reset", token, max_age or current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data.get("uid"))
    if user is None or tokens.password_fingerprint(user.password_hash) != data.get("pw"):
        raise tokens.TokenError("This link has already been used or is not valid. Ask for a new one.")
    return user


def reset_password(token: str, new_password: str, max_age: int | None = None) -> User:
    """Set a new password from a reset link; the link then stops working."""
    user = reset_token_user(token, max_age)
    _check_password(new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.session_version += 1
    # Following the emailed link proves the address, as confirmation would.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    record(user, "account.password_reset", user)
    db.session.commit()
    return user


# ---- staff ---------------------------------------------------------------------------------


def create_staff(
    actor: User | None,
    *,
    email: str,
    full_name: str,
    unit: Unit,
    role: Role,
    password: str | None = None,
    actor_kind: str | None = None,
) -> User:
    """Create a staff account with one role in one unit.

    Without ``password`` the person is emailed a link to set their own (the admin
    page path); with it (the CLI path) the account can sign in at once. An administrator
    (``actor``) creates staff only in the bodies they reach (sunshine.units.reach).
    """
    if not role.is_staff:
        raise AccountError("Staff accounts need a staff role.")
    if actor is not None and not reach.reaches_unit(actor, unit):
        raise AccountError(_OUTSIDE_REACH)
    if not unit.active:
        raise AccountError(
            f"{unit.name} ({unit.code}) is closed: reopen it at /admin/units first, or choose another unit."
        )
    user = _new_user(email, full_name, password)
    user.email_confirmed_at = utcnow() if password is not None else None
    user.role_assignments.append(RoleAssignment(role=role, unit_id=unit.id))
    db.session.flush()
    record(
        actor,
        "staff.created",
        user,
        details={"role": role.value, "unit_id": unit.id},
        actor_kind=actor_kind,
    )
    if password is None:
        _send_password_link(user, "email/staff_welcome.txt", "Your records system account", "staff.welcome")
    db.session.commit()
    return user


_OUTSIDE_REACH = "Choose a unit of a public body you administer."
_NOT_YOURS = "This person is staff of a public body you do not administer: ask that body's administrator."


def grant_role(actor: User | None, user: User, role: Role, unit: Unit | None) -> RoleAssignment:
    """Give ``user`` ``role`` in ``unit``. An administrator grants only in units of the bodies
    they reach, and only to people who are not staff elsewhere; the command line (no actor)
    grants anywhere."""
    if role.is_staff and unit is None:
        raise AccountError("A staff role is held in a unit: choose one.")
    if actor is not None:
        if unit is not None and not reach.reaches_unit(actor, unit):
            raise AccountError(_OUTSIDE_REACH)
        if user.is_staff and not reach.manages(actor, user):
            raise AccountError(_NOT_YOURS)
    if any(a.role == role and a.unit_id == (unit.id if unit else None) for a in user.role_assignments):
        raise AccountError("This person already holds that role in that unit.")
    assignment = RoleAssignment(role=role, unit_id=unit.id if unit else None)
    user.role_assignments.append(assignment)
    db.session.flush()
    record(actor, "role.granted", user, details={"role": role.value, "unit_id": unit.id if unit else None})
    db.session.commit()
    return assignment


def set_active(actor: User, user: User, active: bool) -> None:
    """Switch an account on or off, ending its sessions. Staff are switched only by an
    administrator who manages them (every staff role in a body the actor reaches)."""
    if user.id == actor.id and not active:
        raise AccountError("You cannot switch off your own account.")
    if user.is_staff and not reach.manages(actor, user):
        raise AccountError(_NOT_YOURS)
    user.active = active
    user.session_version += 1
    record(actor, "account.activated" if active else "account.deactivated", user)
    if not active:  # for good: switching the account back on does not bring its tokens back
        for token in live_api_tokens(user):
            _revoke(actor, token, reason="account switched off")
    db.session.commit()


def staff_members(body_ids: set[int]) -> list[User]:
    """People holding a staff role in a unit of any of ``body_ids``."""
    staff_roles = [r for r in Role if r.is_staff]
    return list(
        db.session.scalars(
            select(User)
            .join(User.role_assignments)
            .join(RoleAssignment.unit)
            .join(Unit.department)
            .where(RoleAssignment.role.in_(staff_roles), Department.body_id.in_(body_ids))
            .distinct()
        )
    )


def record_staff_list_view(actor: User, user_ids: list[int]) -> None:
    """Staff names and addresses are personal data: every view of the list is on the record."""
    record(actor, "staff.list_viewed", object_type="user_account", details={"user_ids": user_ids})
    db.session.commit()


def holders_of(role: Role, unit_ids: list[int]) -> list[User]:
    """Active people holding ``role`` in any of ``unit_ids``."""
    return list(
        db.session.scalars(
            select(User)
            .join(User.role_assignments)
            .where(RoleAssignment.role == role, RoleAssignment.unit_id.in_(unit_ids), User.active.is_(True))
            .distinct()
        )
    )


# ---- API tokens ------------------------------------------------------------------------------

API_TOKEN_PREFIX = "sst_"  # noqa: S105 - a public prefix that marks staff tokens, not a secret


def _token_hash(token: str) -> str:
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(actor: User | None, user: User, name: str, actor_kind: str | None = None) -> str:
    """Issue a token for ``user`` (staff only); returns it once, stores only its hash."""
    import secrets

    if not user.is_staff:
        raise AccountError("API tokens are for staff accounts.")
    if not name.strip():
        raise AccountError("Name the token after the integration that will use it.")
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip(), token_hash=_token_hash(token))
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "api_token.created",
        user,
        details={"token_id": row.id, "name": row.name},
        actor_kind=actor_kind,
    )
    db.session.commit()
    return token


def find_api_token(token: str) -> ApiToken | None:
    """The stored row of ``token``, live or revoked, found by its hash."""
    if not token.startswith(API_TOKEN_PREFIX):
        return None
    return db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))


def user_for_api_token(token: str) -> User | None:
    """The active staff member a live token belongs to, noting its use; None otherwise."""
    row = find_api_token(token)
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    db.session.commit()
    return row.user


def revoke_api_token(actor: User | None, token_id: int, actor_kind: str | None = None) -> ApiToken:
    """Revoke a token for good: from the next call, the API answers it 401.

    Its holder may revoke it, and so may an administrator who manages the holder
    (sunshine.units.reach); the command line (no actor) revokes any.
    """
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise AccountError(f"No API token has the number {token_id}.")
    if actor is not None and actor.id != token.user_id and not reach.manages(actor, token.user):
        raise AccountError(_NOT_YOURS)
    if token.revoked_at is not None:
        raise AccountError(f"The token “{token.name}” was already revoked on {token.revoked_at:%-d %b %Y}.")
    _revoke(actor, token, reason="revoked", actor_kind=actor_kind)
    db.session.commit()
    return token


def _revoke(actor: User | None, token: ApiToken, *, reason: str, actor_kind: str | None = None) -> None:
    token.revoked_at = utcnow()
    record(
        actor,
        "api_token.revoked",
        token.user,
        details={"token_id": token.id, "name": token.name, "reason": reason},
        actor_kind=actor_kind,
    )


def live_api_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)))
    )


def api_tokens_of(user_ids: list[int]) -> list[ApiToken]:
    """Every token, live or revoked, of the people in ``user_ids``: never the tokens themselves,
    which are not stored, only their names and dates."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id.in_(user_ids)).order_by(ApiToken.user_id, ApiToken.id)
        )
    )
