"""Making the organisation: public bodies, departments and units, checked before they are made."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.extensions import db
from sunshine.units import services as units
from sunshine.units.models import Unit
from sunshine.units.services import UnitError


def test_a_body_department_and_unit_are_made_checked_and_on_the_record(app_ctx) -> None:
    body = units.add_body(None, "  City of  Riverton ", "Riverton", "America/Chicago")
    department = units.add_department(None, body, "Police Department")
    unit = units.add_unit(None, department, "Records Unit", " records-2 ", "Records@Riverton.example.gov")
    db.session.commit()
    assert (body.name, body.slug) == ("City of Riverton", "riverton")
    assert (unit.code, unit.email, unit.active) == ("RECORDS-2", "Records@riverton.example.gov", True)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-3:] == ["body.created", "department.created", "unit.created"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda body, dept: units.add_body(None, " ", "x1"), "Give the public body's name"),
        (lambda body, dept: units.add_body(None, "A" * 201, "x1"), "to 200 characters"),
        (lambda body, dept: units.add_body(None, "Town", "no spaces"), "lowercase letters, digits or dashes"),
        (lambda body, dept: units.add_body(None, "Town", "town", "Mars/Olympus"), "not a time zone"),
        (lambda body, dept: units.add_body(None, "Town", "town", "../etc/passwd"), "not a time zone"),
        (lambda body, dept: units.add_body(None, "City of Lakeside", "other"), "already a public body"),
        (lambda body, dept: units.add_body(None, "Other", "lakeside"), "already a public body"),
        (lambda body, dept: units.add_department(None, body, "  "), "Give the department's name"),
        (
            lambda body, dept: units.add_department(None, body, "police department"),
            "already has a department",
        ),
        (lambda body, dept: units.add_unit(None, dept, "Patrol", "P"), "2 to 30 letters"),
        (lambda body, dept: units.add_unit(None, dept, "Patrol", "PAT ROL"), "2 to 30 letters"),
        (lambda body, dept: units.add_unit(None, dept, "Patrol", "records"), "already used by another unit"),
        (
            lambda body, dept: units.add_unit(None, dept, "Patrol", "PATROL", "not an address"),
            "email address",
        ),
        (lambda body, dept: units.add_unit(None, dept, "records unit", "REC2"), "already has a unit called"),
    ],
)
def test_what_cannot_work_is_refused_with_what_to_change_and_nothing_made(app_ctx, make, message) -> None:
    body = units.add_body(None, "City of Lakeside", "lakeside")
    dept = units.add_department(None, body, "Police Department")
    units.add_unit(None, dept, "Records Unit", "RECORDS")
    db.session.commit()
    with pytest.raises(UnitError, match=message):
        make(body, dept)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 1
