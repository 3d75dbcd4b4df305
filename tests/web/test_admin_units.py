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
    assert refused.status_code == 400 and "added a moment ago" in _html(refused)
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
    for url, fields in (
        (f"{PAGE}/{body.id}/departments", {"name": "Custodians' Club"}),
        (f"{PAGE}/{body.id}/units", {"department_id": str(_department(body).id), "name": "X", "code": "XX"}),
    ):
        assert browser.submit(url, fields, page="/requests/new").status_code == 403
    assert _counts() == before
