"""Device cookies (OWASP): a browser that has signed in to an account before is known to it.

The per-account sign-in limit stops one address being guessed from many IPs, but on its own
it lets anyone lock the real owner out by failing ten times. A browser carrying a device
cookie for the account being tried is counted on its own budget instead, so guesses from
unknown browsers lock out only unknown browsers. The cookie is signed with the app's secret
under its own salt, names the account by the email's blind index (never the address), and
carries a random nonce that keys the device's own budget.
"""

from __future__ import annotations

import secrets

from flask import Response, current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from sunshine.crypto import cipher

COOKIE_NAME = "sunshine_device"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="sunshine.device-cookie")


def remember_device(response: Response, email_index: str) -> None:
    """Mark the browser receiving ``response`` as one that signed in to the account.

    A new nonce every sign-in: a budget used up by failures does not follow the next cookie.
    """
    value = _serializer().dumps({"acct": email_index, "nonce": secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"],
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def device_nonce(cookie: str | None, email: str) -> str | None:
    """The nonce of ``cookie`` when it is a valid, unexpired device cookie for ``email``; else None.

    A cookie for another account, a forged or expired one, or none at all gives None, and the
    sign-in is then limited like any unknown browser's.
    """
    if not cookie:
        return None
    try:
        data = _serializer().loads(cookie, max_age=current_app.config["DEVICE_COOKIE_MAX_AGE"])
    except BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(data, dict) or not isinstance(data.get("nonce"), str):
        return None
    if not secrets.compare_digest(str(data.get("acct", "")), cipher().blind_index(email)):
        return None
    return data["nonce"]
