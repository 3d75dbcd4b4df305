"""Who may read a request: found by its tracking number, opened by its requester or its secret link.

The secret token of the status link is shown once and kept only as its hash; the emails
after the receipt carry a key made from it (``status_key``) instead. Replacing the link is
an action on the request (``services.replace_access_token``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from flask import current_app
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.links import external_url
from sunshine.records.models import RecordsRequest


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TRACKING_NUMBER = re.compile(r"[0-9]{4}-[0-9]{6,}")


def find(tracking_number: str) -> RecordsRequest | None:
    """The request numbered ``tracking_number``; None for no such request or a malformed number."""
    if not TRACKING_NUMBER.fullmatch(tracking_number):
        return None
    return db.session.scalar(select(RecordsRequest).where(RecordsRequest.tracking_number == tracking_number))


def readable_by(request: RecordsRequest | None, user, token: str | None) -> bool:
    """The requester signed in, or anyone holding the secret status link (or a later email's key)."""
    if request is None:
        return False
    if token and (
        hmac.compare_digest(hash_token(token), request.access_token_hash)
        or hmac.compare_digest(token.encode(), status_key(request).encode())
    ):
        return True
    return bool(getattr(user, "is_authenticated", False) and request.requester_id == user.id)


def status_key(request: RecordsRequest) -> str:
    """A key that opens the status page like the secret token, for the emails after the receipt.

    The token is shown once and kept only as its hash, so later emails cannot carry it.
    They carry this instead: an HMAC of the request's number and token hash under the
    app's secret key. It is as hard to guess as the token and needs nothing stored. It
    opens what the token opens (the page, and the API as a bearer token) for as long as
    the token hash and the secret key stay the same: rotating the secret key retires
    every emailed link, as it ends every session.
    """
    message = f"records.status:{request.tracking_number}:{request.access_token_hash}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def status_link(request: RecordsRequest) -> str:
    """The status page's address for an email to the requester, with the key that opens it."""
    return external_url("records.status", tracking_number=request.tracking_number, token=status_key(request))


def link_replaceable_by_requester(request: RecordsRequest) -> bool:
    """Whether the status page may replace its own link: only when the requester can get the new one
    another way too (by email, or by signing in). Otherwise whoever held a leaked link could replace
    it and keep the only working one; then only staff replace it."""
    return bool(request.contact_email or request.requester_id)
