"""Shared fixtures: an app on a real database (SQLite file, or PostgreSQL when
TEST_DATABASE_URL says so), a test client that submits forms with their real
CSRF tokens, factories for organisations and people, and a real SMTP server.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from sunshine import create_app
from sunshine.extensions import db, limiter
from tests.factories import Factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# For tests about PostgreSQL itself, run in both passes of CI (the SQLite pass too).
needs_postgresql = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql") and os.environ.get("CI") != "true",
    reason="PostgreSQL runs in the PostgreSQL pass of .ci/run (set TEST_DATABASE_URL to run it here)",
)


def make_test_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {
        "SUNSHINE_ENV": "testing",
        "SUNSHINE_INSTANCE_PATH": str(tmp / "instance"),
        "DATABASE_URL": database_url,
        "QUEUE_MODE": "inline",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        "PUBLIC_BASE_URL": "https://records.example.gov",
        "REDIS_URL": TEST_REDIS_URL or "redis://127.0.0.1:1/0",
    }
    env["RATELIMIT_STORAGE_URI"] = TEST_REDIS_URL or "memory://"
    return env


def _reset_schema(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@contextmanager
def scratch_postgres_database(url: str) -> Iterator[str]:
    """A database of this run's own beside ``url``'s, so concurrent runs never share tables."""
    name = f"{url.rsplit('/', 1)[1]}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("sunshine")
    with ExitStack() as stack:
        if TEST_DATABASE_URL and TEST_DATABASE_URL.startswith("postgresql"):
            url = stack.enter_context(scratch_postgres_database(TEST_DATABASE_URL))
        else:
            url = TEST_DATABASE_URL or f"sqlite:///{tmp / 'test.db'}"
        application = create_app(env=make_test_env(tmp, url))
        _reset_schema(application)
        yield application
        with application.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables and fresh rate limits."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)  # our own table names, not input
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # noqa: S608
            else:
                for table in tables:
                    conn.execute(table.delete())
            _seed_citations(conn)
        limiter.reset()


def _seed_citations(conn) -> None:
    """The citations table as the migration leaves it: emptied with the rest, so seeded again."""
    from sunshine.records.citations import shipped_citations
    from sunshine.records.models import CitationEntry
    from sunshine.timeutil import utcnow

    now = utcnow()
    rows = [
        {**asdict(c), "examples": list(c.examples), "retired": False, "created_at": now, "updated_at": now}
        for c in shipped_citations().all()
    ]
    conn.execute(CitationEntry.__table__.insert(), rows)


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def factories(app_ctx: Flask) -> Factories:
    return Factories()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class FormClient(FlaskClient):
    """A test client that fills in the CSRF token a real browser would send.

    Each request runs in its own application context, as in production. Flask 3
    would otherwise reuse the test's context, sharing ``g`` (and so a cached CSRF
    token) and the database session between requests and the test.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def csrf_token(self, page: str) -> str:
        html = self.get(page).get_data(as_text=True)
        match = CSRF_RE.search(html)
        assert match, f"no CSRF token on {page}"
        return match.group(1) or match.group(2)

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        """POST ``data`` to ``url`` with the token from ``page`` (default: ``url``)."""
        payload = dict(data or {})
        payload["csrf_token"] = self.csrf_token(page or url)
        return self.post(url, data=payload, **kwargs)

    def sign_in(self, email: str, password: str):
        response = self.submit("/account/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = FormClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[list]:
    """A real SMTP server on loopback (aiosmtpd); yields the list of messages it receives."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received: list = []

    class Collect(Message):
        def handle_message(self, message) -> None:
            received.append(message)

    port = free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    try:
        yield received
    finally:
        app.config.update(saved)
        controller.stop()


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """An S3 API server on loopback, in this process (moto's), for the S3-compatible file store.

    A fake by need: the real S3-compatible servers (MinIO, Ceph, Garage) are not packaged where
    this suite installs from, and boto3 talks to this one over HTTP exactly as to them.
    """
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {name: os.environ.get(name) for name in S3_CREDENTIALS}
    os.environ.update(S3_CREDENTIALS)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


S3_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "sunshine-test", "AWS_SECRET_ACCESS_KEY": "sunshine-test-secret"}


@pytest.fixture
def s3_files(app: Flask, s3_endpoint: str) -> Iterator[Any]:
    """The app's files in a new bucket on ``s3_endpoint`` for one test; yields a boto3 client to look."""
    import boto3

    bucket = f"sunshine-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    keys = ("FILES_S3_BUCKET", "FILES_S3_ENDPOINT_URL", "FILES_S3_REGION", "FILES_S3_PREFIX", "FILES_S3_SSE")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(
        FILES_S3_BUCKET=bucket,
        FILES_S3_ENDPOINT_URL=s3_endpoint,
        FILES_S3_REGION="us-east-1",
        FILES_S3_PREFIX="sunshine/",
        FILES_S3_SSE="AES256",
    )
    app.extensions.pop("sunshine.s3_client", None)
    try:
        yield SimpleNamespace(client=client, bucket=bucket)
    finally:
        app.config.update(saved)
        app.extensions.pop("sunshine.s3_client", None)


# Case ids whose requester window lapsed, as seen by the test case type's handler.
LAPSED_CASES: list[int] = []


@pytest.fixture(autouse=True, scope="session")
def _test_case_type() -> None:
    """A case type for clock tests; real domains register their own."""
    from sunshine.clocks.cases import CaseType, register_case_type

    register_case_type(
        CaseType(
            "test_case",
            "Test case",
            "public.home",
            "case",
            on_lapse=lambda clock: LAPSED_CASES.append(clock.case_id),
        )
    )
