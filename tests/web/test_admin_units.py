"""The departments-and-units page: an administrator adds departments and units to the bodies they
reach, and to no other; what cannot be made is refused beside the field, with nothing saved."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select

from sunshine.accounts import services as accounts
from sunshine.accounts.models import User
from sunshine.audit.models import AuditEvent
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.units import services as units
from sunshine.units.models import Department, PublicBody, Unit
from tests.factories import PASSWORD

PAGE = "/admin/units"


@pytest.fixture
def body(factories) -> PublicBody:
    """Test City, its Police Department and that department's Records Unit."""
    return factories.unit("RECORDS", "Records Unit").department.body


@pytest.fixture
def administrator(factories, body) -> User:
    return factories.user(Role.ADMINISTRATOR)


@pytest.fixture
def admin(app, client, administrator) -> FlaskClient:
    """The administrator's browser (the ``client`` fixture makes it one that fills in CSRF tokens)."""
    return _signed_in(app, administrator)


def _signed_in(app, user: User) -> FlaskClient:
    browser = app.test_client()
    browser.sign_in(user.email, PASSWORD)
    return browser


def _department(body: PublicBody, name: str = "Police Department") -> Department:
    return db.session.scalars(
        select(Department).where(Department.body_id == body.id, Department.name == name)
    ).one()


def _counts() -> tuple[int, ...]:
    """Departments, units and audit events: a refusal changes none of them."""
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(table)) for table in (Department, Unit, AuditEvent)
    )


def _last_event(action: str) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
    ).first()


def _add_department(browser: FlaskClient, body_id: int, **fields):
    return browser.submit(f"{PAGE}/{body_id}/departments", fields, page=PAGE)


def _add_unit(browser: FlaskClient, body_id: int, **fields):
    return browser.submit(f"{PAGE}/{body_id}/units", fields, page=PAGE)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _row(html: str, code: str) -> str:
    """The table row of the unit whose code is ``code``."""
    start = html.rindex("<tr>", 0, html.index(f"<code>{code}</code>"))
    return html[start : html.index("</tr>", start)]


def test_the_page_lists_each_department_and_unit_and_is_linked_from_administration(admin, body) -> None:
    assert f'href="{PAGE}"' in _html(admin.get("/admin/"))
    page = admin.get(PAGE)
    assert page.status_code == 200
    html = _html(page)
    row = _row(html, "RECORDS")
    assert "Police Department" in row and "Records Unit" in row and "Active" in row and "None" in row
    assert f"Add a department to {body.name}" in html and f"Add a unit to {body.name}" in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids))  # two forms on one page, each label finding its own field


def test_an_administrator_adds_a_department_then_a_unit_to_it(admin, administrator, body) -> None:
    added = _add_department(admin, body.id, name="  City   Clerk ")
    assert added.status_code == 302 and added.location.endswith(f"{PAGE}#body-{body.id}")
    page = _html(admin.get(added.location))
    assert f"Added City Clerk to {body.name}" in page and "No units yet" in page
    clerk = _department(body, "City Clerk")
    event = _last_event("department.created")
    assert event.actor_id == administrator.id and event.object_id == str(clerk.id)
    assert event.details == {"body_id": body.id}

    added = _add_unit(
        admin,
        body.id,
        department_id=str(clerk.id),
        name="Elections",
        code="elections",
        email="vote@example.gov",
    )
    assert added.status_code == 302
    page = _html(admin.get(added.location))
    assert "Added Elections (ELECTIONS) to City Clerk" in page
    row = _row(page, "ELECTIONS")
    assert "City Clerk" in row and "Elections" in row and "vote@example.gov" in row and "Active" in row
    unit = units.unit_by_code("ELECTIONS")
    assert unit.department_id == clerk.id and unit.email == "vote@example.gov" and unit.active
    event = _last_event("unit.created")
    assert event.actor_id == administrator.id and event.object_id == str(unit.id)
    # Staff can be placed in it at once.
    assert "City Clerk — Elections" in _html(admin.get("/admin/staff/new"))


def test_the_unit_form_offers_only_the_departments_of_its_body(admin, body, factories) -> None:
    factories.unit("COUNTYREC", body="county")
    county = db.session.scalars(select(PublicBody).where(PublicBody.slug == "county")).one()
    html = _html(admin.get(PAGE))
    assert county.name not in html and "COUNTYREC" not in html
    select_box = html[html.index(f'id="department_id-unit-{body.id}"') :].split("</select>")[0]
    assert select_box.count("<option") == 1 and "Police Department" in select_box


DEPARTMENT_REFUSALS = [
    pytest.param({"name": "   "}, "name", "Give the department's name.", id="blank-name"),
    pytest.param({}, "name", "Give the department's name.", id="no-name"),
    pytest.param(
        {"name": "police department"},
        "name",
        "Test City already has a department called police department.",
        id="duplicate-name",
    ),
    pytest.param(
        {"name": "x" * 201}, "name", "Keep the department's name to 200 characters.", id="long-name"
    ),
]


@pytest.mark.parametrize(("fields", "field", "message"), DEPARTMENT_REFUSALS)
def test_a_department_that_cannot_be_made_is_refused_beside_its_field(
    admin, body, fields, field, message
) -> None:
    before = _counts()
    refused = _add_department(admin, body.id, **fields)
    assert refused.status_code == 400
    html = _html(refused)
    beside = html[html.index(f'id="{field}-department-{body.id}-error"') :].split("</p>")[0]
    assert str(escape(message)) in beside
    assert "There is a problem" in html and f'href="#{field}-department-{body.id}"' in html
    if fields.get("name", "").strip():
        assert f'value="{escape(fields["name"])}"' in html  # what was typed, kept
    assert _counts() == before


UNIT_REFUSALS = [
    pytest.param({"name": " "}, "name", "Give the unit's name.", id="blank-name"),
    pytest.param({"code": "P"}, "code", "The code is 2 to 30 letters, digits or dashes", id="short-code"),
    pytest.param({"code": "PAT ROL"}, "code", "The code is 2 to 30 letters, digits or dashes", id="bad-code"),
    pytest.param(
        {"code": "records"}, "code", "The code RECORDS is already used by another unit", id="duplicate-code"
    ),
    pytest.param(
        {"email": "not an address"},
        "email",
        "Give the unit's email address like records@example.gov, or leave it blank.",
        id="bad-email",
    ),
    pytest.param(
        {"name": "records unit"},
        "name",
        "Police Department already has a unit called records unit",
        id="dup-name",
    ),
    pytest.param(
        {"department_id": "999999"}, "department_id", "Choose one of the departments", id="no-such-dept"
    ),
    pytest.param(
        {"department_id": "abc"}, "department_id", "Choose one of the departments", id="not-a-number"
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), UNIT_REFUSALS)
def test_a_unit_that_cannot_be_made_is_refused_beside_its_field(admin, body, changes, field, message) -> None:
    typed = {
        "department_id": str(_department(body).id),
        "name": "Patrol Division",
        "code": "PATROL",
        "email": "patrol@example.gov",
        **changes,
    }
    before = _counts()
    refused = _add_unit(admin, body.id, **typed)
    assert refused.status_code == 400
    html = _html(refused)
    beside = html[html.index(f'id="{field}-unit-{body.id}-error"') :].split("</p>")[0]
    assert str(escape(message)) in beside
    for name in ("name", "code", "email"):
        if typed[name].strip():
            assert f'value="{escape(typed[name])}"' in html  # what was typed, kept
    assert _counts() == before


def test_a_unit_code_taken_at_the_same_moment_is_refused_not_a_crash(admin, body, monkeypatch) -> None:
    # Another administrator's unit saved between the check and the insert: the database refuses it.
    monkeypatch.setattr(units, "unit_by_code", lambda code: None)
    before = _counts()
    refused = _add_unit(
        admin, body.id, department_id=str(_department(body).id), name="Patrol", code="RECORDS"
    )
    assert refused.status_code == 400 and "was just given to another department or unit" in _html(refused)
    assert _counts() == before


def test_an_administrator_of_another_body_neither_sees_nor_adds_to_it(app, client, body, factories) -> None:
    theirs = _department(body)
    county_unit = factories.unit("COUNTYREC", "County Records", body="county")
    county = county_unit.department.body
    county_admin = _signed_in(app, factories.user(Role.ADMINISTRATOR, unit="COUNTYREC"))

    html = _html(county_admin.get(PAGE))
    assert county.name in html and "COUNTYREC" in html
    assert body.name not in html and "<code>RECORDS</code>" not in html

    before = _counts()
    assert _add_department(county_admin, body.id, name="Forged Department").status_code == 404
    forged = _add_unit(county_admin, body.id, department_id=str(theirs.id), name="Forged", code="FORGED")
    assert forged.status_code == 404
    # Through their own body's form, naming the other body's department.
    forged = _add_unit(county_admin, county.id, department_id=str(theirs.id), name="Forged", code="FORGED")
    assert forged.status_code == 400 and f"Choose one of the departments of {county.name}" in _html(forged)
    assert _counts() == before
    assert units.unit_by_code("FORGED") is None


def test_an_administrator_of_two_bodies_adds_to_each_and_a_refusal_keeps_to_its_own_form(
    app, client, administrator, body, factories
) -> None:
    county_unit = factories.unit("COUNTYREC", "County Records", body="county")
    county = county_unit.department.body
    accounts.grant_role(None, administrator, Role.ADMINISTRATOR, county_unit)
    db.session.commit()
    admin = _signed_in(app, administrator)

    html = _html(admin.get(PAGE))
    assert body.name in html and county.name in html
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) and f'id="name-unit-{county.id}"' in html  # no id twice

    refused = _add_unit(admin, county.id, department_id=str(_department(county).id), name="Jail", code="x")
    html = _html(refused)
    assert refused.status_code == 400 and f'id="code-unit-{county.id}-error"' in html
    assert f'id="code-unit-{body.id}-error"' not in html and html.count('value="Jail"') == 1

    added = _add_department(admin, county.id, name="Sheriff")
    assert added.status_code == 302 and _department(county, "Sheriff").body_id == county.id


@pytest.mark.parametrize("role", [Role.CUSTODIAN, Role.UNIT_REVIEWER, Role.GENERAL_COUNSEL])
def test_staff_who_are_not_administrators_are_refused(app, client, body, factories, role) -> None:
    browser = _signed_in(app, factories.user(role))
    assert browser.get(PAGE).status_code == 403
    before = _counts()
    records = units.unit_by_code("RECORDS")
    for url, fields in (
        (f"{PAGE}/{body.id}/departments", {"name": "Custodians' Club"}),
        (f"{PAGE}/{body.id}/units", {"department_id": str(_department(body).id), "name": "X", "code": "XX"}),
        (f"{PAGE}/departments/{_department(body).id}/name", {"name": "Custodians' Club"}),
        (f"{PAGE}/units/{records.id}", {"name": "X", "email": ""}),
        (f"{PAGE}/units/{records.id}/close", {}),
        (f"{PAGE}/units/{records.id}/reopen", {}),
    ):
        assert browser.submit(url, fields, page="/requests/new").status_code == 403
    assert _counts() == before


# ---- correcting, closing and reopening --------------------------------------------------------


@pytest.fixture
def patrol(body, factories) -> Unit:
    """A second unit of the Police Department, where nobody works."""
    return factories.unit("PATROL", "Patrol")


def _edit_unit(browser: FlaskClient, unit_id: int, **fields):
    return browser.submit(f"{PAGE}/units/{unit_id}", fields, page=PAGE)


def _rename_department(browser: FlaskClient, department_id: int, **fields):
    return browser.submit(f"{PAGE}/departments/{department_id}/name", fields, page=PAGE)


def _close(browser: FlaskClient, unit_id: int):
    return browser.submit(f"{PAGE}/units/{unit_id}/close", page=PAGE)


def _reopen(browser: FlaskClient, unit_id: int):
    return browser.submit(f"{PAGE}/units/{unit_id}/reopen", page=PAGE)


def _state() -> tuple:
    """Every department's and unit's name, email and status, and the audit events: a refusal changes
    none of them."""
    db.session.expire_all()
    departments = db.session.execute(select(Department.id, Department.name).order_by(Department.id)).all()
    unit_rows = db.session.execute(
        select(Unit.id, Unit.name, Unit.email, Unit.active).order_by(Unit.id)
    ).all()
    return departments, unit_rows, _counts()


def _beside(html: str, field_id: str) -> str:
    return html[html.index(f'id="{field_id}-error"') :].split("</p>")[0]


def test_an_administrator_corrects_a_unit_name_and_email_but_not_its_code(
    admin, administrator, body, patrol
) -> None:
    page = _html(admin.get(PAGE))
    assert f'id="name-edit-unit-{patrol.id}"' in page and 'value="Patrol"' in page
    assert f'action="{PAGE}/units/{patrol.id}' in page

    saved = _edit_unit(admin, patrol.id, name=" Patrol  Division", email="Patrol@Example.gov", code="OTHER")
    assert saved.status_code == 302 and saved.location.endswith(f"{PAGE}#body-{body.id}")
    page = _html(admin.get(saved.location))
    assert "Saved Patrol Division (PATROL)." in page
    row = _row(page, "PATROL")
    assert "Patrol Division" in row and "Patrol@example.gov" in row
    db.session.expire_all()
    assert (patrol.name, patrol.email, patrol.code) == ("Patrol Division", "Patrol@example.gov", "PATROL")
    event = _last_event("unit.edited")
    assert event.actor_id == administrator.id and event.object_id == str(patrol.id)
    assert event.details == {
        "code": "PATROL",
        "name": {"before": "Patrol", "after": "Patrol Division"},
        "email": {"before": None, "after": "Patrol@example.gov"},
    }
    # The new name is what staff pick from.
    assert "Police Department — Patrol Division" in _html(admin.get("/admin/staff/new"))

    before = _counts()
    again = _edit_unit(admin, patrol.id, name="Patrol Division", email="Patrol@example.gov")
    assert again.status_code == 302 and "Nothing changed in Patrol Division" in _html(admin.get(PAGE))
    assert _counts() == before  # no event when nothing changed


def test_an_administrator_renames_a_department(admin, administrator, body) -> None:
    department = _department(body)
    renamed = _rename_department(admin, department.id, name="Police  Dept.")
    assert renamed.status_code == 302 and renamed.location.endswith(f"{PAGE}#body-{body.id}")
    page = _html(admin.get(renamed.location))
    assert "Renamed Police Department to Police Dept." in page
    assert "Police Dept." in _row(page, "RECORDS")
    event = _last_event("department.renamed")
    assert event.actor_id == administrator.id and event.object_id == str(department.id)
    assert event.details == {"before": "Police Department", "after": "Police Dept."}


def test_an_administrator_closes_a_unit_and_reopens_it_and_choices_follow(
    admin, administrator, body, patrol
) -> None:
    page = _html(admin.get(PAGE))
    close_form = page[page.index(f'action="{PAGE}/units/{patrol.id}/close') :].split("</form>")[0]
    assert 'data-confirm="Close Patrol (PATROL)?' in page[: page.index(close_form) + len(close_form)]
    assert 'name="csrf_token"' in close_form and "confirm.js" in page
    assert "Police Department — Patrol" in _html(admin.get("/admin/staff/new"))

    closed = _close(admin, patrol.id)
    assert closed.status_code == 302 and closed.location.endswith(f"{PAGE}#body-{body.id}")
    page = _html(admin.get(closed.location))
    assert "Closed Patrol (PATROL)" in page
    row = _row(page, "PATROL")
    assert "Closed" in row and f"{PAGE}/units/{patrol.id}/reopen" in row
    event = _last_event("unit.closed")
    assert event.actor_id == administrator.id and event.object_id == str(patrol.id)
    new_staff = _html(admin.get("/admin/staff/new"))
    assert "Patrol" not in new_staff and "Police Department — Records Unit" in new_staff

    reopened = _reopen(admin, patrol.id)
    assert reopened.status_code == 302
    page = _html(admin.get(reopened.location))
    assert "Reopened Patrol (PATROL)" in page and "Active" in _row(page, "PATROL")
    assert _last_event("unit.reopened").object_id == str(patrol.id)
    assert "Police Department — Patrol" in _html(admin.get("/admin/staff/new"))

    before = _counts()
    assert _reopen(admin, patrol.id).status_code == 302  # already open: said so, nothing recorded
    assert "was already open: nothing changed" in _html(admin.get(PAGE)) and _counts() == before


EDIT_REFUSALS = [
    pytest.param({"name": "  "}, "name", "Give the unit's name.", id="blank-name"),
    pytest.param({"name": "x" * 201}, "name", "Keep the unit's name to 200 characters.", id="long-name"),
    pytest.param(
        {"name": "records UNIT"},
        "name",
        "Police Department already has a unit called records UNIT.",
        id="duplicate-name",
    ),
    pytest.param(
        {"email": "not an address"},
        "email",
        "Give the unit's email address like records@example.gov, or leave it blank.",
        id="bad-email",
    ),
]


@pytest.mark.parametrize(("changes", "field", "message"), EDIT_REFUSALS)
def test_a_unit_correction_that_cannot_be_made_is_refused_beside_its_field(
    admin, patrol, changes, field, message
) -> None:
    typed = {"name": "Patrol Division", "email": "patrol@example.gov", **changes}
    before = _state()
    refused = _edit_unit(admin, patrol.id, **typed)
    assert refused.status_code == 400
    html = _html(refused)
    assert str(escape(message)) in _beside(html, f"{field}-edit-unit-{patrol.id}")
    assert "There is a problem" in html and f'href="#{field}-edit-unit-{patrol.id}"' in html
    assert f'<details id="unit-{patrol.id}" open>' in html  # the refused form, open to show why
    for name in ("name", "email"):
        if typed[name].strip():
            assert f'value="{escape(typed[name])}"' in html  # what was typed, kept
    assert _state() == before


RENAME_REFUSALS = [
    pytest.param("", "Give the department's name.", id="blank-name"),
    pytest.param("y" * 201, "Keep the department's name to 200 characters.", id="long-name"),
    pytest.param("city CLERK", "Test City already has a department called city CLERK.", id="duplicate-name"),
]


@pytest.mark.parametrize(("name", "message"), RENAME_REFUSALS)
def test_a_department_rename_that_cannot_be_made_is_refused_beside_its_field(
    admin, body, name, message
) -> None:
    units.add_department(None, body, "City Clerk")
    db.session.commit()
    department = _department(body)
    before = _state()
    refused = _rename_department(admin, department.id, name=name)
    assert refused.status_code == 400
    html = _html(refused)
    assert str(escape(message)) in _beside(html, f"name-rename-department-{department.id}")
    assert f'<details id="department-{department.id}" open>' in html
    assert _state() == before


def test_the_unit_requests_are_filed_with_is_not_closed(admin, body) -> None:
    records = units.unit_by_code("RECORDS")
    before = _state()
    refused = _close(admin, records.id)
    assert refused.status_code == 400
    html = _html(refused)
    beside = _beside(html, f"status-unit-{records.id}")
    assert "Requests filed on the web and through the API go to Records Unit, so it stays open." in beside
    assert "RECORDS_UNIT_CODE" in beside and "There is a problem" in html
    assert _state() == before


def test_a_unit_where_people_still_work_is_not_closed_until_they_are_switched_off(
    admin, body, patrol, factories
) -> None:
    reviewer = factories.user(Role.UNIT_REVIEWER, unit="PATROL")
    custodian = factories.user(Role.CUSTODIAN, unit="PATROL")
    before = _state()
    refused = _close(admin, patrol.id)
    assert refused.status_code == 400
    beside = _beside(_html(refused), f"status-unit-{patrol.id}")
    assert "2 people still hold staff roles in Patrol." in beside
    assert "switch their accounts off under Staff on the administration page first" in beside
    assert _state() == before

    # Switched off at the staff page, they no longer keep it open (their roles still name it).
    assert admin.submit(f"/admin/staff/{custodian.id}/active", page="/admin/").status_code == 302
    refused = _close(admin, patrol.id)
    assert "1 person still holds a staff role in Patrol." in _html(refused)
    assert admin.submit(f"/admin/staff/{reviewer.id}/active", page="/admin/").status_code == 302
    assert _close(admin, patrol.id).status_code == 302
    db.session.expire_all()
    assert not db.session.get(Unit, patrol.id).active


def test_an_administrator_of_another_body_cannot_correct_or_close_its_units(
    app, client, body, patrol, factories
) -> None:
    factories.unit("COUNTYREC", "County Records", body="county")
    county_admin = _signed_in(app, factories.user(Role.ADMINISTRATOR, unit="COUNTYREC"))
    html = _html(county_admin.get(PAGE))
    assert f"{PAGE}/units/{patrol.id}" not in html and f"department-{_department(body).id}" not in html

    before = _state()
    assert _edit_unit(county_admin, patrol.id, name="Forged", email="").status_code == 404
    assert _rename_department(county_admin, _department(body).id, name="Forged").status_code == 404
    assert _close(county_admin, patrol.id).status_code == 404
    assert _state() == before
    units.set_unit_active(None, patrol, False)
    db.session.commit()
    before = _state()
    assert _reopen(county_admin, patrol.id).status_code == 404
    # Ids that name nothing are answered alike.
    assert _edit_unit(county_admin, 999999, name="Forged", email="").status_code == 404
    assert _rename_department(county_admin, 999999, name="Forged").status_code == 404
    assert _state() == before


def test_a_correction_with_an_expired_form_is_refused_and_says_so(admin, patrol) -> None:
    before = _state()
    for url in (f"{PAGE}/units/{patrol.id}", f"{PAGE}/units/{patrol.id}/close"):
        refused = admin.post(url, data={"name": "Forged", "csrf_token": "expired"})
        assert refused.status_code == 400 and "This form has expired" in _html(refused)
    assert _state() == before
