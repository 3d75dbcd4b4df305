"""Administrator pages: the organisation and its staff."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from sunshine.accounts import services as accounts
from sunshine.accounts.forms import StaffForm
from sunshine.accounts.models import User
from sunshine.authz import STAFF_ROLES, Permission, Role, requires
from sunshine.extensions import db
from sunshine.units import services as units
from sunshine.units.models import Unit

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@requires(Permission.MANAGE_UNITS)
def index():
    staff = accounts.staff_members()
    accounts.record_staff_list_view(current_user, [person.id for person in staff])
    return render_template("admin/index.html", bodies=units.bodies_with_units(), staff=staff)


@bp.route("/staff/new", methods=["GET", "POST"])
@requires(Permission.MANAGE_STAFF)
def new_staff():
    form = StaffForm()
    form.unit_id.choices = [SelectChoice(u.id, u.full_name) for u in units.active_units()]
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
    from flask_wtf import FlaskForm

    if not FlaskForm().validate_on_submit():
        abort(400)
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        abort(404)
    try:
        accounts.set_active(current_user, user, not user.active)
    except accounts.AccountError as exc:
        flash(str(exc), "error")
    else:
        flash(f"{user.full_name} is now {'active' if user.active else 'switched off'}.", "success")
    return redirect(url_for("admin.index"))
