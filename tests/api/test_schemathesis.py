"""Schemathesis generates requests from the OpenAPI document: no 500, no undocumented response."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
import schemathesis
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from sunshine import create_app
from sunshine.accounts import services as accounts
from sunshine.authz import Role
from sunshine.extensions import limiter
from sunshine.units import services as units
from tests.conftest import TEST_DATABASE_URL, make_test_env, scratch_postgres_database


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("schemathesis")
    # On the database the suite runs on: PostgreSQL refuses input SQLite takes (a NUL in text).
    with ExitStack() as stack:
        if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
            url = stack.enter_context(scratch_postgres_database(TEST_DATABASE_URL))
        else:
            url = f"sqlite:///{tmp / 'api.db'}"
        yield from _api_app(tmp, url)


def _api_app(tmp: Path, url: str):
    # The limiter is one object for every app in the process: this app switches it off,
    # so it is switched back on for the tests that follow (they check the rate limits).
    was_enabled = limiter.enabled
    app = create_app(env=make_test_env(tmp, url) | {"RATELIMIT_ENABLED": "false"})
    with app.app_context():
        upgrade()
        body = units.create_body(None, "API City", "api")
        unit = units.create_unit(
            None, units.create_department(None, body, "Police"), "Records Unit", "RECORDS"
        )
        from sunshine.extensions import db

        db.session.commit()
        custodian = accounts.create_staff(
            None, email="api-custodian@example.org", full_name="API Custodian", unit=unit,
            role=Role.CUSTODIAN, password="api custodian password", actor_kind="cli",
        )  # fmt: skip
        app.config["TEST_STAFF_TOKEN"] = accounts.create_api_token(None, custodian, "schemathesis")
    yield app
    limiter.enabled = was_enabled
    with app.app_context():
        from sunshine.extensions import db

        db.session.remove()
        db.engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.auth().apply_to(path_regex="^/staff/")
class StaffToken:
    """A real custodian's token for the staff operations, so their bodies and queries are generated
    and run too, not only refused with a 401 (schemathesis still tries them without it)."""

    def get(self, case, context) -> str:
        return context.app.config["TEST_STAFF_TOKEN"]

    def set(self, case, data: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case) -> None:
    # Every check but "schema-valid data must be accepted": some rules cannot be said in JSON
    # Schema (a date range's order, a fee waiver needing a public-interest statement, a postal
    # address for delivery by post, a date received not in the future); the API refuses those
    # with a documented 400 and a message.
    case.call_and_validate(excluded_checks=[positive_data_acceptance])
