"""Test data builders (CTFd's gen_* style): organisations and people in one call."""

from __future__ import annotations

import itertools

from sunshine.accounts import services as accounts
from sunshine.accounts.models import User
from sunshine.authz import Role
from sunshine.extensions import db
from sunshine.timeutil import utcnow
from sunshine.units import services as units
from sunshine.units.models import Unit

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


class Factories:
    def clock(
        self, kind=None, *, started_on=None, unit: str = "RECORDS", case_id: int | None = None, **kwargs
    ):
        """A clock on a test case, started on a Tuesday with no holidays nearby by default."""
        from datetime import date

        from sunshine.clocks import services as clocks
        from sunshine.clocks.policies import ClockKind

        case_id = case_id or next(_counter)
        clock = clocks.start(
            None,
            kind=kind or ClockKind.SUNSHINE_RESPONSE,
            case_type="test_case",
            case_id=case_id,
            unit=self.unit(unit),
            label=f"TEST-{case_id}",
            started_on=started_on or date(2026, 3, 3),
            **kwargs,
        )
        db.session.commit()
        return clock

    def __init__(self) -> None:
        self._units: dict[str, Unit] = {}

    def request(
        self, requester=None, *, email: str | None = "asker@example.org", unit_code: str = "RECORDS", **intake
    ):
        """A records request filed on the web at ``unit_code`` (made if new, in the first body),
        received on ``received_on`` (default Tue 3 Mar 2026)."""
        from datetime import date

        from sunshine.records import filing
        from sunshine.records.models import Channel

        received_on = intake.pop("received_on", date(2026, 3, 3))
        self.unit(unit_code)
        filed = filing.file_request(
            requester,
            filing.Intake(
                description=intake.pop("description", "Incident reports for Main St, May 2026"),
                contact_email=email,
                **intake,
            ),
            unit_code=unit_code,
            channel=Channel.WEB,
            custodian_received_on=received_on,
        )
        return filed

    def unit(self, code: str = "RECORDS", name: str | None = None, *, body: str | None = None) -> Unit:
        """The unit with ``code``, made if new: in the body whose slug is ``body`` (made if new),
        else in the first body there is."""
        if code in self._units:
            return self._units[code]
        existing = units.unit_by_code(code)
        if existing is not None:
            self._units[code] = existing
            return existing
        bodies = db.session.query(units.PublicBody)
        home = bodies.filter_by(slug=body).first() if body else bodies.first()
        home = home or units.create_body(None, f"{(body or 'test').title()} City", body or "test")
        department = (
            home.departments[0]
            if home.departments
            else units.create_department(None, home, "Police Department")
        )
        unit = units.create_unit(None, department, name or code.title(), code)
        db.session.commit()
        self._units[code] = unit
        return unit

    def user(
        self,
        role: Role = Role.REQUESTER,
        *,
        unit: str = "RECORDS",
        email: str | None = None,
        confirmed: bool = True,
        password: str = PASSWORD,
    ) -> User:
        email = email or f"{role.value}{next(_counter)}@example.org"
        if role is Role.REQUESTER:
            user = accounts.register_requester(email, f"Test {role.label}", password)
            if confirmed:
                user.email_confirmed_at = utcnow()
                db.session.commit()
            return user
        return accounts.create_staff(
            None,
            email=email,
            full_name=f"Test {role.label}",
            unit=self.unit(unit),
            role=role,
            password=password,
            actor_kind="cli",
        )


def altered(secret: str) -> str:
    """``secret`` with its last character changed (never to itself): a near miss that must not open."""
    return secret[:-1] + ("x" if secret[-1] != "x" else "y")
