"""The records blueprint and what its requester and custodian pages share."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, send_file, session
from sqlalchemy import select

from sunshine.accounts.models import User
from sunshine.crypto import cipher
from sunshine.extensions import db
from sunshine.records import filing, services
from sunshine.records.models import RecordsRequest

bp = Blueprint("records", __name__)

PUBLIC_ACTIONS = {
    "request.fee_accepted",
    "request.assigned",
    "request.statement_of_grounds_given",
    "request.released",
    "request.message",
    "request.ask_clarification",
    "request.clarified",
    "request.fee_estimate",
    "request.request_payment",
    "request.paid",
    "request.fee_waiver_decided",
    "request.delay",
    "request.filed",
    "request.acknowledge",
    "request.grant",
    "request.partial_grant",
    "request.deny",
    "request.close",
    "request.withdraw",
    "request.statement_of_grounds_asked",
    "request.link_replaced",
}


# What each event on a request's record is called on its pages (others: their name in words).
HISTORY_LABELS = {
    "request.filed": "Request received",
    "request.acknowledge": "Acknowledged",
    "request.ask_clarification": "Asked the requester to clarify",
    "request.clarified": "The requester clarified",
    "request.fee_estimate": "Fees estimated",
    "request.request_payment": "Payment asked for",
    "request.fee_accepted": "Fee estimate accepted",
    "request.paid": "Payment recorded",
    "request.fee_waiver_decided": "Fee waiver decided",
    "request.delay": "Delay notice given",
    "request.grant": "Granted in full",
    "request.partial_grant": "Granted in part",
    "request.deny": "Denied",
    "request.close": "Closed",
    "request.withdraw": "Withdrawn",
    "request.assigned": "Assigned to a custodian",
    "request.message": "Message",
    "request.note_added": "Internal note added",
    "request.statement_of_grounds_asked": "Statement of grounds asked for",
    "request.statement_of_grounds_given": "Statement of grounds given",
    "request.released": "Records released",
    "request.release_failed": "Release packet failed",
    "request.link_replaced": "Status link replaced",
    "letter.generated": "Letter written",
    "document.received": "Record uploaded",
    "document.scanned": "Record checked for sensitive data",
    "document.refused": "Upload refused",
    "finding.resolved": "Sensitive-data finding resolved",
}


def history_label(action: str) -> str:
    return HISTORY_LABELS.get(action) or action.split(".", 1)[-1].replace("_", " ").capitalize()


def field_named(form, name: str | None, default):
    """The form's field called ``name`` (the field a broken rule is about), else ``default``."""
    found = getattr(form, name, None) if name else None
    return found if found is not None and hasattr(found, "errors") else default


KEY_IN_REFUSED = "Requests are keyed in by the custodians of the records unit, where they are filed."


def keys_in(user) -> bool:
    """Whether ``user`` may key in requests: they work the queue of the unit requests are filed at
    (else the request, once filed, would be out of their sight). True while there is no such unit,
    which filing answers with a 503."""
    from sunshine.authz import Permission, can
    from sunshine.units.services import unit_by_code

    unit = unit_by_code(current_app.config["RECORDS_UNIT_CODE"])
    return unit is None or can(user, Permission.WORK_RECORDS_QUEUE, unit_id=unit.id)


def file_at_records_unit(actor, intake: filing.Intake, **how) -> filing.Filed:
    """File a request at the unit that takes requests (RECORDS_UNIT_CODE); 503 if there is none yet."""
    try:
        return filing.file_request(actor, intake, unit_code=current_app.config["RECORDS_UNIT_CODE"], **how)
    except filing.NoRecordsUnit:
        db.session.rollback()
        abort(
            503,
            "Requests cannot be taken yet: no records unit is set up. Please contact the office directly.",
        )


def send_release(record: RecordsRequest, release_id: int):
    """The released packet ``release_id`` of ``record`` as a download; 404 unless it is ready."""
    from sunshine.documents.models import Release, ReleaseStatus
    from sunshine.documents.storage import storage

    row = db.session.get(Release, release_id)
    if row is None or (row.case_type, row.case_id) != (services.CASE_TYPE, record.id):
        abort(404)
    if row.status is not ReleaseStatus.READY:  # still being built, or failed: no file to give
        abort(404)
    return _sent(
        storage().open(row.storage_key),
        mimetype="application/pdf",
        download_name=f"{record.tracking_number}-records-{row.id}.pdf",
    )


def send_letter(record: RecordsRequest, letter_id: int):
    from sunshine.documents.storage import storage
    from sunshine.letters.models import Letter

    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.case_type != services.CASE_TYPE or letter.case_id != record.id:
        abort(404)
    return _sent(
        storage().open(letter.storage_key),
        download_name=f"{record.tracking_number}-{letter.kind}.docx",
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


def _sent(handle, **how):
    """A stored file opened as a download, with its length, so a browser shows the progress."""
    from sunshine.documents.storage import size

    length = size(handle)
    response = send_file(handle, as_attachment=True, **how)
    if response.status_code == 200:  # the whole file (never a part or a not-modified)
        response.content_length = length
    return response


# How long a new link waits in the session for the page that shows it: long enough for a slow
# redirect, short enough that a copy of the cookie (in a log, say) is soon of no use.
HELD_LINK_SECONDS = 10 * 60


def hold_link(kind: str, tracking_number: str, token: str, **extra) -> None:
    """Keep a new secret status link for the next page, which shows it once.

    Encrypted, and readable for HELD_LINK_SECONDS only: the session cookie is signed, not
    encrypted, so whatever sees the cookie (a log, a proxy) would otherwise read the link in it,
    and a copy of the cookie replayed later would be shown it again.
    """
    session[kind] = {"tracking_number": tracking_number, "token": cipher().encrypt(token), **extra}


def take_link(kind: str, tracking_number: str) -> tuple[str, dict] | None:
    """The link held for ``tracking_number`` and what was kept with it, taken so that it shows once;
    None when there is none, it is for another request, or it cannot be read."""
    held = session.pop(kind, None)
    if not isinstance(held, dict) or held.get("tracking_number") != tracking_number:
        return None
    try:
        return cipher().decrypt(held["token"], ttl=HELD_LINK_SECONDS), held
    except (KeyError, TypeError, ValueError):
        return None


def staff_names(user_ids: set[int]) -> dict[int, str]:
    """The full name of each of ``user_ids``, by id (for assignees and who acted)."""
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids))).all())
