"""Hostile input on every form, upload and API call: refused with a 4xx and a message, never a 500,
and a refused submission saves nothing.

The routes come from ``app.url_map`` at collection, so a new route is tested (or fails, asking to
be taught how to reach it) without anyone remembering this file. Each POST is first made valid
(``SUBMISSIONS``), then spoiled one field at a time: missing, empty, 100,000 characters, a NUL,
bytes that are not UTF-8, text where a number or date belongs, impossible dates, a field sent
twice, a file where text belongs. Views that read the query string are found by watching which
parameters they read, then given the same.

The world here has a records unit, so the 503 that filing answers with while there is none
(``records.web.file_at_records_unit``) never shows: every 5xx is a failure.
"""

from __future__ import annotations

import io
import itertools
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlencode

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict

from sunshine.authz import ROLE_PERMISSIONS, Role
from sunshine.extensions import db, limiter
from sunshine.records import grounds
from sunshine.records.metrics import missouri_today
from tests.factories import PASSWORD, Factories

# Far from any year end or holiday, so a valid submission's deadlines land on plain weekdays.
NOW = datetime(2026, 3, 4, 15, tzinfo=UTC)
MISSING = object()
LONG = "x" * 100_000

# Spoilt values every field gets, whatever it holds.
ANY_FIELD = {
    "missing": MISSING,
    "empty": "",
    "long": LONG,
    "nul": "a\x00b",
    "not_utf8": b"caf\xe9 \xff\xfe",
    "twice": ["first", "second"],
    "text": "abc",
}
# And by what the field holds when valid: a date, a time or a number gets these too.
NUMBER_FIELD = {"negative": "-1", "zero": "0", "huge": "9" * 40, "nan": "NaN", "inf": "inf"}
DATE_FIELD = {
    "zero_date": "0000-00-00",
    "far_date": "99999-01-01",
    "first_date": "0001-01-01",
    "last_date": "9999-12-31",
    "feb_30": "2026-02-30",
}
TIME_FIELD = {"bad_time": "25:61", "midnight": "24:00"}
KINDS = {
    r"\d{4}-\d{2}-\d{2}": DATE_FIELD,
    r"\d{2}:\d{2}": TIME_FIELD,
    r"-?\d+(\.\d+)?": NUMBER_FIELD,
}
# Values the JSON API gets in each field, beyond leaving it out.
JSON_VALUES = {
    "null": None,
    "number": -1,
    "huge_number": 10**40,
    "true": True,
    "list": ["a"],
    "object": {"a": 1},
    "empty": "",
    "long": LONG,
    "nul": "a\x00b",
    "zero_date": "0000-00-00",
    "first_date": "0001-01-01",
    "last_date": "9999-12-31",
}
# Where an id or tracking number belongs in an address: ones that name nothing, or overflow.
NO_SUCH = {
    "int": ["999999", "2147483648", "9" * 30],
    "string": ["2026-999999", "9" * 5000, "%C3%A9", "%FF"],
}
# Main tables whose row counts a refused submission must leave as they were. Not the audit
# trail: a refused upload and a staff view of a case are on the record by design.
COUNTED = (
    "records_request",
    "document",
    "request_message",
    "clock",
    "clock_pause",
    "clock_extension",
    "letter",
    "fee_estimate",
    "delay_notice",
    "denial_citation",
    "disclosure",
    "release",
    "sensitive_finding",
    "user_account",
    "role_assignment",
    "api_token",
    "closure_day",
    "letter_template",
    "fee_schedule_setting",
    "clock_policy_setting",
    "outbox_message",
    "citation",
    "department",
    "unit",
)


@cache
def _routes() -> tuple[tuple[str, str, frozenset[str]], ...]:
    """(endpoint, rule, methods) of every route but static files, from a throwaway app's url_map."""
    from sunshine import create_app
    from tests.conftest import make_test_env

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(env=make_test_env(Path(tmp), f"sqlite:///{tmp}/routes.db"))
        return tuple(
            (rule.endpoint, rule.rule, frozenset(rule.methods))
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
            if rule.endpoint != "static"
        )


def _case_actions() -> list[str]:
    from sunshine.records.casework import CASE_ACTIONS

    return sorted(CASE_ACTIONS)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "post_route" in metafunc.fixturenames:
        routes = []
        for endpoint, rule, methods in _routes():
            if "POST" not in methods:
                continue
            # One test per case action: each is its own form.
            actions = _case_actions() if endpoint == "records.act" else [None]
            routes += [Route(endpoint, rule, action) for action in actions]
        metafunc.parametrize("post_route", routes, ids=str)
    if "get_route" in metafunc.fixturenames:
        routes = [Route(e, r) for e, r, methods in _routes() if "GET" in methods]
        metafunc.parametrize("get_route", routes, ids=str)


@dataclass(frozen=True)
class Route:
    endpoint: str
    rule: str
    action: str | None = None

    def __str__(self) -> str:
        return f"{self.endpoint}[{self.action}]" if self.action else self.endpoint

    @property
    def key(self) -> str:
        return f"{self.endpoint}/{self.action}" if self.action else self.endpoint


# ---- the world the routes act on --------------------------------------------------------------


@dataclass
class World:
    """Everything a route's address can name, made on first use."""

    make: Factories
    cases: list = field(default_factory=list)
    users: dict[Role, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # The records unit and someone in each role, whoever the route is for.
        self.make.unit("RECORDS")
        self.users = {role: self.make.user(role) for role in Role}

    def user_for(self, endpoint: str, view) -> object | None:
        """Who reaches ``view``: a holder of the permission it requires, else nobody signed in."""
        needed = getattr(view, "required_permission", None)
        if needed is None:
            return None
        roles = [role for role in Role if needed in ROLE_PERMISSIONS[role]]
        assert roles, f"{endpoint} requires {needed}, which no role holds: no user can reach it"
        return self.users[roles[0]]

    def case(self, stage: str = "received"):
        """A new request (filed by the requester's account) brought to ``stage``."""
        from sunshine.records import services, workflow
        from sunshine.records.fees import FeeInputs

        filed = self.make.request(self.users[Role.REQUESTER], received_on=NOW.date())
        record = filed.request
        if stage == "clarifying":
            workflow.ask_clarification(None, record, "Which incident?")
        elif stage == "billed":
            workflow.estimate_and_request_payment(None, record, FeeInputs(standard_pages=200))
        elif stage in ("denied", "grounds_asked"):
            services.decide_with_citations(
                None,
                record,
                partial=False,
                citations=["610.021(14)"],
                findings={},
                withheld_description="All",
            )
            if stage == "grounds_asked":
                grounds.ask_for_statement_of_grounds(None, record)
        elif stage == "granted":
            services.grant(None, record)
        self.cases.append(filed)
        return filed

    def finding(self):
        """A new sensitive-data finding: (the request, its uploaded record, the finding on it)."""
        from sunshine.documents import services as documents
        from sunshine.documents.models import DocumentRole
        from tests.service.test_release import SSN_LINE, pdf

        filed = self.case()
        document = documents.receive(
            None,
            pdf(["Report", SSN_LINE]),
            "report.pdf",
            case_type="records_request",
            case_id=filed.request.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=self.make.unit("RECORDS"),
        )
        return filed, document, document.findings[0]

    @cached_property
    def release(self):
        from sunshine.documents import services as documents
        from sunshine.documents.models import DocumentRole
        from sunshine.records import release
        from tests.service.test_release import pdf

        filed = self.case("granted")
        documents.receive(
            None,
            pdf(["Report"]),
            "report.pdf",
            case_type="records_request",
            case_id=filed.request.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=self.make.unit("RECORDS"),
        )
        return filed, release.release(None, filed.request)

    def body(self):
        """The records unit's public body, which the administrator reaches."""
        return self.make.unit("RECORDS").department.body

    def spare_unit(self, active: bool = True):
        """A new unit of the records unit's department where nobody works, so it can be closed."""
        from sunshine.units import services as units

        unit = self.make.unit(f"SPARE-{next(_fresh)}")
        units.set_unit_active(None, unit, active)
        db.session.commit()
        return unit

    def closure(self):
        """A new closure day of the records unit's body."""
        from datetime import date, timedelta

        from sunshine.clocks import closures

        body = self.make.unit("RECORDS").department.body
        day = date(2026, 11, 2) + timedelta(days=len(closures.closures(body.id)))
        closures.add_closure(None, body, day, "Staff training")
        db.session.commit()
        return closures.closures(body.id)[-1]

    @cached_property
    def api_token(self) -> tuple[int, str]:
        """The custodian's API token, made once: (its id, the token)."""
        return self.new_api_token()

    def new_api_token(self) -> tuple[int, str]:
        from sunshine.accounts import services as accounts

        custodian = self.users[Role.CUSTODIAN]
        token = accounts.create_api_token(None, custodian, "inbox", actor_kind="cli")
        return accounts.find_api_token(token).id, token

    def citation(self):
        """A new citation no denial cites, so each target edits, retires or restores its own."""
        from sunshine.records import citation_settings

        code = f"99.{next(_fresh)}"
        return citation_settings.add(
            None, citation_settings.CitationFields(code, "Test", "Closes tests", code)
        )

    def reset_token(self) -> str:
        from sunshine.accounts import tokens

        user = self.users[Role.REQUESTER]
        return tokens.make_token(
            "reset", {"uid": user.id, "pw": tokens.password_fingerprint(user.password_hash)}
        )


@pytest.fixture
def world(factories: Factories) -> World:
    return World(factories)


@pytest.fixture
def no_rate_limits():
    """Hundreds of submissions a test: the limits would answer 429 before the input is looked at."""
    was = limiter.enabled
    limiter.enabled = False
    yield
    limiter.enabled = was


# ---- how each POST is reached and made valid ----------------------------------------------------


@dataclass
class Target:
    """A route's address filled in, the fields of a valid submission, and how it is sent."""

    url_args: dict[str, object]
    fields: dict[str, object]
    json: bool = False
    multipart: bool = False
    stateful: bool = False  # a valid submission moves the case on: make a new one after it
    recount_exempt: tuple[str, ...] = ()


INTAKE = {
    "description": "Incident reports for Main St, May 2026",
    "date_from": "2026-01-01",
    "date_to": "2026-02-01",
    "preferred_format": "electronic",
    "delivery": "portal",
    "contact_name": "Pat Doe",
    "contact_email": "pat@example.org",
    "contact_phone": "555-0100",
    "contact_address": "1 Main St",
    "fee_waiver_requested": "y",
    "public_interest_statement": "A news story",
}
API_INTAKE = {
    "description": "Incident reports for Main St, May 2026",
    "date_from": "2026-01-01",
    "date_to": "2026-02-01",
    "preferred_format": "electronic",
    "delivery": "portal",
    "contact": {"name": "Pat Doe", "email": "pat@example.org"},
    "fee_waiver_requested": False,
    "public_interest_statement": "A news story",
}


_fresh = itertools.count(1)


def _fresh_email(name: str) -> str:
    """An address no account has yet, so each new target's submission is new, not a duplicate."""
    return f"{name}{next(_fresh)}@example.org"


def _fresh_weekday() -> str:
    """A weekday in the future that is not yet a closure day, so each new target can add it."""
    day = date(2026, 12, 28) + timedelta(days=next(_fresh))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def _staff_case(world: World, stage: str, fields: dict) -> Target:
    filed = world.case(stage)
    return Target({"request_id": filed.request.id}, fields, stateful=True)


def _requester_case(world: World, stage: str, fields: dict) -> Target:
    filed = world.case(stage)
    number = filed.request.tracking_number
    return Target(
        {"tracking_number": number},
        {"token": filed.access_token, **fields},
        stateful=True,
    )


def _resolving(found) -> Target:
    filed, _, finding = found
    return Target(
        {"request_id": filed.request.id, "finding_id": finding.id},
        {"resolution": "false_positive", "reason": "Training sample"},
        stateful=True,
    )


def _citation_form(code: str) -> dict:
    return {
        "code": code,
        "short_name": "Criminal history",
        "description": "Closed criminal history record information.",
        "statute": f"RSMo {code}",
        "requires_written_finding": "y",
        "finding_guidance": "Say why",
        "examples": "A rap sheet\nAn arrest record",
        "note": "Checked",
        "verified": "y",
    }


def _citation_edit(world: World) -> Target:
    entry = world.citation()
    return Target({"citation_id": entry.id}, _citation_form(entry.code))


def _letter_kind() -> str:
    from sunshine.letters.defaults import LETTERS

    return sorted(LETTERS)[0]


@dataclass(frozen=True)
class Upload:
    """A file for a form field, opened afresh for each submission."""

    data: bytes
    name: str

    def opened(self) -> tuple[io.BytesIO, str]:
        return io.BytesIO(self.data), self.name


def _docx() -> Upload:
    from sunshine.letters.defaults import default_template

    return Upload(default_template(_letter_kind()), "letter.docx")


def _pdf() -> Upload:
    from tests.service.test_release import pdf

    return Upload(pdf(["Report"]), "report.pdf")


DELAY = {"explanation": "Records are in storage", "available_on": "2026-03-20", "available_at_time": "09:00"}
FEES = {
    "prepay": "when_ready",
    "standard_pages": "10",
    "duplicating_minutes": "5",
    "research_minutes": "5",
    "programming_minutes": "0",
    "attorney_review_minutes": "0",
}

# Endpoint (and case action) -> a valid submission on a fresh world. A POST route missing here
# fails its test, asking to be added.
SUBMISSIONS: dict[str, Callable[[World], Target]] = {
    "accounts.login": lambda w: Target({}, {"email": w.users[Role.REQUESTER].email, "password": "not it"}),
    "accounts.register": lambda w: Target(
        {},
        {"full_name": "New Person", "email": _fresh_email("new"), "password": PASSWORD, "confirm": PASSWORD},
        stateful=True,
    ),
    "accounts.resend_confirmation": lambda w: Target({}, {"email": w.users[Role.REQUESTER].email}),
    "accounts.forgot_password": lambda w: Target({}, {"email": w.users[Role.REQUESTER].email}),
    "accounts.reset_password": lambda w: Target(
        {"token": w.reset_token()}, {"password": PASSWORD + "!", "confirm": PASSWORD + "!"}, stateful=True
    ),
    "accounts.logout": lambda w: Target({}, {}),
    "records.new_request": lambda w: Target({}, dict(INTAKE)),
    "records.staff_new": lambda w: Target(
        {},
        {
            **INTAKE,
            "channel": "mail",
            "first_received_on": "2026-03-02",
            "custodian_received_on": "2026-03-03",
        },
    ),
    "records.answer_clarification": lambda w: _requester_case(
        w, "clarifying", {"answer": "The one on Main St"}
    ),
    "records.requester_message": lambda w: _requester_case(w, "received", {"text": "Any news?"}),
    "records.accept_estimate": lambda w: _requester_case(w, "billed", {}),
    "records.ask_grounds": lambda w: _requester_case(w, "denied", {}),
    "records.new_link": lambda w: _requester_case(w, "received", {}),
    "records.replace_link": lambda w: _staff_case(w, "received", {}),
    "records.upload_document": lambda w: Target(
        {"request_id": w.case().request.id},
        {"file": _pdf(), "originating_unit_id": str(w.make.unit("RECORDS").id), "replaces_id": ""},
        multipart=True,
        # A refused file is recorded as refused (its document row and findings), by design.
        recount_exempt=("document", "sensitive_finding"),
    ),
    "records.resolve_finding": lambda w: _resolving(w.finding()),
    "records.release_records": lambda w: _staff_case(w, "granted", {}),
    "records.act/acknowledge": lambda w: _staff_case(w, "received", {}),
    "records.act/grant": lambda w: _staff_case(w, "received", {}),
    "records.act/deny": lambda w: _staff_case(
        w,
        "received",
        {
            "citations": "610.021(14), 610.021(19)",
            "findings": "610.021(19): Unsafe",
            "withheld_description": "All",
        },
    ),
    "records.act/partial_grant": lambda w: _staff_case(
        w, "received", {"citations": "610.021(14)", "findings": "", "withheld_description": "Some"}
    ),
    "records.act/close": lambda w: _staff_case(w, "granted", {}),
    "records.act/withdraw": lambda w: _staff_case(w, "received", {"reason": "Asked to"}),
    "records.act/ask_clarification": lambda w: _staff_case(w, "received", {"question": "Which day?"}),
    "records.act/request_payment": lambda w: _staff_case(w, "received", dict(FEES)),
    "records.act/paid": lambda w: _staff_case(w, "billed", {"amount": "20.00"}),
    "records.act/waiver": lambda w: _staff_case(w, "billed", {"percent": "50", "reason": "Public interest"}),
    "records.act/delay": lambda w: _staff_case(w, "received", {**DELAY, "place": "The front desk"}),
    "records.act/note": lambda w: _staff_case(w, "received", {"text": "Called them"}),
    "records.act/assign_to_me": lambda w: _staff_case(w, "received", {}),
    "records.act/assign": lambda w: _staff_case(
        w, "received", {"assignee_id": str(w.users[Role.CUSTODIAN].id)}
    ),
    "records.act/statement_of_grounds": lambda w: _staff_case(
        w, "grounds_asked", {"grounds": "610.021(14) applies"}
    ),
    "records.act/grounds_asked": lambda w: _staff_case(
        w, "denied", {"asked_on": missouri_today().isoformat(), "how": "mail"}
    ),
    "records.act/message": lambda w: _staff_case(w, "received", {"text": "We are on it"}),
    "admin.new_staff": lambda w: Target(
        {},
        {
            "full_name": "New Clerk",
            "email": _fresh_email("clerk"),
            "unit_id": str(w.make.unit("RECORDS").id),
            "role": "custodian",
        },
        stateful=True,
    ),
    "admin.toggle_active": lambda w: Target({"user_id": w.users[Role.UNIT_REVIEWER].id}, {}),
    "admin.revoke_api_token": lambda w: Target({"token_id": w.new_api_token()[0]}, {}, stateful=True),
    "admin.fees": lambda w: Target(
        {},
        {
            "paper_page": "0.10",
            "clerical_hourly": "20.00",
            "research_hourly": "20.00",
            "technical_hourly": "40.00",
            "media_prices": "usb=600, dvd=150",
            "large_fee_threshold": "250.00",
        },
    ),
    "admin.payment_instructions": lambda w: Target({}, {"text": "Checks to the City"}),
    "admin.custodian": lambda w: Target({}, {"text": "Records Unit, 1 Main St"}),
    "admin.citations": lambda w: Target({}, _citation_form(f"98.{next(_fresh)}"), stateful=True),
    "admin.edit_citation": _citation_edit,
    "admin.retire_citation": lambda w: Target({"citation_id": w.citation().id}, {}),
    "admin.restore_citation": lambda w: Target({"citation_id": w.citation().id}, {}),
    "units.add_department": lambda w: Target(
        {"body_id": w.body().id}, {"name": f"Department {next(_fresh)}"}, stateful=True
    ),
    "units.add_unit": lambda w: Target(
        {"body_id": w.body().id},
        {
            "department_id": str(w.make.unit("RECORDS").department_id),
            "name": f"Unit {next(_fresh)}",
            "code": f"UNIT-{next(_fresh)}",
            "email": "unit@example.gov",
        },
        stateful=True,
    ),
    "units.rename_department": lambda w: Target(
        {"department_id": w.make.unit("RECORDS").department_id}, {"name": f"Department {next(_fresh)}"}
    ),
    "units.edit_unit": lambda w: Target(
        {"unit_id": w.spare_unit().id}, {"name": f"Unit {next(_fresh)}", "email": "unit@example.gov"}
    ),
    "units.close_unit": lambda w: Target({"unit_id": w.spare_unit().id}, {}, stateful=True),
    "units.reopen_unit": lambda w: Target({"unit_id": w.spare_unit(active=False).id}, {}, stateful=True),
    "deadlines.calendar_page": lambda w: Target(
        {}, {"day": _fresh_weekday(), "reason": "Snow"}, stateful=True
    ),
    "deadlines.set_policy": lambda w: Target(
        {}, {"kind": "sunshine_response", "length": "3", "long_length": "5"}
    ),
    "deadlines.remove_closure": lambda w: Target({"closure_id": w.closure().id}, {}, stateful=True),
    "letters.upload": lambda w: Target({"kind": _letter_kind()}, {"file": _docx()}, multipart=True),
    "letters.revert": lambda w: Target({"kind": _letter_kind()}, {}),
    "api.file_request": lambda w: Target({}, dict(API_INTAKE), json=True),
    "api.staff_file_request": lambda w: Target(
        {}, {**API_INTAKE, "channel": "mail", "first_received_on": "2026-03-03"}, json=True
    ),
}

# Files where files are wanted, but wrong; and where text is wanted.
WRONG_FILES = {
    "empty_file": Upload(b"", "empty.pdf"),
    "program": Upload(b"MZ\x90\x00 program", "invoice.pdf"),
    "text_as_pdf": Upload(b"just some text", "notes.pdf"),
    "truncated_pdf": Upload(b"%PDF-1.4\n1 0 obj", "broken.pdf"),
    "zip_as_docx": Upload(b"PK\x03\x04 not really", "letter.docx"),
    "odd_name": Upload(b"%PDF-1.4\n", "../../" + "n" * 5000 + "\u202e.pdf"),
}
STRAY_FILE = Upload(b"%PDF-1.4\n", "stray.pdf")


def _mutations(fields: dict[str, object], json_body: bool) -> dict[str, dict[str, object]]:
    """Each field spoilt in each way, the others left valid; and everything left out."""
    spoilt: dict[str, dict[str, object]] = {"nothing": {}}
    for name, valid in fields.items():
        values = JSON_VALUES | {"missing": MISSING} if json_body else ANY_FIELD | _by_kind(valid)
        for how, value in values.items():
            spoilt[f"{name}={how}"] = {**fields, name: value}
        if isinstance(valid, dict):  # the API's contact: each of its fields too
            for inner in valid:
                for how, value in values.items():
                    spoilt[f"{name}.{inner}={how}"] = {**fields, name: {**valid, inner: value}}
        if json_body:
            continue
        if isinstance(valid, Upload):
            spoilt |= {f"{name}={how}": {**fields, name: wrong} for how, wrong in WRONG_FILES.items()}
        else:
            spoilt[f"{name}=a_file"] = {**fields, name: STRAY_FILE}
    if not json_body:
        spoilt["unexpected_file"] = {**fields, "surprise": STRAY_FILE}
    return spoilt


def _by_kind(valid: object) -> dict[str, str]:
    """The spoilt values for a field holding ``valid``: wrong dates for a date, and so on."""
    import re

    text = valid if isinstance(valid, str) else ""
    return next((values for pattern, values in KINDS.items() if re.fullmatch(pattern, text)), {})


def _form_body(fields: dict[str, object], csrf: object) -> dict:
    """Keyword arguments for the test client: urlencoded by hand (so bytes go as bytes), or multipart."""
    pairs = [(k, v) for k, v in {**fields, "csrf_token": csrf}.items() if v is not MISSING]
    if any(isinstance(v, Upload) for _, v in pairs):
        data = {k: v.opened() if isinstance(v, Upload) else v for k, v in pairs}
        return {"data": data, "content_type": "multipart/form-data"}
    flat = [(k, item) for k, v in pairs for item in (v if isinstance(v, list) else [v])]
    return {"data": urlencode(flat), "content_type": "application/x-www-form-urlencoded"}


def _json_body(fields: dict[str, object]) -> dict:
    def keep(value):
        return (
            {k: keep(v) for k, v in value.items() if v is not MISSING} if isinstance(value, dict) else value
        )

    return {"data": json.dumps(keep(fields)), "content_type": "application/json"}


BROKEN_JSON = {
    "not_json": {"data": "{description:", "content_type": "application/json"},
    "not_utf8": {"data": b'{"description": "caf\xe9"}', "content_type": "application/json"},
    "empty": {"data": "", "content_type": "application/json"},
    "a_list": {"data": "[1, 2]", "content_type": "application/json"},
    "a_string": {"data": '"text"', "content_type": "application/json"},
    "deep": {"data": "[" * 100_000 + "]" * 100_000, "content_type": "application/json"},
    "a_form": {"data": {"description": "x"}},
}


def _json_to_a_form(fields: dict[str, object]) -> dict[str, dict]:
    """JSON bodies where a browser form belongs, with the CSRF token in its header as scripts send it."""
    typed = {name: 5 for name in fields} | {"csrf_token": 5}
    bodies = {"as a list": [1, 2], "as a string": "text", "with numbers for text": typed}
    return {
        how: {"data": json.dumps(body), "content_type": "application/json"} for how, body in bodies.items()
    }


def _counts() -> dict[str, int]:
    tables = [db.metadata.tables[name] for name in COUNTED]
    row = db.session.execute(select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables)))
    counts = dict(zip(COUNTED, row.one(), strict=True))
    db.session.rollback()  # a fresh snapshot next time, and no transaction held open between requests
    return counts


def _url(rule: str, args: dict[str, object]) -> str:
    import re

    def fill(match):
        name = match.group(1)
        assert name in args, f"{rule}: no value for <{name}>; teach the World how to make one"
        return str(args[name])

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, rule)


def _absent(rule: str, args: dict[str, object]) -> list[dict[str, object]]:
    """``args`` with each part of the address in turn naming nothing, or overflowing."""
    import re

    variants = []
    for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        for value in NO_SUCH["int" if kind == "int" else "string"]:
            variants.append({**args, name: value})
    return variants


def _check(response, what: str, before: dict[str, int] | None = None, exempt: tuple[str, ...] = ()):
    status = response.status_code
    assert status < 500, f"{what}: {status}\n{response.get_data(as_text=True)[:3000]}"
    if 400 <= status < 500:
        assert response.get_data(), f"{what}: a {status} with nothing saying why"
        if before is not None:
            after = _counts()
            changed = {t: (before[t], after[t]) for t in COUNTED if before[t] != after[t] and t not in exempt}
            assert not changed, f"{what}: refused with {status}, yet saved rows {changed}"


def _bearer(world: World, endpoint: str, args: dict[str, object]) -> dict[str, str]:
    if endpoint.startswith("api.staff"):
        return {"Authorization": f"Bearer {world.api_token[1]}"}
    if endpoint.startswith("api."):
        filed = next(
            (c for c in world.cases if c.request.tracking_number == args.get("tracking_number")), None
        )
        return {"Authorization": f"Bearer {filed.access_token}"} if filed else {}
    return {}


def test_every_post_route_refuses_hostile_input_with_a_4xx_and_saves_nothing(
    app, client, world, no_rate_limits, monkeypatch, post_route
) -> None:
    plan = SUBMISSIONS.get(post_route.key)
    assert plan, (
        f"POST {post_route.rule} ({post_route}) is new: add a valid submission for it to SUBMISSIONS "
        "(and teach World to make what its address names), so hostile input is tried on it too"
    )
    with time_machine.travel(NOW, tick=False):
        user = world.user_for(post_route.endpoint, app.view_functions[post_route.endpoint])
        target = plan(world)
        if user is not None:
            client.sign_in(user.email, PASSWORD)
        csrf = None if target.json else client.csrf_token("/requests/new")
        headers = _bearer(world, post_route.endpoint, {})
        args = {**target.url_args, **({"action": post_route.action} if post_route.action else {})}

        def post(fields, url=None, **body):
            kwargs = body or (_json_body(fields) if target.json else _form_body(fields, csrf))
            return client.post(url or _url(post_route.rule, args), headers=headers, **kwargs)

        def start_again() -> None:  # a submission was taken: a new case (or address) for the next
            nonlocal target
            target = plan(world)
            args.update(target.url_args)

        for how in list(_mutations(target.fields, target.json)):
            # Made from the current target each time: a new case has its own token and ids.
            fields = _mutations(target.fields, target.json)[how]
            before = _counts()
            response = post(fields)
            _check(response, f"{post_route} with {how}", before, target.recount_exempt)
            if target.stateful and response.status_code < 400:
                start_again()
        read = _watch_query_reads(app, monkeypatch)
        taken = post(target.fields).status_code < 400  # a valid submission: which arguments it reads
        if target.stateful and taken:
            start_again()
        for name, how, value in _query_spoils(read):
            url = _url(post_route.rule, args) + "?" + urlencode(value(name))
            _check(post(target.fields, url=url), f"{post_route} with ?{name}={how}")
        for how, body in BROKEN_JSON.items() if target.json else []:
            before = _counts()
            _check(post({}, **body), f"{post_route} with a body that is {how}", before)
        for how, body in {} if target.json else _json_to_a_form(target.fields).items():
            before = _counts()
            response = client.post(_url(post_route.rule, args), headers={"X-CSRFToken": csrf}, **body)
            _check(response, f"{post_route} sent JSON {how}", before)
        for absent in _absent(post_route.rule, args):
            _check(post(target.fields, url=_url(post_route.rule, absent)), f"{post_route} at {absent}")
        if not target.json:
            for how, token in {
                "no": MISSING,
                "a wrong": "x" * 40,
                "a long": LONG,
                "a NUL in the": "\x00",
                "a file as the": STRAY_FILE,
            }.items():
                before = _counts()
                response = client.post(_url(post_route.rule, args), **_form_body(target.fields, token))
                assert response.status_code == 400, (
                    f"{post_route} with {how} CSRF token: {response.status_code}"
                )
                _check(response, f"{post_route} with {how} CSRF token", before)


class _Reads(ImmutableMultiDict):
    """Query arguments that remember which of them the view read."""

    read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:
        self.read.add(key)
        return super().__contains__(key)

    def get(self, key, default=None, type=None):  # noqa: A002 - MultiDict's own parameter name
        self.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # noqa: A002
        self.read.add(key)
        return super().getlist(key, type)


def _watch_query_reads(app, monkeypatch) -> set[str]:
    """Make the app's requests record which query arguments views read; returns the growing set."""
    from werkzeug.utils import cached_property as werkzeug_cached

    read: set[str] = set()

    class Watched(app.request_class):
        @werkzeug_cached
        def args(self):
            reads = _Reads(super().args)
            reads.read = read
            return reads

    monkeypatch.setattr(app, "request_class", Watched)
    return read


def _query_spoils(read: set[str]):
    """(name, how, pairs) for each query argument a view read, spoilt in each way."""
    for name in sorted(read):
        for how, value in ANY_FIELD.items():
            if value is MISSING:
                continue
            yield name, how, lambda n, v=value: [(n, item) for item in (v if isinstance(v, list) else [v])]


def _get_args(world: World, rule: str) -> dict[str, object]:
    """Real values for each part of a GET route's address, all about one request."""
    from sunshine.accounts import tokens
    from sunshine.letters.services import letters_for

    if "<int:release_id>" in rule:
        filed, release = world.release
        extra = {"release_id": release.id}
    elif "<int:letter_id>" in rule:
        filed = world.case("denied")
        extra = {"letter_id": letters_for("records_request", filed.request.id)[0].id}
    else:
        filed, extra = world.case(), {}
    requester = world.users[Role.REQUESTER]
    return {
        "tracking_number": filed.request.tracking_number,
        "request_id": filed.request.id,
        "kind": _letter_kind(),
        "citation_id": world.citation().id if "<int:citation_id>" in rule else None,
        "token": tokens.make_token("confirm", {"uid": requester.id, "idx": requester.email_index})
        if "confirm" in rule
        else world.reset_token(),
        **extra,
    }


def test_every_page_and_api_read_refuses_hostile_addresses_and_query_arguments_with_a_4xx(
    app, client, world, no_rate_limits, monkeypatch, get_route
) -> None:
    with time_machine.travel(NOW, tick=False):
        user = world.user_for(get_route.endpoint, app.view_functions[get_route.endpoint])
        args = _get_args(world, get_route.rule)
        token = next(
            c.access_token for c in world.cases if c.request.tracking_number == args["tracking_number"]
        )
        if user is not None:
            client.sign_in(user.email, PASSWORD)
        headers = _bearer(world, get_route.endpoint, args)
        url = _url(get_route.rule, args)
        # The secret link's token, as the requester's pages are opened: it is read, so spoilt too.
        query = [] if user is not None or get_route.endpoint.startswith("api.") else [("token", token)]
        read = _watch_query_reads(app, monkeypatch)
        _check(client.get(url, query_string=query, headers=headers), f"GET {url}")
        for name, how, value in _query_spoils(read):
            spoilt = [(k, v) for k, v in query if k != name] + value(name)
            response = client.get(url + "?" + urlencode(spoilt), headers=headers)
            _check(response, f"GET {get_route} with ?{name}={how}")
        for absent in _absent(get_route.rule, args):
            response = client.get(_url(get_route.rule, absent), query_string=query, headers=headers)
            _check(response, f"GET {get_route} at {absent}")
