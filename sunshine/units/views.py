"""The administrator's page of departments and units: each body they reach (``reach``), what it is
made of, and forms to add a department or a unit to it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from sunshine.authz import Permission, requires
from sunshine.extensions import db
from sunshine.forms import distinct_ids
from sunshine.units import reach, services
from sunshine.units.forms import DepartmentForm, UnitForm
from sunshine.units.models import PublicBody

bp = Blueprint("units", __name__, url_prefix="/admin/units")

# Two administrators adding the same name or code at once: the database keeps one, the other hears this.
RACED = (
    "A department or unit with that name or code was added a moment ago, perhaps by someone else. "
    "The list below shows it; choose another."
)


@bp.route("")
@requires(Permission.MANAGE_UNITS)
def admin():
    return _page()


@bp.route("/<int:body_id>/departments", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def add_department(body_id: int):
    body = _reached_body(body_id)
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = services.add_department(current_user, body, form.name.data or "")
            db.session.commit()
        except services.UnitError as exc:
            db.session.rollback()
            form[exc.field].errors.append(str(exc))
        except IntegrityError:
            db.session.rollback()
            return _page(body, department_form=form, problem=RACED), 400
        else:
            flash(f"Added {department.name} to {body.name}. Add its units below.", "success")
            return redirect(_body_on_page(body))
    return _page(body, department_form=form), 400


@bp.route("/<int:body_id>/units", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def add_unit(body_id: int):
    body = _reached_body(body_id)
    form = _unit_form(body)
    if form.validate_on_submit():
        # Only this body's departments are offered: any other id sent is refused alike, so a forged
        # form learns nothing of other bodies.
        department = next((d for d in body.departments if d.id == form.department_id.data), None)
        try:
            if department is None:
                raise services.UnitError(f"Choose one of the departments of {body.name}.", "department_id")
            unit = services.add_unit(
                current_user, department, form.name.data or "", form.code.data or "", form.email.data
            )
            db.session.commit()
        except services.UnitError as exc:
            db.session.rollback()
            form[exc.field].errors.append(str(exc))
        except IntegrityError:
            db.session.rollback()
            return _page(body, unit_form=form, problem=RACED), 400
        else:
            flash(
                f"Added {unit.name} ({unit.code}) to {department.name}. Staff can hold roles in it now.",
                "success",
            )
            return redirect(_body_on_page(body))
    return _page(body, unit_form=form), 400


def _reached_body(body_id: int) -> PublicBody:
    """The body ``body_id`` names if the administrator reaches it; any other is a 404, as if none."""
    if body_id not in reach.body_ids(current_user, Permission.MANAGE_UNITS):
        abort(404)
    body = db.session.get(PublicBody, body_id)
    if body is None:
        abort(404)
    return body


def _unit_form(body: PublicBody, **kwargs) -> UnitForm:
    form = UnitForm(**kwargs)
    form.department_id.choices = [SelectChoice(d.id, d.name) for d in body.departments]
    return form


def _body_on_page(body: PublicBody) -> str:
    return url_for("units.admin", _anchor=f"body-{body.id}")


def _page(
    refused: PublicBody | None = None,
    department_form: DepartmentForm | None = None,
    unit_form: UnitForm | None = None,
    problem: str | None = None,
) -> str:
    """The page; the form just refused (one of ``refused``'s) shows what was typed and what to change."""
    bodies = services.bodies_with_units(reach.body_ids(current_user, Permission.MANAGE_UNITS))
    forms = {}
    for body in bodies:
        ours = refused is not None and body.id == refused.id
        new_department = (department_form if ours else None) or DepartmentForm(formdata=None)
        new_unit = (unit_form if ours else None) or _unit_form(body, formdata=None)
        forms[body.id] = (
            distinct_ids(new_department, f"department-{body.id}"),
            distinct_ids(new_unit, f"unit-{body.id}"),
        )
    return render_template(
        "units/admin.html",
        bodies=bodies,
        forms=forms,
        refused_form=department_form or unit_form,
        problem=problem,
    )
