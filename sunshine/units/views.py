"""The administrator's page of departments and units: each body they reach (``reach``), what it is
made of, forms to add a department or a unit to it, to correct their names, and to close or reopen
a unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from sunshine.authz import Permission, requires
from sunshine.extensions import db
from sunshine.forms import BrowserForm, distinct_ids
from sunshine.units import reach, services
from sunshine.units.forms import DepartmentForm, DepartmentNameForm, UnitEditForm, UnitForm
from sunshine.units.models import Department, PublicBody, Unit

bp = Blueprint("units", __name__, url_prefix="/admin/units")

# Two administrators saving the same name or code at once: the database keeps one, the other hears this.
RACED = (
    "That name or code was just given to another department or unit, perhaps by someone else. "
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
    return _save(
        body,
        form,
        {"department_form": form},
        lambda: services.add_department(current_user, body, form.name.data or ""),
        lambda department: f"Added {department.name} to {body.name}. Add its units below.",
    )


@bp.route("/<int:body_id>/units", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def add_unit(body_id: int):
    body = _reached_body(body_id)
    form = _unit_form(body)

    def add():
        # Only this body's departments are offered: any other id sent is refused alike, so a forged
        # form learns nothing of other bodies.
        department = next((d for d in body.departments if d.id == form.department_id.data), None)
        if department is None:
            raise services.UnitError(f"Choose one of the departments of {body.name}.", "department_id")
        return services.add_unit(
            current_user, department, form.name.data or "", form.code.data or "", form.email.data
        )

    return _save(
        body,
        form,
        {"unit_form": form},
        add,
        lambda unit: (
            f"Added {unit.name} ({unit.code}) to {unit.department.name}. Staff can hold roles in it now."
        ),
    )


@bp.route("/departments/<int:department_id>/name", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def rename_department(department_id: int):
    department = _reached_department(department_id)
    was, form = department.name, DepartmentNameForm()
    return _save(
        department.body,
        form,
        {"department_name": (department_id, form)},
        lambda: services.rename_department(current_user, department, form.name.data or ""),
        lambda changed: (
            f"Renamed {was} to {department.name}." if changed else f"{was} already has that name."
        ),
    )


@bp.route("/units/<int:unit_id>", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def edit_unit(unit_id: int):
    unit = _reached_unit(unit_id)
    form = UnitEditForm()
    return _save(
        unit.body,
        form,
        {"unit_edit": (unit_id, form)},
        lambda: services.edit_unit(current_user, unit, form.name.data or "", form.email.data),
        lambda changed: (
            f"Saved {unit.name} ({unit.code})."
            if changed
            else f"Nothing changed in {unit.name} ({unit.code})."
        ),
    )


def _save(body: PublicBody, form, shown: dict, change: Callable[[], Any], done: Callable[[Any], str]):
    """Make ``change`` (a service call) from ``form`` and commit it, then say ``done(its result)`` and go
    back to ``body`` on the page. A broken rule puts its message beside its field, and a name or code
    taken meanwhile says so: both re-show the page with ``form`` as typed (``shown``), 400, nothing saved.
    """
    if form.validate_on_submit():
        try:
            result = change()
            db.session.commit()
        except services.UnitError as exc:
            db.session.rollback()
            form[exc.field].errors.append(str(exc))
        except IntegrityError:
            db.session.rollback()
            return _page(body, problem=RACED, **shown), 400
        else:
            flash(done(result), "success")
            return redirect(_body_on_page(body))
    return _page(body, **shown), 400


@bp.route("/units/<int:unit_id>/close", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def close_unit(unit_id: int):
    return _set_active(unit_id, False)


@bp.route("/units/<int:unit_id>/reopen", methods=["POST"])
@requires(Permission.MANAGE_UNITS)
def reopen_unit(unit_id: int):
    return _set_active(unit_id, True)


def _set_active(unit_id: int, active: bool):
    unit = _reached_unit(unit_id)
    body = unit.body
    form = BrowserForm()
    if not form.validate_on_submit():  # the app's CSRF check answers first; this is its backstop
        abort(400)
    try:
        changed = services.set_unit_active(current_user, unit, active)
        db.session.commit()
    except services.UnitError as exc:
        db.session.rollback()
        return _page(body, unit_status=(unit_id, form), problem=str(exc)), 400
    if not changed:
        message = f"{unit.name} ({unit.code}) was already {'open' if active else 'closed'}: nothing changed."
    elif active:
        message = f"Reopened {unit.name} ({unit.code}): staff and records can be placed in it again."
    else:
        message = (
            f"Closed {unit.name} ({unit.code}): it is no longer offered for new staff or records. "
            "What is already attributed to it still names it."
        )
    flash(message, "success")
    return redirect(_body_on_page(body))


def _reached_department(department_id: int) -> Department:
    """The department ``department_id`` names if the administrator reaches its body; else a 404."""
    department = db.session.get(Department, department_id)
    if department is None or department.body_id not in reach.body_ids(current_user, Permission.MANAGE_UNITS):
        abort(404)
    return department


def _reached_unit(unit_id: int) -> Unit:
    """The unit ``unit_id`` names if the administrator reaches its body; else a 404, as if none."""
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.id not in reach.unit_ids(current_user, Permission.MANAGE_UNITS):
        abort(404)
    return unit


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
    *,
    department_name: tuple[int, DepartmentNameForm] | None = None,
    unit_edit: tuple[int, UnitEditForm] | None = None,
    unit_status: tuple[int, BrowserForm] | None = None,
) -> str:
    """The page; the form just refused (one of ``refused``'s) shows what was typed and what to change.

    ``department_name``, ``unit_edit`` and ``unit_status`` name the department or unit whose form was
    refused, and that form.
    """
    bodies = services.bodies_with_units(reach.body_ids(current_user, Permission.MANAGE_UNITS))
    forms, renames, edits = {}, {}, {}
    for body in bodies:
        ours = refused is not None and body.id == refused.id
        new_department = (department_form if ours else None) or DepartmentForm(formdata=None)
        new_unit = (unit_form if ours else None) or _unit_form(body, formdata=None)
        forms[body.id] = (
            distinct_ids(new_department, f"department-{body.id}"),
            distinct_ids(new_unit, f"unit-{body.id}"),
        )
        for department in body.departments:
            rename = _refused_for(department_name, department.id) or DepartmentNameForm(
                formdata=None, name=department.name
            )
            renames[department.id] = distinct_ids(rename, f"rename-department-{department.id}")
            for unit in department.units:
                edit = _refused_for(unit_edit, unit.id) or UnitEditForm(
                    formdata=None, name=unit.name, email=unit.email
                )
                edits[unit.id] = distinct_ids(edit, f"edit-unit-{unit.id}")
    refused_form = department_form or unit_form
    for slot in (department_name, unit_edit, unit_status):
        refused_form = refused_form or (slot[1] if slot else None)
    return render_template(
        "units/admin.html",
        bodies=bodies,
        forms=forms,
        renames=renames,
        edits=edits,
        refused_form=refused_form,
        refused_rename=department_name[0] if department_name else None,
        refused_edit=unit_edit[0] if unit_edit else None,
        refused_status=unit_status[0] if unit_status else None,
        problem=problem,
    )


def _refused_for(slot: tuple[int, BrowserForm] | None, object_id: int) -> BrowserForm | None:
    return slot[1] if slot is not None and slot[0] == object_id else None
