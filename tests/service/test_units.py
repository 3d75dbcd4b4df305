"""Making the organisation: public bodies, departments and units, checked before they are made."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sunshine.accounts.models import User
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


def _events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
    ).all()


@pytest.fixture
def lakeside(app_ctx) -> Unit:
    """City of Lakeside's Police Department with its Records Unit (the one requests go to) and Patrol."""
    body = units.add_body(None, "City of Lakeside", "lakeside")
    dept = units.add_department(None, body, "Police Department")
    units.add_unit(None, dept, "Records Unit", "RECORDS")
    patrol = units.add_unit(None, dept, "Patrol", "PATROL", "patrol@example.gov")
    db.session.commit()
    return patrol


def test_a_unit_name_and_email_are_corrected_with_what_changed_on_the_record(lakeside) -> None:
    assert units.edit_unit(None, lakeside, "  Patrol   Division ", "")
    db.session.commit()
    assert (lakeside.name, lakeside.email, lakeside.code) == ("Patrol Division", None, "PATROL")
    (event,) = _events("unit.edited")
    assert event.object_id == str(lakeside.id)
    assert event.details == {
        "code": "PATROL",
        "name": {"before": "Patrol", "after": "Patrol Division"},
        "email": {"before": "patrol@example.gov", "after": None},
    }
    # Only what changed is recorded; a change of case in its own name is a change.
    assert units.edit_unit(None, lakeside, "patrol division", None)
    db.session.commit()
    assert _events("unit.edited")[-1].details == {
        "code": "PATROL",
        "name": {"before": "Patrol Division", "after": "patrol division"},
    }


def test_a_unit_saved_unchanged_records_nothing(lakeside) -> None:
    assert not units.edit_unit(None, lakeside, "Patrol", " patrol@example.gov ")
    assert _events("unit.edited") == []


def test_a_department_is_renamed_on_the_record_and_unchanged_records_nothing(lakeside) -> None:
    dept = lakeside.department
    assert units.rename_department(None, dept, "Police  Dept.")
    db.session.commit()
    assert dept.name == "Police Dept."
    (event,) = _events("department.renamed")
    assert event.details == {"before": "Police Department", "after": "Police Dept."}
    assert not units.rename_department(None, dept, " Police Dept. ")
    assert len(_events("department.renamed")) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda unit: units.edit_unit(None, unit, " ", None), "Give the unit's name"),
        (lambda unit: units.edit_unit(None, unit, "x" * 201, None), "to 200 characters"),
        (lambda unit: units.edit_unit(None, unit, "records UNIT", None), "already has a unit called"),
        (lambda unit: units.edit_unit(None, unit, "Patrol", "not an address"), "email address"),
        (lambda unit: units.rename_department(None, unit.department, ""), "Give the department's name"),
        (lambda unit: units.rename_department(None, unit.department, "y" * 201), "to 200 characters"),
    ],
)
def test_a_correction_that_cannot_work_is_refused_and_nothing_changes(lakeside, change, message) -> None:
    with pytest.raises(UnitError, match=message):
        change(lakeside)
    db.session.rollback()
    assert (lakeside.name, lakeside.email, lakeside.department.name) == (
        "Patrol",
        "patrol@example.gov",
        "Police Department",
    )
    assert _events("unit.edited") == [] and _events("department.renamed") == []


def test_a_department_cannot_take_the_name_of_another_of_its_body(lakeside) -> None:
    units.add_department(None, lakeside.body, "City Clerk")
    with pytest.raises(UnitError, match="City of Lakeside already has a department called city clerk"):
        units.rename_department(None, lakeside.department, "city clerk")


def test_a_unit_is_closed_and_reopened_on_the_record_and_left_out_of_choices(lakeside) -> None:
    assert units.set_unit_active(None, lakeside, False)
    db.session.commit()
    assert not lakeside.active and lakeside not in units.active_units()
    assert units.unit_by_code("PATROL") == lakeside  # still there, for what names it
    assert not units.set_unit_active(None, lakeside, False)  # already closed: nothing recorded
    assert units.set_unit_active(None, lakeside, True)
    db.session.commit()
    assert lakeside.active and lakeside in units.active_units()
    assert [e.action for e in _events("unit.closed") + _events("unit.reopened")] == [
        "unit.closed",
        "unit.reopened",
    ]


def test_the_unit_requests_are_filed_with_cannot_be_closed(lakeside, app) -> None:
    records = units.unit_by_code("RECORDS")
    with pytest.raises(UnitError, match="RECORDS_UNIT_CODE") as refused:
        units.set_unit_active(None, records, False)
    assert refused.value.field == "active"
    db.session.rollback()
    assert records.active and _events("unit.closed") == []
    app.config["RECORDS_UNIT_CODE"] = "PATROL"
    try:
        assert units.set_unit_active(None, records, False)
    finally:
        app.config["RECORDS_UNIT_CODE"] = "RECORDS"


def test_a_unit_where_people_still_work_cannot_be_closed_until_they_are_switched_off(
    lakeside, factories
) -> None:
    from sunshine.accounts import services as accounts
    from sunshine.authz import Role

    first = factories.user(Role.UNIT_REVIEWER, unit="PATROL")
    factories.user(Role.CUSTODIAN, unit="PATROL")
    accounts.grant_role(None, first, Role.CUSTODIAN, lakeside)  # two roles, one person
    with pytest.raises(UnitError, match="2 people still hold staff roles in Patrol") as refused:
        units.set_unit_active(None, lakeside, False)
    assert "switch their accounts off" in str(refused.value)
    db.session.rollback()
    assert lakeside.active

    first.active = False
    db.session.commit()
    with pytest.raises(UnitError, match="1 person still holds a staff role in Patrol"):
        units.set_unit_active(None, lakeside, False)
    db.session.rollback()

    for person in db.session.scalars(select(User).where(User.active.is_(True))):
        person.active = False
    db.session.commit()
    assert units.set_unit_active(None, lakeside, False) is not False  # nobody works there now: it closes
    db.session.commit()
    assert not lakeside.active
