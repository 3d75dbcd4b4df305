"""Administrator pages: the organisation, its staff, and the citations a denial may cite."""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from sunshine.accounts import services as accounts
from sunshine.accounts.forms import StaffForm
from sunshine.accounts.models import ApiToken, User
from sunshine.admin.forms import CitationForm, CustodianContactForm
from sunshine.authz import STAFF_ROLES, Permission, Role, requires
from sunshine.clocks.views import admin_body
from sunshine.extensions import db
from sunshine.forms import BrowserForm
from sunshine.records import citation_settings, fee_settings
from sunshine.records.fees import FeeError
from sunshine.records.forms import FeeScheduleForm, PaymentInstructionsForm
from sunshine.records.models import CitationEntry
from sunshine.units import reach
from sunshine.units import services as units
from sunshine.units.models import PublicBody, Unit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@requires(Permission.MANAGE_UNITS)
def index():
    """The bodies the administrator reaches (sunshine.units.reach), their units and staff."""
    staff = accounts.staff_members(reach.body_ids(current_user, Permission.MANAGE_STAFF))
    accounts.record_staff_list_view(current_user, [person.id for person in staff])
    reached_units = reach.unit_ids(current_user, Permission.MANAGE_STAFF)
    return render_template(
        "admin/index.html",
        bodies=units.bodies_with_units(reach.body_ids(current_user, Permission.MANAGE_UNITS)),
        staff=staff,
        reached_units=reached_units,
        managed={person.id for person in staff if reach.staff_only_within(person, reached_units)},
        tokens=accounts.api_tokens_of([person.id for person in staff]),
        tz=reach.timezone(current_user, Permission.MANAGE_STAFF),
    )


@bp.route("/staff/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def new_staff():
    form = StaffForm()
    reached = reach.body_ids(current_user, Permission.MANAGE_STAFF)
    form.unit_id.choices = [SelectChoice(u.id, u.full_name) for u in units.active_units(reached)]
    form.role.choices = [SelectChoice(r.value, r.label) for r in STAFF_ROLES]
    if form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data)
        try:
            accounts.create_staff(
                current_user,
                email=form.email.data,
                full_name=form.full_name.data,
                unit=unit,
                role=Role(form.role.data),
            )
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc))
        else:
            flash("Staff account created. We emailed the person a link to set their password.", "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/new_staff.html", form=form), 400 if form.errors else 200


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@requires(Permission.MANAGE_STAFF)
def toggle_active(user_id: int):
    if not BrowserForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None or not reach.manages(current_user, user):
        abort(404)  # someone else's staff are not ours to show exist
    try:
        accounts.set_active(current_user, user, not user.active)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.full_name} is now {'active' if user.active else 'switched off'}.", "success")
    return redirect(url_for("admin.index"))


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(Permission.MANAGE_STAFF)
def revoke_api_token(token_id: int):
    if not BrowserForm().validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or not reach.manages(current_user, token.user):
        abort(404)
    try:
        accounts.revoke_api_token(current_user, token.id)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(
            f"The token “{token.name}” of {token.user.full_name} is revoked: the API now refuses it.",
            "success",
        )
    return redirect(url_for("admin.index", _anchor="api-tokens"))


def _cents(label: str, dollars: Decimal) -> int:
    cents = dollars * 100
    if cents != cents.to_integral_value():
        raise FeeError(f"{label}: use whole cents, like 18.50.")
    return int(cents)


def _dollars(cents: int) -> Decimal:
    return Decimal(cents) / 100


# The fee form's amounts in dollars, each stored as FeeRates.<name>_cents.
_MONEY_FIELDS = (
    "paper_page",
    "clerical_hourly",
    "research_hourly",
    "technical_hourly",
    "large_fee_threshold",
)


@bp.route("/fees", methods=["GET", "POST"])
@requires(Permission.MANAGE_UNITS)
def fees():
    """The body's fee schedule (610.026): what estimates charge from now on."""
    body = admin_body()
    form, problem = FeeScheduleForm(), None
    if request.method == "GET":
        _fill_rates(form, body)
    elif form.validate_on_submit():
        try:
            rates = fee_settings.FeeRates(
                **{f"{name}_cents": _cents(form[name].label.text, form[name].data) for name in _MONEY_FIELDS},
                media_prices_cents=fee_settings.parse_media_prices(
                    form.media_prices.data or "", most=fee_settings.MAX_MEDIUM_CENTS
                ),
            )
            fee_settings.set_rates(current_user, body, rates)
        except FeeError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            flash("Fee schedule saved. New estimates use it; estimates already given keep theirs.", "success")
            return redirect(url_for("admin.fees", body=body.id))
    payment_form = PaymentInstructionsForm(formdata=None, text=body.payment_instructions or "")
    return _fees_page(body, form, payment_form, problem), 400 if form.errors or problem else 200


def _fill_rates(form: FeeScheduleForm, body) -> None:
    """The rate form showing the body's schedule as it stands, in dollars."""
    rates = fee_settings.rates_for(body.id)
    for name in _MONEY_FIELDS:
        form[name].data = _dollars(getattr(rates, f"{name}_cents"))
    form.media_prices.data = ", ".join(f"{k}={v}" for k, v in rates.media_prices_cents.items())


def _fees_page(
    body, form: FeeScheduleForm, payment_form: PaymentInstructionsForm, problem: str | None
) -> str:
    return render_template(
        "admin/fees.html",
        body=body,
        form=form,
        problem=problem,
        customised=fee_settings.is_customised(body.id),
        payment_form=payment_form,
        default_payment=fee_settings.DEFAULT_PAYMENT_INSTRUCTIONS,
    )


@bp.route("/fees/payment", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def payment_instructions():
    """How requesters pay this body's fees, shown wherever payment is asked for."""
    body = admin_body()
    payment_form = PaymentInstructionsForm()
    if payment_form.validate_on_submit():
        fee_settings.set_payment_instructions(current_user, body, payment_form.text.data or "")
        flash(
            "Payment instructions saved: payment letters, emails and status pages show them from now on.",
            "success",
        )
        return redirect(url_for("admin.fees", body=body.id))
    form = FeeScheduleForm(formdata=None)
    _fill_rates(form, body)
    return _fees_page(body, form, payment_form, None), 400


@bp.route("/custodian", methods=["GET", "POST"])
@requires(Permission.MANAGE_UNITS)
def custodian():
    """Who the body's custodian of records is and where (610.023.1), as requesters are told."""
    body = admin_body()
    form = CustodianContactForm()
    if request.method == "GET":
        form.text.data = body.custodian_contact or ""
    elif form.validate_on_submit():
        units.set_custodian_contact(current_user, body, form.text.data or "")
        flash(
            "Saved: the request form and every status page show the custodian's details from now on.",
            "success",
        )
        return redirect(url_for("admin.custodian", body=body.id))
    status = 400 if form.errors else 200
    return render_template("admin/custodian.html", body=body, form=form), status


# ---- the citations a denial may cite: deployment-wide, since they are state law -----------------


def _citation_fields(form: CitationForm) -> citation_settings.CitationFields:
    return citation_settings.CitationFields(
        code=form.code.data or "",
        short_name=form.short_name.data or "",
        description=form.description.data or "",
        statute=form.statute.data or "",
        requires_written_finding=bool(form.requires_written_finding.data),
        verified=bool(form.verified.data),
        finding_guidance=form.finding_guidance.data or "",
        examples=tuple((form.examples.data or "").splitlines()),
        note=form.note.data or "",
    )


def _citation_or_404(citation_id: int) -> CitationEntry:
    entry = citation_settings.find(citation_id)
    if entry is None:
        abort(404, "No citation has that number. Go back to the citations table and choose one listed there.")
    return entry


SHARED_TABLE = (
    "The citations table is shared by every public body on this site, so only an administrator of all "
    "of them can change it. Ask one to make the change."
)


def _may_change_citations() -> bool:
    """Whether the signed-in administrator reaches every public body: the table is theirs all alike."""
    every = set(db.session.scalars(select(PublicBody.id)))
    return every <= reach.body_ids(current_user, Permission.MANAGE_UNITS)


def _refuse_unless_may_change_citations() -> None:
    if request.method == "POST" and not _may_change_citations():
        abort(403, SHARED_TABLE)


@bp.route("/citations", methods=["GET", "POST"])
@requires(Permission.MANAGE_UNITS)
def citations():
    """The citations table, in statute order, and a form to add one."""
    _refuse_unless_may_change_citations()
    form, problem = CitationForm(), None
    if form.validate_on_submit():
        try:
            entry = citation_settings.add(current_user, _citation_fields(form))
        except citation_settings.CitationError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            flash(f"Added {entry.code}: custodians can cite it in denials from now on.", "success")
            return redirect(url_for("admin.citations", _anchor=f"citation-{entry.id}"))
    status = 400 if form.errors or problem else 200
    return render_template(
        "admin/citations.html",
        entries=citation_settings.entries(),
        form=form,
        problem=problem,
        may_change=_may_change_citations(),
        shared_table=SHARED_TABLE,
    ), status


@bp.route("/citations/<int:citation_id>", methods=["GET", "POST"])
@requires(Permission.MANAGE_UNITS)
def edit_citation(citation_id: int):
    """Correct a citation's wording, statute, guidance, examples, note, or mark it verified."""
    _refuse_unless_may_change_citations()
    entry = _citation_or_404(citation_id)
    form, problem = CitationForm(), None
    if request.method == "GET":
        form = CitationForm(formdata=None, obj=entry)
        form.examples.data = "\n".join(entry.examples)  # one a line, as the administrator writes them
    elif form.validate_on_submit():
        try:
            changed = citation_settings.edit(current_user, entry, _citation_fields(form))
        except citation_settings.CitationError as exc:
            db.session.rollback()
            problem = str(exc)
        else:
            flash(
                f"Saved {entry.code}: denials, letters and pages use it from now on."
                if changed
                else f"Nothing changed in {entry.code}.",
                "success",
            )
            return redirect(url_for("admin.citations", _anchor=f"citation-{entry.id}"))
    status = 400 if form.errors or problem else 200
    return render_template(
        "admin/citation_edit.html",
        entry=entry,
        form=form,
        problem=problem,
        cited=citation_settings.denials_citing(entry.code),
        may_change=_may_change_citations(),
        shared_table=SHARED_TABLE,
    ), status


def _set_retired(citation_id: int, retired: bool):
    _refuse_unless_may_change_citations()
    if not BrowserForm().validate_on_submit():
        abort(400)
    entry = _citation_or_404(citation_id)
    if citation_settings.set_retired(current_user, entry, retired):
        message = (
            f"Retired {entry.code}: new denials cannot cite it; denials that cite it already still show it."
            if retired
            else f"Restored {entry.code}: custodians can cite it in denials again."
        )
    else:
        message = f"{entry.code} was already {'retired' if retired else 'in use'}: nothing changed."
    flash(message, "success")
    return redirect(url_for("admin.citations", _anchor=f"citation-{entry.id}"))


@bp.route("/citations/<int:citation_id>/retire", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def retire_citation(citation_id: int):
    return _set_retired(citation_id, True)


@bp.route("/citations/<int:citation_id>/restore", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def restore_citation(citation_id: int):
    return _set_retired(citation_id, False)
