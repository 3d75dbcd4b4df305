"""Reading and changing the organisation: bodies, departments, units."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from sunshine.audit.services import record
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
    form can show the message beside it.
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
    email = (email or "").strip() or None
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise UnitError(
                "Give the unit's email address like records@example.gov, or leave it blank.", "email"
            ) from None
    taken = select(Unit.id).where(Unit.department_id == department.id, func.lower(Unit.name) == name.lower())
    if db.session.scalar(taken) is not None:
        raise UnitError(f"{department.name} already has a unit called {name}.")
    return create_unit(actor, department, name, code, email)


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
