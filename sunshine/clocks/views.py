"""The custodian's queue and the administrator's calendar page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from sunshine import calendar as cal
from sunshine.authz import Permission, requires, units_where
from sunshine.clocks import closures, queries, settings
from sunshine.clocks.cases import case_type
from sunshine.clocks.forms import ClosureForm, PolicyLengthForm
from sunshine.clocks.policies import DEFAULT_POLICIES, ClockKind
from sunshine.clocks.services import ClockError, calendar_for, local_today
from sunshine.extensions import db
from sunshine.forms import BrowserForm
from sunshine.ids import as_id
from sunshine.units import reach
from sunshine.units.models import PublicBody, Unit

bp = Blueprint("deadlines", __name__)


@bp.app_template_filter("case_url")
def case_url(clock) -> str | None:
    registered = case_type(clock.case_type)
    return url_for(registered.endpoint, **{registered.id_arg: clock.case_id}) if registered else None


@bp.route("/staff/queue")
@requires(Permission.WORK_RECORDS_QUEUE)
def queue():
    status = request.args.get("status", "all")
    if status not in queries.FILTERS:
        abort(400, "Choose a filter from the list: all, overdue, due soon or paused.")
    try:
        after, before = (
            queries.Cursor.parse(request.args[name]) if request.args.get(name) else None
            for name in ("after", "before")
        )
    except ValueError:
        abort(400, "That page link is damaged: go back to the first page of the queue.")
    case_statuses = queries.case_statuses()
    case_status = request.args.get("case_status") or None
    if case_status is not None and case_status not in case_statuses:
        abort(400, "Choose a case status from the list, or all case statuses.")
    allowed = units_where(current_user, Permission.WORK_RECORDS_QUEUE)
    unit_id = request.args.get("unit", type=int)
    if unit_id is not None and unit_id not in allowed:
        abort(403)
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(allowed)).order_by(Unit.name)))
    result = queries.queue(allowed, status, unit_id, case_status, after=after, before=before)
    return render_template(
        "deadlines/queue.html",
        result=result,
        status=status,
        case_status=case_status,
        case_statuses=case_statuses,
        unit_id=unit_id,
        units=units,
        policies=DEFAULT_POLICIES,
        filters=list(queries.FILTERS),
    )


@bp.route("/staff/overdue")
@requires(Permission.HEAR_APPEALS)
def overdue():
    """Every overdue staff deadline of general counsel's bodies: what the escalation emails point to.

    Counsel does not work the queue, so this lists the deadlines themselves (number, what is
    due, since when, which unit) with no personal data; a case links only for those who work
    its queue.
    """
    bodies = reach.body_ids(current_user, Permission.HEAR_APPEALS)
    late = queries.overdue_in(bodies)
    today = {body_id: local_today(db.session.get(PublicBody, body_id)) for body_id in bodies}
    calendars = {body_id: calendar_for(body_id) for body_id in bodies}
    return render_template(
        "deadlines/overdue.html",
        clocks=late,
        # Counted on each body's own calendar, closures included; never below zero, should a
        # clock still be marked overdue after its date was moved later.
        days_late={
            c.id: cal.business_days_between(c.due_on, max(c.due_on, today[c.body_id]), calendars[c.body_id])
            for c in late
        },
        units={
            u.id: u.name
            for u in db.session.scalars(select(Unit).where(Unit.id.in_({c.unit_id for c in late})))
        },
        workable=units_where(current_user, Permission.WORK_RECORDS_QUEUE),
        policies=DEFAULT_POLICIES,
    )


def admin_body() -> PublicBody:
    """The body an administrator's page is about: ``?body=``, else the first body they reach.

    Only bodies they reach (sunshine.units.reach) are found: any other ``?body=`` is a 404,
    the same as a body that does not exist.
    """
    reached = reach.body_ids(current_user, Permission.MANAGE_UNITS)
    if "body" in request.args:
        body_id = as_id(request.args["body"])
        if body_id not in reached:
            abort(404)
    else:
        body_id = min(reached, default=None)
    body = db.session.get(PublicBody, body_id) if body_id else None
    if body is None:
        abort(404)
    return body


@bp.route("/admin/calendar", methods=["GET", "POST"])
@requires(Permission.MANAGE_UNITS)
def calendar_page():
    body = admin_body()
    form = ClosureForm()
    if form.validate_on_submit():
        try:
            moved = closures.add_closure(current_user, body, form.day.data, form.reason.data)
        except ClockError as exc:
            form.day.errors.append(str(exc))
        else:
            _flash_moved(moved)
            return redirect(url_for("deadlines.calendar_page", body=body.id))
    return _calendar_page(body, form, status=400 if form.errors else 200)


def _calendar_page(
    body: PublicBody, form: ClosureForm, policy_form: PolicyLengthForm | None = None, status: int = 200
):
    today = local_today(body)
    holidays = sorted(
        (day, name)
        for year in (today.year, today.year + 1)
        for day, name in cal.missouri_state_holidays(year).items()
        if day >= today
    )
    page = render_template(
        "deadlines/calendar.html",
        body=body,
        form=form,
        closures=closures.closures(body.id),
        holidays=holidays,
        remove_form=BrowserForm(),
        policies=settings.policy_rows(body.id),
        policy_form=policy_form,
    )
    return page, status


@bp.route("/admin/calendar/policy", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def set_policy():
    body = admin_body()
    form = PolicyLengthForm()
    if form.validate_on_submit():
        try:
            kind = ClockKind(form.kind.data)
            settings.set_lengths(current_user, body, kind, form.length.data, form.long_length.data)
        except ClockError as exc:
            form.length.errors.append(str(exc))
        except ValueError:
            form.kind.errors.append("Choose a deadline from the list.")
        else:
            flash(f"{DEFAULT_POLICIES[kind].label}: new requests use {form.length.data} days.", "success")
            return redirect(url_for("deadlines.calendar_page", body=body.id))
    return _calendar_page(body, ClosureForm(formdata=None), policy_form=form, status=400)


@bp.route("/admin/calendar/<int:closure_id>/remove", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def remove_closure(closure_id: int):
    body = admin_body()
    if not BrowserForm().validate_on_submit():
        abort(400)
    try:
        moved = closures.remove_closure(current_user, body, closure_id)
    except ClockError as exc:
        abort(404, str(exc))
    _flash_moved(moved)
    return redirect(url_for("deadlines.calendar_page", body=body.id))


def _flash_moved(moved: list[closures.MovedDate]) -> None:
    if not moved:
        flash("Calendar saved. No open due dates moved.", "success")
        return
    lines = "; ".join(f"{m.label}: {m.before:%a %-d %b} → {m.after:%a %-d %b %Y}" for m in moved[:20])
    more = f" and {len(moved) - 20} more" if len(moved) > 20 else ""
    flash(
        f"Calendar saved. {len(moved)} due date(s) moved: {lines}{more}. Custodians have been told.",
        "success",
    )
