"""Reading and changing the organisation: bodies, departments, units."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from sunshine.accounts.models import RoleAssignment, User
from sunshine.audit.services import record
from sunshine.authz import STAFF_ROLES
from sunshine.extensions import db
from sunshine.units.models import Department, PublicBody, Unit

MAX_CUSTODIAN_CONTACT = 1000


class BodyError(ValueError):
    """A change to a public body that cannot be made; the message says why."""


def set_custodian_contact(actor, body: PublicBody, text: str) -> None:
    """Save who the body's custodian of records is and how to reach them (blank: none); commits."""
    text = text.strip()
    if len(text) > MAX_CUSTODIAN_CONTACT:
        raise BodyError(f"Keep the custodian's details to {MAX_CUSTODIAN_CONTACT:,} characters.")
    before = body.custodian_contact
    body.custodian_contact = text or None
    record(actor, "body.custodian_contact_set", body, details={"before": before, "after": text or None})
    db.session.commit()


def body_taking_requests(unit_code: str) -> PublicBody | None:
    """The body of the unit requests are filed with (``RECORDS_UNIT_CODE``), if there is one."""
    unit = unit_by_code(unit_code)
    return unit.department.body if unit is not None else None


def bodies_with_units(body_ids: set[int]) -> list[PublicBody]:
    """The bodies among ``body_ids``, their departments and units loaded."""
    return list(
        db.session.scalars(
            select(PublicBody)
            .where(PublicBody.id.in_(body_ids))
            .options(selectinload(PublicBody.departments).selectinload(Department.units))
            .order_by(PublicBody.name)
        )
    )


def active_units(body_ids: set[int] | None = None) -> list[Unit]:
    """Open units, of the bodies in ``body_ids`` when given, else of every body."""
    query = select(Unit).join(Unit.department).where(Unit.active.is_(True))
    if body_ids is not None:
        query = query.where(Department.body_id.in_(body_ids))
    return list(db.session.scalars(query.order_by(Department.name, Unit.name)))


def unit_by_code(code: str) -> Unit | None:
    """The unit with ``code``, its department and body loaded in the same query."""
    return db.session.scalar(
        select(Unit)
        .where(Unit.code == code.upper())
        .options(joinedload(Unit.department).joinedload(Department.body))
    )


UNIT_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,29}")
BODY_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{1,59}")
MAX_NAME = 200


class UnitError(ValueError):
    """A body, department or unit that cannot be made as given; the message says what to change.

    ``field`` names what was given wrong ("name", "code", "email", "slug" or "timezone"), so a
    form can show the message beside it; "active" when a unit cannot be closed yet.
    """

    def __init__(self, message: str, field: str = "name") -> None:
        super().__init__(message)
        self.field = field


def _name(text: str, what: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise UnitError(f"Give the {what}'s name.")
    if len(name) > MAX_NAME:
        raise UnitError(f"Keep the {what}'s name to {MAX_NAME} characters.")
    return name


def add_body(actor, name: str, slug: str, timezone: str = "America/Chicago") -> PublicBody:
    """A new public body, checked: its name and short name (slug) unused, its time zone real.

    Not committed.
    """
    name, slug = _name(name, "public body"), (slug or "").strip().lower()
    if not BODY_SLUG.fullmatch(slug):
        raise UnitError(
            "The short name is 2 to 60 lowercase letters, digits or dashes, such as fairview.", "slug"
        )
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnitError(
            f"{timezone!r} is not a time zone; give one such as America/Chicago.", "timezone"
        ) from None
    taken = select(PublicBody.id).where((PublicBody.name == name) | (PublicBody.slug == slug))
    if db.session.scalar(taken) is not None:
        raise UnitError(f"There is already a public body called {name} or with the short name {slug}.")
    return create_body(actor, name, slug, timezone)


def add_department(actor, body: PublicBody, name: str) -> Department:
    """A new department of ``body``, its name unused there. Not committed."""
    name = _name(name, "department")
    taken = select(Department.id).where(
        Department.body_id == body.id, func.lower(Department.name) == name.lower()
    )
    if db.session.scalar(taken) is not None:
        raise UnitError(f"{body.name} already has a department called {name}.")
    return create_department(actor, body, name)


def add_unit(actor, department: Department, name: str, code: str, email: str | None = None) -> Unit:
    """A new unit of ``department``, its code unused anywhere (codes route cases). Not committed."""
    name, code = _name(name, "unit"), (code or "").strip().upper()
    if not UNIT_CODE.fullmatch(code):
        raise UnitError("The code is 2 to 30 letters, digits or dashes, such as RECORDS or PATROL.", "code")
    if unit_by_code(code) is not None:
        raise UnitError(f"The code {code} is already used by another unit; choose another.", "code")
    email = _email(email)
    _unit_name_unused(department, name)
    return create_unit(actor, department, name, code, email)


def _email(text: str | None) -> str | None:
    email = (text or "").strip() or None
    if email is None:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise UnitError(
            "Give the unit's email address like records@example.gov, or leave it blank.", "email"
        ) from None


def _unit_name_unused(department: Department, name: str, unit: Unit | None = None) -> None:
    """Refuse ``name`` if another unit of ``department`` has it, whatever its case (``unit`` aside)."""
    taken = select(Unit.id).where(Unit.department_id == department.id, func.lower(Unit.name) == name.lower())
    if unit is not None:
        taken = taken.where(Unit.id != unit.id)
    if db.session.scalar(taken) is not None:
        raise UnitError(f"{department.name} already has a unit called {name}.")


def rename_department(actor, department: Department, name: str) -> bool:
    """Give ``department`` a new name, unused by the body's other departments whatever its case.

    Audited as ``department.renamed`` with the name before and after. Returns False, recording
    nothing, when the name is the same. Not committed.
    """
    name = _name(name, "department")
    if name == department.name:
        return False
    taken = select(Department.id).where(
        Department.body_id == department.body_id,
        func.lower(Department.name) == name.lower(),
        Department.id != department.id,
    )
    if db.session.scalar(taken) is not None:
        raise UnitError(f"{department.body.name} already has a department called {name}.")
    record(actor, "department.renamed", department, details={"before": department.name, "after": name})
    department.name = name
    return True


def edit_unit(actor, unit: Unit, name: str, email: str | None) -> bool:
    """Correct ``unit``'s name and email address, checked as ``add_unit`` checks them.

    The code is not changed here, ever: case numbers, Bates prefixes and routing carry it. Audited as
    ``unit.edited`` with before and after of each thing that changed. Returns False, recording nothing,
    when nothing changed. Not committed.
    """
    name, email = _name(name, "unit"), _email(email)
    _unit_name_unused(unit.department, name, unit)
    changed = {
        what: {"before": old, "after": new}
        for what, old, new in (("name", unit.name, name), ("email", unit.email, email))
        if old != new
    }
    if not changed:
        return False
    unit.name, unit.email = name, email
    record(actor, "unit.edited", unit, details={"code": unit.code, **changed})
    return True


def set_unit_active(actor, unit: Unit, active: bool) -> bool:
    """Close ``unit`` (``active`` False) or reopen it; audited as ``unit.closed`` or ``unit.reopened``.

    A closed unit stays on what is already attributed to it (released records, cases, roles of people
    switched off) and is left out of every choice (``active_units``). Refused, with what to do first,
    for the unit requests are filed with (``RECORDS_UNIT_CODE``) and for a unit where anyone active
    still holds a staff role. Returns False, recording nothing, when the unit already was so.
    Not committed.
    """
    if unit.active == active:
        return False
    if not active:
        _may_close(unit)
    unit.active = active
    record(actor, "unit.reopened" if active else "unit.closed", unit, details={"code": unit.code})
    return True


def _may_close(unit: Unit) -> None:
    if unit.code == current_app.config["RECORDS_UNIT_CODE"].upper():
        raise UnitError(
            f"Requests filed on the web and through the API go to {unit.name}, so it stays open. "
            f"To close it, have the server's RECORDS_UNIT_CODE set to the unit that takes requests "
            f"instead of {unit.code} first.",
            "active",
        )
    staff = db.session.scalar(
        select(func.count(func.distinct(User.id)))
        .join(User.role_assignments)
        .where(
            RoleAssignment.unit_id == unit.id,
            RoleAssignment.role.in_(STAFF_ROLES),
            User.active.is_(True),
        )
    )
    if staff:
        people = (
            "1 person still holds a staff role" if staff == 1 else f"{staff} people still hold staff roles"
        )
        raise UnitError(
            f"{people} in {unit.name}. Close it once nobody works there: switch "
            f"{'their account' if staff == 1 else 'their accounts'} off under Staff on the administration "
            "page first (someone who also works for another public body is switched off by that body's "
            "administrator, or on the server's command line).",
            "active",
        )


def create_body(actor, name: str, slug: str, timezone: str = "America/Chicago") -> PublicBody:
    body = PublicBody(name=name, slug=slug, timezone=timezone)
    db.session.add(body)
    db.session.flush()
    record(actor, "body.created", body, details={"slug": slug}, actor_kind=None if actor else "cli")
    return body


def create_department(actor, body: PublicBody, name: str) -> Department:
    department = Department(body=body, name=name)
    db.session.add(department)
    db.session.flush()
    record(
        actor,
        "department.created",
        department,
        details={"body_id": body.id},
        actor_kind=None if actor else "cli",
    )
    return department


def create_unit(actor, department: Department, name: str, code: str, email: str | None = None) -> Unit:
    unit = Unit(department=department, name=name, code=code.upper(), email=email)
    db.session.add(unit)
    db.session.flush()
    record(actor, "unit.created", unit, details={"code": unit.code}, actor_kind=None if actor else "cli")
    return unit
