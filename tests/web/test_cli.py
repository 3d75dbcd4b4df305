"""Command-line tools: demo seeding, staff creation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from sunshine.authz import Role
from sunshine.cli import (
    create_api_token_command,
    create_staff_command,
    revoke_api_token_command,
    seed_demo_command,
    setup_command,
)
from sunshine.extensions import db
from sunshine.units.models import PublicBody
from sunshine.units.services import unit_by_code

ACCOUNT_LINE = re.compile(r"^\s+(.+?)\s{2,}(\S+@example\.org)\s+(\S+)$", re.M)


def test_seed_demo_creates_one_account_per_role_that_can_sign_in(runner, client) -> None:
    result = runner.invoke(seed_demo_command)
    assert result.exit_code == 0, result.output
    accounts = ACCOUNT_LINE.findall(result.output)
    assert sorted(label for label, _, _ in accounts) == sorted(r.label for r in Role)
    for _, email, password in accounts:
        client.sign_in(email, password)
        client.submit("/account/logout", page="/")


def test_seed_demo_refuses_a_database_with_data_unless_asked_to_skip(runner) -> None:
    assert runner.invoke(seed_demo_command).exit_code == 0
    again = runner.invoke(seed_demo_command)
    assert again.exit_code == 1 and "already has a public body" in again.output
    skipped = runner.invoke(seed_demo_command, ["--if-empty"])
    assert skipped.exit_code == 0 and "not seeded" in skipped.output


def test_create_staff_command_makes_an_account_that_signs_in(runner, client, factories) -> None:
    factories.unit("OGC", "Office of General Counsel")
    args = [
        "--email",
        "gc@example.org",
        "--name",
        "G. Counsel",
        "--unit",
        "ogc",
        "--role",
        "general_counsel",
        "--password",
        "counsel passphrase",
    ]
    result = runner.invoke(create_staff_command, args)
    assert result.exit_code == 0, result.output
    client.sign_in("gc@example.org", "counsel passphrase")
    assert "overdue deadlines" in client.get("/staff/").get_data(as_text=True)


def test_create_staff_command_explains_an_unknown_unit(runner, app) -> None:
    args = [
        "--email",
        "x@example.org",
        "--name",
        "X",
        "--unit",
        "NOPE",
        "--role",
        "custodian",
        "--password",
        "p" * 12,
    ]
    result = runner.invoke(create_staff_command, args)
    assert result.exit_code == 1 and "No unit has the code 'NOPE'" in result.output


def test_an_api_token_made_and_revoked_from_the_command_line(runner, client, factories) -> None:
    custodian = factories.user(Role.CUSTODIAN)
    made = runner.invoke(create_api_token_command, ["--email", custodian.email, "--name", "export"])
    assert made.exit_code == 0, made.output
    number, token = re.search(r"API token number (\d+) for export .*\n(sst_\S+)", made.output).groups()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/staff/requests", headers=headers).status_code == 200
    revoked = runner.invoke(revoke_api_token_command, ["--id", number])
    assert revoked.exit_code == 0 and f"Revoked API token number {number} (export)" in revoked.output
    assert client.get("/api/v1/staff/requests", headers=headers).status_code == 401
    again = runner.invoke(revoke_api_token_command, ["--id", number])
    assert again.exit_code == 1 and "already revoked" in again.output
    unknown = runner.invoke(revoke_api_token_command, ["--id", "424242"])
    assert unknown.exit_code == 1 and "No API token has the number 424242" in unknown.output


SETUP = [
    "--body",
    "City of Riverton",
    "--slug",
    "riverton",
    "--department",
    "Police Department",
    "--unit",
    "Records Unit",
    "--admin-email",
    "admin@riverton.example.gov",
    "--admin-name",
    "Ada Admin",
    "--password",
    "riverton admin passphrase",
]


def test_setup_starts_an_empty_database_that_takes_requests_and_has_an_administrator(runner, client) -> None:
    result = runner.invoke(setup_command, SETUP)
    assert result.exit_code == 0, result.output
    assert "Set up City of Riverton: Police Department, Records Unit (RECORDS)." in result.output
    assert "RECORDS_UNIT_CODE" not in result.output  # the unit requests are filed with
    with client.application.app_context():
        assert unit_by_code("RECORDS").department.body.name == "City of Riverton"
    client.sign_in("admin@riverton.example.gov", "riverton admin passphrase")
    assert "City of Riverton" in client.get("/admin/").get_data(as_text=True)
    for page in ("/admin/units", "/admin/staff/new", "/admin/custodian", "/admin/fees", "/admin/calendar"):
        assert client.get(page).status_code == 200, page  # each page setup sends the administrator to
    anyone = client.application.test_client()
    assert anyone.get("/requests/new").status_code == 200  # the records unit is there to take them


def test_setup_saves_nothing_when_any_part_cannot_be_made(runner, app_ctx) -> None:
    short = [*SETUP[:-1], "short"]  # a password the account rules refuse
    result = runner.invoke(setup_command, short)
    assert result.exit_code == 1 and "Nothing was saved." in result.output
    assert db.session.scalar(select(func.count()).select_from(PublicBody)) == 0
    bad_code = [*SETUP, "--code", "R"]
    result = runner.invoke(setup_command, bad_code)
    assert result.exit_code == 1 and "2 to 30 letters" in result.output
    assert db.session.scalar(select(func.count()).select_from(PublicBody)) == 0


def test_setup_says_when_the_unit_is_not_where_requests_are_filed(runner) -> None:
    result = runner.invoke(setup_command, [*SETUP, "--code", "PD-RECORDS"])
    assert result.exit_code == 0, result.output
    assert "set RECORDS_UNIT_CODE=PD-RECORDS for them to reach Records Unit" in result.output


def test_create_staff_command_refuses_a_closed_unit(runner, app_ctx, factories) -> None:
    unit = factories.unit("PATROL", "Patrol")
    unit.active = False
    db.session.commit()
    args = ["--email", "p@example.org", "--name", "P", "--unit", "PATROL", "--role", "custodian"]
    result = runner.invoke(create_staff_command, [*args, "--password", "patrol passphrase"])
    assert result.exit_code == 1 and "Patrol (PATROL) is closed: reopen it at /admin/units" in result.output


def test_setup_with_the_records_code_in_lower_case_says_nothing_of_it(runner, app) -> None:
    app.config["RECORDS_UNIT_CODE"] = "records"  # codes are kept and looked up in capitals
    try:
        result = runner.invoke(setup_command, [*SETUP[:5], "Police   Department", *SETUP[6:]])
    finally:
        app.config["RECORDS_UNIT_CODE"] = "RECORDS"
    assert result.exit_code == 0, result.output
    assert "Set up City of Riverton: Police Department, Records Unit (RECORDS)." in result.output
    assert "set RECORDS_UNIT_CODE" not in result.output
