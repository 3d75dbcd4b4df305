"""A demo public body with units, one account for each role and records requests in every state,
for newcomers and tests."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sunshine.accounts import services as accounts
from sunshine.accounts.models import RoleAssignment
from sunshine.authz import Role
from sunshine.demo_requests import seed_requests
from sunshine.extensions import db
from sunshine.timeutil import utcnow
from sunshine.units import services as units

# department -> [(unit name, code)]
ORGANISATION = {
    "Police Department": [
        ("Records Unit", "RECORDS"),
        ("Patrol Bureau", "PATROL"),
        ("Investigations Bureau", "INVEST"),
        ("Traffic Unit", "TRAFFIC"),
        ("Local Area Security Officer", "LASO"),
    ],
    "Office of General Counsel": [("Office of General Counsel", "OGC")],
    "Department of Information Technology": [("IT Help Desk", "ITHELP")],
}

# role -> (email, name, unit code)
DEMO_PEOPLE = {
    Role.REQUESTER: ("requester@example.org", "Robin Requester", None),
    Role.CUSTODIAN: ("custodian@example.org", "Casey Custodian", "RECORDS"),
    Role.UNIT_REVIEWER: ("reviewer@example.org", "Riley Reviewer", "PATROL"),
    Role.GENERAL_COUNSEL: ("counsel@example.org", "Morgan Counsel", "OGC"),
    Role.ADMINISTRATOR: ("admin@example.org", "Alex Administrator", "ITHELP"),
}


@dataclass(frozen=True)
class DemoAccount:
    role: Role
    email: str
    password: str


@dataclass(frozen=True)
class Demo:
    accounts: list[DemoAccount]
    requests: dict[str, str]  # what each demo request shows ("overdue", "granted", ...) -> tracking number


def seed_demo(body_name: str) -> Demo:
    """Create the demo body, its units, one confirmed account per role, and the demo's records requests
    (see ``sunshine.demo_requests``)."""
    body = units.create_body(None, body_name, "demo")
    codes = {}
    for department_name, unit_specs in ORGANISATION.items():
        department = units.create_department(None, body, department_name)
        for unit_name, code in unit_specs:
            codes[code] = units.create_unit(None, department, unit_name, code)
    units.set_custodian_contact(  # commits
        None,
        body,
        "Casey Custodian, Police Records Unit\n100 Main Street (demo address)\n"
        "(555) 010-0100, records@example.org\nWeekdays 8:00 AM to 4:30 PM",
    )

    created, people = [], {}
    for role, (email, name, code) in DEMO_PEOPLE.items():
        password = secrets.token_urlsafe(12)
        if role is Role.REQUESTER:
            user = accounts.register_requester(email, name, password)
            if user is None:  # registration keeps quiet about a taken address; the demo must not
                raise accounts.AccountError(f"{email} already has an account: seed an empty database.")
            user.email_confirmed_at = utcnow()
        else:
            user = accounts.create_staff(
                None,
                email=email,
                full_name=name,
                unit=codes[code],
                role=role,
                password=password,
                actor_kind="cli",
            )
        if role is Role.CUSTODIAN:
            # The demo custodian also rules on corrections in the Records Unit's own records.
            user.role_assignments.append(RoleAssignment(role=Role.UNIT_REVIEWER, unit_id=codes["RECORDS"].id))
        db.session.commit()
        created.append(DemoAccount(role, email, password))
        people[role] = user
    numbers = seed_requests(body, people[Role.REQUESTER], people[Role.CUSTODIAN])
    return Demo(created, numbers)
