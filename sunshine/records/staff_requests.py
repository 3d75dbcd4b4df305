"""A custodian's list of every request in their units, and keying in a request that came another way."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from sunshine.authz import Permission, requires, units_where
from sunshine.clocks.models import Clock
from sunshine.clocks.policies import ClockKind, Outcome
from sunshine.extensions import db
from sunshine.ids import as_id
from sunshine.records import access, filing, forms, services
from sunshine.records.models import Channel, RecordsRequest
from sunshine.records.states import Status
from sunshine.records.web import (
    KEY_IN_REFUSED,
    bp,
    field_named,
    file_at_records_unit,
    hold_link,
    keys_in,
    staff_names,
)

LIST_PAGE = 50
# The staff list's filters: open requests (the default), every status by itself, or all.
LIST_FILTERS = {"open": RecordsRequest.status.not_in([Status.CLOSED, Status.WITHDRAWN]), "all": None} | {
    s.value: RecordsRequest.status == s for s in Status
}


@bp.route("/staff/requests")
@requires(Permission.WORK_RECORDS_QUEUE)
def staff_list():
    """Every request in the custodian's units, newest first, by status; or straight to one by number.

    The way back to a case the queue no longer lists because no deadline of it runs
    (decided and waiting on release or closing, say), and to a number read out on the phone.
    It shows no personal data, so viewing it is not a view of any request.
    """
    units = units_where(current_user, Permission.WORK_RECORDS_QUEUE)
    number = _tidy_number(request.args.get("number") or "")
    status = request.args.get("status", "open")
    code, number_error = 200, None
    if number and not access.TRACKING_NUMBER.fullmatch(number):
        number_error, code = "Tracking numbers look like 2026-000123: the year, a hyphen and six digits.", 400
    elif number:
        found = access.find(number)
        if found is not None and found.unit_id in units:
            return redirect(url_for("records.case", request_id=found.id))
        number_error, code = f"No request numbered {number} is in your units.", 404
    if status not in LIST_FILTERS:
        flash("Choose one of the statuses listed.", "error")
        status, code = "open", 400
    before = as_id(request.args.get("before") or "")
    query = select(RecordsRequest).where(RecordsRequest.unit_id.in_(units or {-1}))
    if LIST_FILTERS[status] is not None:
        query = query.where(LIST_FILTERS[status])
    if before is not None:
        query = query.where(RecordsRequest.id < before)
    rows = list(db.session.scalars(query.order_by(RecordsRequest.id.desc()).limit(LIST_PAGE + 1)))
    shown = rows[:LIST_PAGE]
    page = render_template(
        "records/staff_list.html",
        requests=shown,
        status=status,
        statuses=[("open", "Open"), *((s.value, s.staff_label) for s in Status), ("all", "All")],
        number=number,
        number_error=number_error,
        older=shown[-1].id if len(rows) > LIST_PAGE else None,
        due=_response_due({r.id for r in shown}),
        assignees=staff_names({r.assigned_to_id for r in shown if r.assigned_to_id}),
    )
    return page, code


def _tidy_number(text: str) -> str:
    """A tracking number typed without its hyphen: "2026000123" or "2026 123" is 2026-000123.

    Anything with a hyphen is taken exactly as typed, so a mistyped number is refused rather
    than turned into another, real request's number.
    """
    text = text.strip()
    if "-" in text or len(text) > 20 or not text.isascii():
        return text
    parts = text.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts) and len(parts[0]) == 4 and len(parts[1]) <= 6:
        return f"{parts[0]}-{parts[1].rjust(6, '0')}"
    if text.isdigit() and len(text) >= 10:  # the year, then all of the number's six or more digits
        return f"{text[:4]}-{text[4:]}"
    return text


def _response_due(request_ids: set[int]) -> dict[int, Clock]:
    """The running response clock of each of ``request_ids`` that has one."""
    if not request_ids:
        return {}
    running = select(Clock).where(
        Clock.case_type == services.CASE_TYPE,
        Clock.case_id.in_(request_ids),
        Clock.kind == ClockKind.SUNSHINE_RESPONSE,
        Clock.outcome == Outcome.OPEN,
    )
    return {clock.case_id: clock for clock in db.session.scalars(running)}


@bp.route("/staff/requests/new", methods=["GET", "POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def staff_new():
    """Key in a request that came by mail, email, fax, phone or at the counter."""
    if not keys_in(current_user):
        abort(403, KEY_IN_REFUSED)
    form = forms.StaffIntakeForm()
    if form.validate_on_submit():
        try:
            filed = file_at_records_unit(
                current_user,
                form.intake(),
                channel=Channel(form.channel.data),
                first_received_at=filing.noon(form.first_received_on.data),
                custodian_received_on=form.custodian_received_on.data,
            )
        except services.RequestError as exc:
            for name, message in exc.problems or [(None, str(exc))]:
                field_named(form, name, form.custodian_received_on).errors.append(message)
        else:
            flash(f"Request {filed.tracking_number} recorded.", "success")
            # Its private link, shown once, for staff to send the requester by mail or read out.
            hold_link("new_link", filed.tracking_number, filed.access_token, new=True)
            return redirect(url_for("records.replace_link", request_id=filed.request_id))
    return render_template("records/staff_new.html", form=form), 400 if form.errors else 200
