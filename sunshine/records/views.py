"""Pages for requesters: file a request, follow it, answer, write, download."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from sunshine.audit.queries import case_history
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import ClockKind
from sunshine.documents.models import ReleaseStatus
from sunshine.documents.scanner import finding_label
from sunshine.extensions import db, limiter
from sunshine.forms import BrowserForm
from sunshine.letters.services import letters_for
from sunshine.records import access, forms, grounds, services, workflow
from sunshine.records.citation_settings import current_table
from sunshine.records.fee_settings import payment_instructions
from sunshine.records.letters import access_arrangements, clock_time
from sunshine.records.models import Channel
from sunshine.records.states import Status
from sunshine.records.web import (
    PUBLIC_ACTIONS,
    bp,
    field_named,
    file_at_records_unit,
    history_label,
    hold_link,
    send_letter,
    send_release,
    take_link,
)
from sunshine.timeutil import local_time
from sunshine.units import services as units
from sunshine.units.models import PublicBody

bp.add_app_template_filter(clock_time, "clock_time")  # 9:00 AM, as the letters write it
bp.add_app_template_filter(local_time, "local_time")  # stored UTC moments in the body's time zone
bp.add_app_template_filter(history_label, "history_label")  # request.grant -> Granted in full
bp.add_app_template_filter(finding_label, "finding_label")  # ssn -> Social Security number


@bp.route("/requests/new", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["INTAKE_RATE_LIMIT"], methods=["POST"])
def new_request():
    form = forms.RequestForm()
    if request.method == "GET" and current_user.is_authenticated and not current_user.is_staff:
        # A signed-in requester is known: notices go to their address unless they change it here.
        form.contact_name.data = form.contact_name.data or current_user.full_name
        form.contact_email.data = form.contact_email.data or current_user.email
    if form.validate_on_submit():
        try:
            filed = file_at_records_unit(
                current_user if current_user.is_authenticated else None,
                form.intake(),
                channel=Channel.WEB,
            )
        except services.RequestError as exc:
            for name, message in exc.problems or [(None, str(exc))]:
                field_named(form, name, form.description).errors.append(message)
        else:
            # The secret link is shown once, on the next page; it is not stored anywhere readable.
            hold_link("just_filed", filed.tracking_number, filed.access_token)
            return redirect(url_for("records.filed", tracking_number=filed.tracking_number))
    taking = units.body_taking_requests(current_app.config["RECORDS_UNIT_CODE"])
    contact = taking.custodian_contact if taking is not None else None
    page = render_template("records/new.html", form=form, custodian_contact=contact)
    return page, 400 if form.errors else 200


@bp.route("/requests/<tracking_number>/filed")
def filed(tracking_number: str):
    held = take_link("just_filed", tracking_number)
    if held is None:
        return redirect(url_for("records.status", tracking_number=tracking_number))
    record = access.find(tracking_number)
    _remember(record)  # this browser filed it: a reload, or the way back later, opens the status page
    link = url_for("records.status", tracking_number=tracking_number, token=held[0], _external=True)
    return render_template(
        "records/filed.html", request_=record, clock=services.response_clock(record), link=link
    )


@bp.route("/requests/<tracking_number>")
def status(tracking_number: str):
    record = access.find(tracking_number)
    if not _may_read(record, request.args.get("token")):
        abort(404, NOT_OPENED)  # the same answer whether it does not exist or is not yours
    return _status_page(record)


# Said to anyone the status page does not open for, whether or not the request exists.
NOT_OPENED = (
    "This link does not open a request. Check that you copied all of it. A link that worked before "
    "may have been replaced by a newer one: look for it in your most recent email about the request. "
    "If you signed in when you filed, sign in to see it. The custodian of records can send you a new link."
)


# Requests this browser has opened with their secret link: once opened, the page's own links
# and forms need not repeat the token, so it is not copied into every address (and log line).
OPENED = "records.opened"
OPENED_KEPT = 50


def _may_read(record, token: str | None) -> bool:
    """The owner, the holder of the secret link, or a browser that opened it in this session."""
    if record is None:
        return False
    if access.readable_by(record, current_user, token):
        if token:
            _remember(record)
        return True
    return _opened(record) in session.get(OPENED, [])


def _opened(record) -> str:
    """What a browser keeps of a request it opened: its id and the token hash it was opened with.

    So replacing the link (``services.replace_access_token``) shuts out every browser that
    opened the request with the old one.
    """
    return f"{record.id}:{record.access_token_hash[:16]}"


def _remember(record) -> None:
    """This browser opened ``record`` with its secret link: its own links need not repeat it."""
    key = _opened(record)
    kept = [k for k in session.get(OPENED, []) if isinstance(k, str) and k.split(":")[0] != str(record.id)]
    session[OPENED] = [*kept[-(OPENED_KEPT - 1) :], key]


def _status_page(record) -> str:
    body = db.session.get(PublicBody, record.body_id)
    history = [e for e in case_history("records_request", record.id) if e.action in PUBLIC_ACTIONS]
    messages = [m for m in record.messages if not m.internal]
    open_clocks = clocks.open_clocks_for_case(services.CASE_TYPE, record.id)
    releases = _releases(record)
    # Granted, nothing out yet: how the records will come, as the grant letter said it.
    waiting = record.status in (Status.GRANTED, Status.PARTIALLY_GRANTED) and not any(
        r.status is ReleaseStatus.READY for r in releases
    )
    return render_template(
        "records/status.html",
        request_=record,
        tz=body.timezone,
        link_replaceable=access.link_replaceable_by_requester(record),
        FORMATS={c.value: c.label for c in forms.FORMATS},
        DELIVERIES={c.value: c.label.lower() for c in forms.DELIVERIES},
        citation_names={c.code: c.short_name for c in current_table().all()},  # retired too
        payment_instructions=payment_instructions(body),
        custodian_contact=body.custodian_contact,
        history=history,
        messages=messages,
        grounds_form=BrowserForm(),
        releases=releases,
        next_step=access_arrangements(record) if waiting else None,
        answer_form=forms.AnswerForm(),
        message_form=forms.MessageForm(),
        letters=letters_for(services.CASE_TYPE, record.id),
        delay_notices=workflow.delay_notices(record),
        estimates=workflow.estimates(record),
        payable_estimate=workflow.payment_pending_without_prepayment(record),
        deadlines=[(REQUESTER_DEADLINES[c.kind], c) for c in open_clocks if c.kind in REQUESTER_DEADLINES],
        grounds=grounds.grounds_clock(record),
        grounds_can_be_asked=grounds.grounds_can_be_asked(record),
    )


# The clocks a requester follows on the status page, each with what it is the deadline for.
REQUESTER_DEADLINES = {
    ClockKind.SUNSHINE_RESPONSE: "Response due",
    ClockKind.DELAYED_ACCESS: "Records available by",
    ClockKind.DENIAL_STATEMENT: "Statement of grounds due",
    ClockKind.CLARIFICATION: "Your answer is due by",
    ClockKind.FEE_PAYMENT: "Payment is due by",
}


def _requester_post(tracking_number: str, form: BrowserForm, perform, done: str):
    """A requester's POST on their request: the link holder or owner only.

    Done: back to the status page. Refused: the status page again with the reason, and a 400.
    """
    record = access.find(tracking_number)
    if not _may_read(record, request.form.get("token")):
        abort(404)
    if not form.validate_on_submit():
        flash(" ".join(sum(form.errors.values(), [])) or "The form expired; try again.", "error")
        return _status_page(record), 400
    try:
        perform(current_user if current_user.is_authenticated else None, record, form)
    except ValueError as exc:  # RequestError, TransitionError: each says why
        db.session.rollback()
        flash(str(exc), "error")
        return _status_page(record), 400
    flash(done, "success")
    return redirect(url_for("records.status", tracking_number=tracking_number))


@bp.route("/requests/<tracking_number>/clarification", methods=["POST"])
def answer_clarification(tracking_number: str):
    return _requester_post(
        tracking_number,
        forms.AnswerForm(),
        lambda actor, record, form: workflow.answer_clarification(actor, record, form.answer.data),
        "Thank you. Your answer is with the custodian, and the response time runs again.",
    )


@bp.route("/requests/<tracking_number>/messages", methods=["POST"])
@limiter.limit(lambda: current_app.config["MESSAGE_RATE_LIMIT"], key_func=lambda: _address_and_request())
def requester_message(tracking_number: str):
    return _requester_post(
        tracking_number,
        forms.MessageForm(),
        lambda actor, record, form: services.post_message(actor, record, form.text.data, from_requester=True),
        "Your message is with the custodian.",
    )


def _address_and_request() -> str:
    """Messages are limited per address and request: behind a shared address, one flood stops one case."""
    return f"{get_remote_address()}:{request.view_args.get('tracking_number', '')}"


@bp.route("/requests/<tracking_number>/accept-estimate", methods=["POST"])
def accept_estimate(tracking_number: str):
    return _requester_post(
        tracking_number,
        BrowserForm(),
        lambda actor, record, form: workflow.accept_estimate(actor, record),
        "Thank you. The custodian has your acceptance; payment details follow.",
    )


@bp.route("/requests/<tracking_number>/statement-of-grounds", methods=["POST"])
def ask_grounds(tracking_number: str):
    return _requester_post(
        tracking_number,
        BrowserForm(),
        lambda actor, record, form: grounds.ask_for_statement_of_grounds(actor, record),
        "Asked. The written statement of grounds must reach you within three business days.",
    )


@bp.route("/requests/<tracking_number>/new-link", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["MESSAGE_RATE_LIMIT"],
    key_func=lambda: _address_and_request(),
    methods=["POST"],
)
def new_link(tracking_number: str):
    """Replace the secret status link (POST), then show the new one, once (GET)."""
    if request.method == "GET":
        held = take_link("new_link", tracking_number)
        record = access.find(tracking_number)
        if held is None or record is None:
            return redirect(url_for("records.status", tracking_number=tracking_number))
        link = url_for("records.status", tracking_number=tracking_number, token=held[0], _external=True)
        back = url_for("records.status", tracking_number=tracking_number)
        return render_template("records/new_link.html", request_=record, link=link, back=back, staff=False)
    record = access.find(tracking_number)
    if not _may_read(record, request.form.get("token")):
        abort(404)
    if not BrowserForm().validate_on_submit():
        flash("The form expired; try again.", "error")
        return _status_page(record), 400
    if not access.link_replaceable_by_requester(record):
        flash("Ask the custodian of records for a new link to this request.", "error")
        return _status_page(record), 400
    token = services.replace_access_token(current_user if current_user.is_authenticated else None, record)
    _remember(record)  # this browser keeps the request open; every other one needs the new link
    # Shown once, on the next page, as a new request's link is.
    hold_link("new_link", tracking_number, token)
    return redirect(url_for("records.new_link", tracking_number=tracking_number))


@bp.route("/account/requests")
def my_requests():
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.path))
    return render_template("records/mine.html", requests=services.requests_of(current_user))


@bp.route("/requests/<tracking_number>/letters/<int:letter_id>")
def requester_letter(tracking_number: str, letter_id: int):
    record = access.find(tracking_number)
    if not _may_read(record, request.args.get("token")):
        abort(404)
    return send_letter(record, letter_id)


@bp.route("/requests/<tracking_number>/releases/<int:release_id>")
def download_release(tracking_number: str, release_id: int):
    record = access.find(tracking_number)
    if not _may_read(record, request.args.get("token")):
        abort(404)
    return send_release(record, release_id)


def _releases(record):
    from sunshine.records.release import releases

    return releases(record)


# The custodian's pages register on the same blueprint.
from sunshine.records import casework, staff_requests  # noqa: E402, F401
