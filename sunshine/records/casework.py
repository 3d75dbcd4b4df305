"""A custodian's case page: work a request, upload and release its records, replace its link.

The list of requests and keying one in are in ``sunshine.records.staff_requests``.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from sunshine.accounts.models import User
from sunshine.audit.queries import case_history
from sunshine.authz import Permission, requires, units_where
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import DEFAULT_POLICIES, ClockKind
from sunshine.documents.models import DocumentStatus, ReleaseStatus
from sunshine.extensions import db
from sunshine.forms import BrowserForm
from sunshine.letters.services import letters_for
from sunshine.records import duplicates, forms, grounds, services, workflow
from sunshine.records.citation_settings import current_table
from sunshine.records.models import RecordsRequest
from sunshine.records.states import Action
from sunshine.records.web import (
    bp,
    hold_link,
    send_letter,
    send_release,
    staff_names,
    take_link,
)
from sunshine.units.models import PublicBody

# The requester's and custodian's messages shown on the case page, and how each is labelled.
CONVERSATION = {
    "message": "",
    "clarification_question": "asked to clarify",
    "clarification_answer": "answered the clarification",
}


def _staff_request(request_id: int) -> RecordsRequest:
    """A request in one of the custodian's units, its view audited (it holds personal data)."""
    record = db.session.get(RecordsRequest, request_id)
    if record is None or record.unit_id not in units_where(current_user, Permission.WORK_RECORDS_QUEUE):
        abort(404)
    return record


@bp.route("/staff/requests/<int:request_id>")
@requires(Permission.WORK_RECORDS_QUEUE)
def case(request_id: int):
    return _case_page(_staff_request(request_id))


def _refused(
    record: RecordsRequest, message: str, action: str | None = None, form: BrowserForm | None = None
):
    """A refused action: the case page again, saying why, with a 400 (nothing was changed).

    The refused form keeps what was typed; every other form on the page starts empty.
    """
    flash(message, "error")
    slot = FORM_SLOTS.get(action)
    return _case_page(record, {slot: form} if slot and form else {}, refused=slot), 400


# The slot on the case page of each action's form.
FORM_SLOTS = {
    "deny": "decision_form",
    "partial_grant": "decision_form",
    "withdraw": "reason_form",
    "ask_clarification": "clarify_form",
    "request_payment": "fee_form",
    "paid": "payment_form",
    "waiver": "waiver_form",
    "delay": "delay_form",
    "note": "note_form",
    "statement_of_grounds": "grounds_form",
    "grounds_asked": "grounds_asked_form",
    "assign": "assign_form",
    "message": "message_form",
    "upload": "upload_form",
}


def _case_page(
    record: RecordsRequest, filled: dict[str, BrowserForm] | None = None, refused: str | None = None
) -> str:
    """The case page; ``filled`` forms keep what was typed, and the ``refused`` one's section is open."""
    services.record_staff_view(current_user, record)  # the page shows the requester's personal data
    empty = {"formdata": None}  # not bound to this request's POST, which was another form's
    page_forms = {
        "decision_form": forms.DecisionForm(**empty),
        "reason_form": forms.ReasonForm(**empty),
        "simple_form": BrowserForm(**empty),
        "clarify_form": forms.ClarifyForm(**empty),
        "fee_form": _fee_form(record, **empty),
        "payment_form": forms.PaymentForm(**empty),
        "waiver_form": forms.WaiverForm(**empty),
        "delay_form": forms.DelayForm(**empty),
        "note_form": forms.NoteForm(**empty),
        "grounds_form": forms.GroundsForm(**empty),
        "grounds_asked_form": forms.GroundsAskedForm(**empty),
        "assign_form": _assign_form(record, **empty),
        "message_form": forms.MessageForm(**empty),
        "upload_form": _upload_form(record, **empty),
        "resolve_form": forms.ResolveForm(**empty),
    } | (filled or {})
    history = case_history("records_request", record.id)
    open_clocks = clocks.open_clocks_for_case(services.CASE_TYPE, record.id)
    return render_template(
        "records/case.html",
        request_=record,
        clock=services.response_clock(record),
        # The case's other running deadlines: grounds, delayed access, the requester's windows.
        other_clocks=[
            (DEFAULT_POLICIES[c.kind].label, c)
            for c in open_clocks
            if c.kind is not ClockKind.SUNSHINE_RESPONSE
        ],
        history=[e for e in history if e.action != "request.viewed"],  # views are counted, not listed
        views=sum(e.action == "request.viewed" for e in history),
        grounds_asked=any(c.kind is ClockKind.DENIAL_STATEMENT for c in open_clocks),
        # Denied in whole or part and the grounds never asked for: staff may record an ask made by
        # post, email, phone or in person. Closing the case does not end the right to them.
        grounds_askable=grounds.grounds_can_be_asked(record) and grounds.grounds_clock(record) is None,
        names=staff_names(
            {e.actor_id for e in history if e.actor_id}
            | {m.author_id for m in record.messages if m.author_id}
            | ({record.assigned_to_id} if record.assigned_to_id else set())
        ),
        tz=db.session.get(PublicBody, record.body_id).timezone,
        FORMATS={c.value: c.label for c in forms.FORMATS},
        DELIVERIES={c.value: c.label.lower() for c in forms.DELIVERIES},
        actions=services.offered_actions(record),
        refused_actions=services.refused_actions(record),
        Action=Action,
        **page_forms,
        conversation=[m for m in record.messages if m.details.get("kind") in CONVERSATION],
        CONVERSATION=CONVERSATION,
        estimates=workflow.estimates(record),
        unpaid_estimate=workflow.payment_pending_without_prepayment(record),
        notes=[m for m in record.messages if m.internal],
        related=duplicates.related(record),
        documents=_case_documents(record),
        blockers=_blockers(record),
        identity_verified=_identity_verified(record),
        releases=_releases(record),
        letters=letters_for(services.CASE_TYPE, record.id),
        citations=current_table().active(),  # a retired citation cannot be chosen anew
        refused=refused,
    )


def _codes(form) -> list[str]:
    return [c.strip() for c in (form.citations.data or "").split(",") if c.strip()]


def _findings(form) -> dict[str, str]:
    lines = (form.findings.data or "").splitlines()
    return {
        code.strip(): text.strip() for code, _, text in (line.partition(":") for line in lines if ":" in line)
    }


def _decide(partial: bool):
    return lambda record, form: services.decide_with_citations(
        current_user,
        record,
        partial=partial,
        citations=_codes(form),
        findings=_findings(form),
        withheld_description=form.withheld_description.data or "",
    )


def _fee_inputs(form: forms.FeeForm):
    from sunshine.records.fees import FeeInputs

    return FeeInputs(
        standard_pages=form.standard_pages.data or 0,
        duplicating_minutes=form.duplicating_minutes.data or 0,
        research_minutes=form.research_minutes.data or 0,
        programming_minutes=form.programming_minutes.data or 0,
        media=form.media_counts(),
        attorney_review_minutes=form.attorney_review_minutes.data or 0,
    )


# What each case action needs: its form, and the service call it makes.
CASE_ACTIONS = {
    "acknowledge": (BrowserForm, lambda r, f: services.acknowledge(current_user, r)),
    "grant": (BrowserForm, lambda r, f: services.grant(current_user, r)),
    "deny": (forms.DecisionForm, _decide(partial=False)),
    "partial_grant": (forms.DecisionForm, _decide(partial=True)),
    "close": (BrowserForm, lambda r, f: services.close(current_user, r)),
    "withdraw": (forms.ReasonForm, lambda r, f: services.withdraw(current_user, r, f.reason.data)),
    "ask_clarification": (
        forms.ClarifyForm,
        lambda r, f: workflow.ask_clarification(current_user, r, f.question.data),
    ),
    "request_payment": (
        forms.FeeForm,
        lambda r, f: (
            workflow.estimate_and_request_payment
            if f.prepay.data == forms.PREPAY_FIRST
            else workflow.give_estimate
        )(current_user, r, _fee_inputs(f)),
    ),
    "paid": (
        forms.PaymentForm,
        lambda r, f: workflow.record_payment(current_user, r, int(f.amount.data * 100)),
    ),
    "waiver": (
        forms.WaiverForm,
        lambda r, f: workflow.decide_waiver(current_user, r, percent=f.percent.data, reason=f.reason.data),
    ),
    "delay": (
        forms.DelayForm,
        lambda r, f: workflow.delay(
            current_user,
            r,
            explanation=f.explanation.data,
            available_on=f.available_on.data,
            available_at_time=f.available_at_time.data,
            place=f.place.data,
        ),
    ),
    "note": (forms.NoteForm, lambda r, f: workflow.add_note(current_user, r, f.text.data)),
    "assign_to_me": (BrowserForm, lambda r, f: workflow.assign(current_user, r, current_user)),
    # Its choices depend on the case: act() builds it with _assign_form(record).
    "assign": (
        forms.AssignForm,
        lambda r, f: workflow.assign(current_user, r, db.session.get(User, f.assignee_id.data)),
    ),
    "grounds_asked": (
        forms.GroundsAskedForm,
        lambda r, f: grounds.ask_for_statement_of_grounds(
            current_user, r, asked_on=f.asked_on.data, how=f.how.data
        ),
    ),
    "statement_of_grounds": (
        forms.GroundsForm,
        lambda r, f: grounds.give_statement_of_grounds(current_user, r, f.grounds.data),
    ),
    "message": (
        forms.MessageForm,
        lambda r, f: services.post_message(current_user, r, f.text.data, from_requester=False),
    ),
}


@bp.route("/staff/requests/<int:request_id>/<action>", methods=["POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def act(request_id: int, action: str):
    record = _staff_request(request_id)
    if action not in CASE_ACTIONS:
        abort(404)
    form_class, perform = CASE_ACTIONS[action]
    form = FORMS_FOR_RECORD[action](record) if action in FORMS_FOR_RECORD else form_class()
    if not form.validate_on_submit():
        message = " ".join(sum(form.errors.values(), [])) or "The form expired; try again."
        return _refused(record, message, action, form)
    try:
        perform(record, form)
    except ValueError as exc:  # RequestError, TransitionError, ClockError, FeeError: all say why
        db.session.rollback()
        return _refused(record, str(exc), action, form)
    done = DONE.get(action, "done")
    flash(f"{record.tracking_number}: {done(form) if callable(done) else done}.", "success")
    return redirect(url_for("records.case", request_id=record.id))


# What each case action did, for the message after it.
DONE = {
    # Acknowledging writes no letter: the acknowledgement letter is the receipt, sent at filing.
    "acknowledge": "acknowledged, as its status page now shows. No new letter: the acknowledgement "
    "letter is the receipt, on the case since the request was filed",
    "grant": "granted; the letter is on the case",
    "deny": "denied; the letter with the law cited is on the case",
    "partial_grant": "granted in part; the letter with the law cited is on the case",
    "close": "closed",
    "withdraw": "withdrawn; the letter is on the case",
    "ask_clarification": "question sent to the requester",
    "request_payment": lambda form: (
        "estimate sent; the request waits for payment"
        if form.prepay.data == forms.PREPAY_FIRST
        else "estimate sent; the work goes on and the fees are paid when the records are ready"
    ),
    "paid": "payment recorded",
    "waiver": "waiver decision sent to the requester",
    "delay": "delay notice sent",
    "note": "internal note saved",
    "assign_to_me": "assigned to you",
    "assign": "assigned",
    "statement_of_grounds": "statement of grounds sent",
    "grounds_asked": "the ask for the statement of grounds is recorded; its deadline is shown above",
    "message": "message sent to the requester",
}


@bp.route("/staff/requests/<int:request_id>/new-link", methods=["GET", "POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def replace_link(request_id: int):
    """Replace the requester's secret status link for them (POST); show the new one, once (GET)."""
    record = _staff_request(request_id)
    if request.method == "GET":
        held = take_link("new_link", record.tracking_number)
        if held is None:
            return redirect(url_for("records.case", request_id=record.id))
        token, just = held
        link = url_for("records.status", tracking_number=record.tracking_number, token=token, _external=True)
        back = url_for("records.case", request_id=record.id)
        return render_template(
            "records/new_link.html",
            request_=record,
            link=link,
            back=back,
            staff=True,
            new=just.get("new", False),
        )
    if not BrowserForm().validate_on_submit():
        return _refused(record, "The form expired; try again.")
    token = services.replace_access_token(current_user, record)
    hold_link("new_link", record.tracking_number, token)
    return redirect(url_for("records.replace_link", request_id=record.id))


@bp.route("/staff/requests/<int:request_id>/letters/<int:letter_id>")
@requires(Permission.WORK_RECORDS_QUEUE)
def staff_letter(request_id: int, letter_id: int):
    record = _staff_request(request_id)
    response = send_letter(record, letter_id)
    services.record_staff_view(current_user, record)  # a letter names the requester
    return response


@bp.route("/staff/requests/<int:request_id>/releases/<int:release_id>")
@requires(Permission.WORK_RECORDS_QUEUE)
def staff_release(request_id: int, release_id: int):
    """The packet as the requester received it, so staff can see exactly what went out."""
    record = _staff_request(request_id)
    response = send_release(record, release_id)
    services.record_staff_view(current_user, record)  # the packet's cover names the requester
    return response


@bp.route("/staff/requests/<int:request_id>/documents", methods=["POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def upload_document(request_id: int):
    from sunshine.documents import services as documents
    from sunshine.documents.models import Document, DocumentRole
    from sunshine.units.models import Unit

    record = _staff_request(request_id)
    form = _upload_form(record)
    if not record.status.is_open:
        return _refused(
            record, f"This request is {record.status.staff_label.lower()}: nothing more is uploaded to it."
        )
    if not form.validate_on_submit():
        return _refused(record, " ".join(sum(form.errors.values(), [])), "upload", form)
    replaces = None
    if form.replaces_id.raw_data and form.replaces_id.raw_data[0]:  # a redacted version of a record
        replaces = db.session.get(Document, form.replaces_id.data) if form.replaces_id.data else None
        if replaces is None or (replaces.case_type, replaces.case_id) != (services.CASE_TYPE, record.id):
            abort(404)
    try:
        document = documents.receive(
            current_user,
            form.file.data.read(),
            form.file.data.filename,
            case_type=services.CASE_TYPE,
            case_id=record.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=db.session.get(Unit, form.originating_unit_id.data),
            replaces=replaces,
        )
    except documents.DocumentError as exc:
        return _refused(record, f"The file was not accepted: {exc}", "upload", form)
    found = len(document.findings)
    flash(
        f"{document.display_name} received"
        + (f"; {found} possible sensitive item(s) to review." if found else "."),
        "success",
    )
    return redirect(url_for("records.case", request_id=record.id))


def _unit_choices(record: RecordsRequest):
    """The active units of the request's body, after a blank first choice: the unit that created
    a record is chosen, never defaulted, since the release log names it (and the case's own unit
    seldom made it). Another body's units are not offered: their records are not this body's."""
    from wtforms.fields.choices import SelectChoice

    from sunshine.units.services import active_units

    return [SelectChoice("", "Choose the unit that created it")] + [
        SelectChoice(u.id, u.full_name) for u in active_units({record.body_id})
    ]


@bp.route("/staff/requests/<int:request_id>/findings/<int:finding_id>", methods=["POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def resolve_finding(request_id: int, finding_id: int):
    from sunshine.documents import services as documents
    from sunshine.documents.models import Document, Resolution, SensitiveFinding

    record = _staff_request(request_id)
    finding = db.session.get(SensitiveFinding, finding_id)
    document = db.session.get(Document, finding.document_id) if finding else None
    if document is None or (document.case_type, document.case_id) != (services.CASE_TYPE, record.id):
        abort(404)
    form = forms.ResolveForm()
    if not form.validate_on_submit():
        return _refused(record, " ".join(sum(form.errors.values(), [])))
    try:
        documents.resolve(current_user, finding, Resolution(form.resolution.data), form.reason.data or "")
    except documents.DocumentError as exc:
        return _refused(record, str(exc))
    flash("Finding resolved.", "success")
    return redirect(url_for("records.case", request_id=record.id))


@bp.route("/staff/requests/<int:request_id>/release", methods=["POST"])
@requires(Permission.WORK_RECORDS_QUEUE)
def release_records(request_id: int):
    from sunshine.records import release

    record = _staff_request(request_id)
    if not BrowserForm().validate_on_submit():
        abort(400)
    try:
        row = release.release(current_user, record)
    except services.RequestError as exc:
        db.session.rollback()
        return _refused(record, str(exc))
    db.session.refresh(row)  # without Redis the job has already run
    if row.status.value == "ready":
        flash(f"Released {row.page_count} pages ({row.first_bates} to {row.last_bates}).", "success")
    else:
        flash("Building the packet. The requester is told when it is ready.", "success")
    return redirect(url_for("records.case", request_id=record.id))


@bp.route("/staff/requests/<int:request_id>/pending")
@requires(Permission.WORK_RECORDS_QUEUE)
def pending(request_id: int):
    """Whether the case's records are still being checked or a packet built, for pending.js.

    Only that, with no personal data: asking every few seconds is not a view of the case, so
    it is not audited as one (the case page is).
    """
    record = _staff_request(request_id)
    checking = any(d.status is DocumentStatus.PROCESSING for d in _case_documents(record))
    building = [r for r in _releases(record) if r.status is ReleaseStatus.BUILDING]
    progress = {str(r.id): f"{r.progress_done} of {r.progress_total}" for r in building}
    return jsonify(pending=checking or bool(building), progress=progress)


def _identity_verified(record: RecordsRequest) -> bool:
    """Whether a finding may be resolved as the requester's own data (``resolve`` refuses it otherwise)."""
    from sunshine.documents.services import requester_identity_verified

    return requester_identity_verified(services.CASE_TYPE, record.id)


def _case_documents(record: RecordsRequest):
    from sunshine.documents.services import active_documents

    return active_documents(services.CASE_TYPE, record.id)


def _blockers(record: RecordsRequest) -> list[str]:
    from sunshine.documents.services import release_blockers

    return release_blockers(services.CASE_TYPE, record.id)


def _releases(record: RecordsRequest):
    from sunshine.records.release import releases

    return releases(record)


def _upload_form(record: RecordsRequest, **kwargs):
    form = forms.UploadForm(**kwargs)
    form.originating_unit_id.choices = _unit_choices(record)
    return form


def _fee_form(record: RecordsRequest, **kwargs) -> forms.FeeForm:
    from sunshine.records.fee_settings import rates_for

    return forms.fee_form(rates_for(record.body_id).media_prices_cents, **kwargs)


def _assign_form(record: RecordsRequest, **kwargs) -> forms.AssignForm:
    from wtforms.fields.choices import SelectChoice

    form = forms.AssignForm(**kwargs)
    form.assignee_id.choices = [SelectChoice(u.id, u.full_name) for u in services.custodians_of(record)]
    return form


# Actions whose form depends on the case: its custodians to assign to, its body's media to charge for.
FORMS_FOR_RECORD = {"assign": _assign_form, "request_payment": _fee_form}
