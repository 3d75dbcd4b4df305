"""/api/v1: parse JSON with the schemas, call the records services, answer JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, jsonify, request, url_for
from pydantic import ValidationError
from sqlalchemy import and_, or_, select, tuple_

from sunshine.accounts.models import User
from sunshine.accounts.services import user_for_api_token
from sunshine.api.openapi import build_spec
from sunshine.api.schemas import RequestIn, StaffRequestIn
from sunshine.audit.queries import case_history
from sunshine.authz import Permission, can, units_where
from sunshine.clocks import services as clocks
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.clocks.queries import Cursor
from sunshine.extensions import csrf, db, limiter
from sunshine.ids import as_id
from sunshine.records import access, filing, services
from sunshine.records.citation_settings import current_table
from sunshine.records.models import Channel, RecordsRequest
from sunshine.records.states import Status
from sunshine.records.web import KEY_IN_REFUSED, PUBLIC_ACTIONS, file_at_records_unit, keys_in

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # token-authenticated JSON, never a browser form


def _fail(status: int, message: str, fields: dict[str, str] | None = None):
    from werkzeug.http import HTTP_STATUS_CODES

    body = {"status": status, "title": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(error=body), status


def _refused(exc: services.RequestError):
    """400 for a broken filing rule, each one also under ``fields`` by its place in the JSON body."""
    fields = {name.replace("contact_", "contact.", 1): message for name, message in exc.problems}
    return _fail(400, str(exc), fields or None)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


@bp.route("/openapi.json")
def openapi():
    return jsonify(build_spec(url_for("api.openapi", _external=True).rsplit("/", 1)[0]))


@bp.route("/requests", methods=["POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"])
def file_request():
    if not request.is_json:
        return _fail(415, "Send the request as JSON, with Content-Type: application/json.")
    data, refused = _parse(RequestIn)
    if refused:
        return refused
    try:
        filed = file_at_records_unit(None, _intake(data), channel=Channel.API)
    except services.RequestError as exc:
        db.session.rollback()
        return _refused(exc)
    return _created(filed, url_for("api.get_request", tracking_number=filed.tracking_number))


def _parse(model):
    """The JSON body read into ``model``, or (None, the 400/415 answer saying what is wrong)."""
    if not request.is_json:
        return None, _fail(415, "Send the request as JSON, with Content-Type: application/json.")
    try:
        return model.model_validate_json(request.get_data()), None
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):
            return None, _fail(400, "The body is not valid JSON.")
        fields = {".".join(str(p) for p in err["loc"]) or "body": err["msg"] for err in exc.errors()}
        return None, _fail(400, "Some fields are not valid; see fields.", fields)


def _intake(data: RequestIn) -> filing.Intake:
    return filing.Intake(
        description=data.description,
        preferred_format=data.preferred_format,
        delivery=data.delivery,
        date_from=data.date_from,
        date_to=data.date_to,
        fee_waiver_requested=data.fee_waiver_requested,
        public_interest_statement=data.public_interest_statement,
        contact_name=data.contact.name,
        contact_email=data.contact.email,
        contact_phone=data.contact.phone,
        contact_address=data.contact.address,
    )


def _created(filed: filing.Filed, location: str):
    """201 with the tracking number, dates and the access token (shown this once)."""
    number = filed.tracking_number
    # With the token, which opens the page: a request filed without an account is not readable without it.
    status_url = url_for("records.status", tracking_number=number, token=filed.access_token, _external=True)
    response = jsonify(
        tracking_number=number,
        status=filed.status.value,
        received_on=filed.received_on.isoformat(),
        response_due=filed.response_due.isoformat(),
        status_url=status_url,
        access_token=filed.access_token,
    )
    response.status_code = 201
    response.headers["Location"] = location
    return response


@bp.route("/requests/<tracking_number>")
def get_request(tracking_number: str):
    record = access.find(tracking_number)
    if not access.readable_by(record, None, _bearer()):
        return _fail(404, "No request with that number opens with that token.")
    clock = services.response_clock(record)
    open_clock = clock if clock is not None and clock.outcome is Outcome.OPEN else None
    history = [
        {"at": e.occurred_at.isoformat() + "Z", "event": e.action.split(".", 1)[1]}
        for e in case_history(services.CASE_TYPE, record.id)
        if e.action in PUBLIC_ACTIONS
    ]
    return jsonify(
        tracking_number=record.tracking_number,
        status=record.status.value,
        status_label=record.status.label,
        received_on=record.custodian_received_on.isoformat(),
        # A paused clock has no due date until it resumes: the explanation says how much is left.
        response_due=open_clock.due_on.isoformat() if open_clock and not open_clock.is_paused else None,
        response_paused=bool(open_clock and open_clock.is_paused),
        response_due_explanation=open_clock.explanation if open_clock else None,
        citations=_citations(record),
        history=history,
    )


def _citations(record: RecordsRequest) -> list[dict]:
    """The request's citations (``Citation``), named from the live table, retired ones included."""
    table = current_table()
    return [
        {"code": c.code, "short_name": table.short_name(c.code), "finding": c.finding}
        for c in record.citations
    ]


def _staff_user():
    """The holder of the bearer staff token if they work a records queue, else the error answer."""
    token = _bearer()
    user = user_for_api_token(token) if token else None
    if user is None:
        return None, _fail(401, "Send a staff API token as 'Authorization: Bearer <token>'.")
    if not can(user, Permission.WORK_RECORDS_QUEUE):
        return None, _fail(403, "This token's holder does not work a records queue.")
    return user, None


@bp.route("/staff/requests/<tracking_number>")
def staff_request(tracking_number: str):
    user, refused = _staff_user()
    if refused:
        return refused
    record = access.find(tracking_number)
    if record is None or record.unit_id not in units_where(user, Permission.WORK_RECORDS_QUEUE):
        return _fail(404, "No request with that number in your units.")
    services.record_staff_view(user, record)  # it holds the requester's personal data
    return jsonify(_staff_detail(record))


def _staff_detail(record: RecordsRequest) -> dict:
    """A request as its custodian sees it (``StaffRequestDetail``)."""
    deadlines = sorted(clocks.open_clocks_for_case(services.CASE_TYPE, record.id), key=lambda c: c.due_on)
    assignee = db.session.get(User, record.assigned_to_id) if record.assigned_to_id else None
    return {
        "tracking_number": record.tracking_number,
        "status": record.status.value,
        "channel": record.channel.value,
        "first_received_at": record.first_received_at.isoformat() + "Z",
        "received_on": record.custodian_received_on.isoformat(),
        "description": record.description,
        "date_from": record.date_from.isoformat() if record.date_from else None,
        "date_to": record.date_to.isoformat() if record.date_to else None,
        "preferred_format": record.preferred_format.value,
        "delivery": record.delivery.value,
        "fee_waiver_requested": record.fee_waiver_requested,
        "public_interest_statement": record.public_interest_statement,
        "contact": {
            "name": record.contact_name,
            "email": record.contact_email,
            "phone": record.contact_phone,
            "address": record.contact_address,
        },
        "assigned_to": assignee.full_name if assignee else None,
        "deadlines": [
            {
                "kind": c.kind.value,
                "due_on": c.due_on.isoformat(),
                "paused": c.is_paused,
                "explanation": c.explanation,
            }
            for c in deadlines
        ],
        "citations": _citations(record),
        "history": [
            {"at": e.occurred_at.isoformat() + "Z", "action": e.action}
            for e in case_history(services.CASE_TYPE, record.id)
        ],
    }


@bp.route("/staff/requests", methods=["POST"])
def staff_file_request():
    """Key in a request that came by email, mail, fax, phone or in person (an inbox integration, say)."""
    user, refused = _staff_user()
    if refused:
        return refused
    if not keys_in(user):
        return _fail(403, KEY_IN_REFUSED)
    data, refused = _parse(StaffRequestIn)
    if refused:
        return refused
    try:
        filed = file_at_records_unit(
            user,
            _intake(data),
            channel=Channel(data.channel),
            first_received_at=filing.noon(data.first_received_on),
            custodian_received_on=data.custodian_received_on or data.first_received_on,
        )
    except services.RequestError as exc:
        db.session.rollback()
        return _refused(exc)
    return _created(filed, url_for("api.staff_request", tracking_number=filed.tracking_number))


STAFF_PAGE = 100  # requests per page of the staff list, unless ``limit`` says otherwise
STAFF_PAGE_MAX = 500


@bp.route("/staff/requests")
def staff_requests():
    """Open requests in the token holder's units, soonest due first; ``next`` continues the list."""
    user, refused = _staff_user()
    if refused:
        return refused
    limit = request.args.get("limit", str(STAFF_PAGE))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= STAFF_PAGE_MAX:
        return _fail(400, f"limit must be a whole number from 1 to {STAFF_PAGE_MAX}.", {"limit": limit[:40]})
    after = request.args.get("after")
    try:
        place = _StaffPlace.parse(after) if after is not None else None
    except ValueError:
        return _fail(400, "after must be the 'next' value of an earlier page.", {"after": after[:40]})
    due = (
        select(Clock.case_id, Clock.due_on)
        .where(
            Clock.case_type == services.CASE_TYPE,
            Clock.kind == ClockKind.SUNSHINE_RESPONSE,
            Clock.outcome == Outcome.OPEN,
            Clock.paused_at.is_(None),  # paused: no due date until it resumes
        )
        .subquery()
    )
    query = (
        select(RecordsRequest, due.c.due_on)
        .outerjoin(due, due.c.case_id == RecordsRequest.id)
        .where(
            RecordsRequest.unit_id.in_(units_where(user, Permission.WORK_RECORDS_QUEUE)),
            RecordsRequest.status.not_in([Status.CLOSED, Status.WITHDRAWN]),
        )
    )
    if place is not None:
        query = query.where(place.after(due.c.due_on, RecordsRequest.id))
    rows = db.session.execute(
        query.order_by(due.c.due_on.is_(None), due.c.due_on, RecordsRequest.id).limit(int(limit) + 1)
    ).all()
    shown = rows[: int(limit)]
    more = len(rows) > len(shown)
    return jsonify(
        requests=[
            {
                "tracking_number": r.tracking_number,
                "status": r.status.value,
                "received_on": r.custodian_received_on.isoformat(),
                "response_due": d.isoformat() if d else None,
                "channel": r.channel.value,
            }
            for r, d in shown
        ],
        next=str(_StaffPlace(shown[-1][1], shown[-1][0].id)) if more else None,
    )


@dataclass(frozen=True)
class _StaffPlace:
    """A place in the staff list's order: response due date (none last), then request id.

    Written ``2026-03-04.1234``, or ``none.1234`` for a request with no response clock
    running (it was answered and waits on payment or release, say, or its clock is paused).
    """

    due_on: date | None
    request_id: int

    def __str__(self) -> str:
        return f"{self.due_on.isoformat() if self.due_on else 'none'}.{self.request_id}"

    @classmethod
    def parse(cls, text: str) -> _StaffPlace:
        """Raises ValueError on anything but the two forms above (the dated one is the queue's)."""
        day, dot, number = text.partition(".")
        if day == "none" and dot and as_id(number) is not None:
            return cls(None, as_id(number))
        place = Cursor.parse(text)
        return cls(place.due_on, place.clock_id)

    def after(self, due_on, request_id):
        """The condition for rows after this place in the list's order."""
        if self.due_on is None:
            return and_(due_on.is_(None), request_id > self.request_id)
        return or_(due_on.is_(None), tuple_(due_on, request_id) > tuple_(self.due_on, self.request_id))
