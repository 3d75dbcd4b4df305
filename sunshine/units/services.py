"""Reading and changing the organisation: bodies, departments, units."""

from __future__ import annotations

from sqlalchemy import select
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
