"""The run command's server: `flask --app wsgi serve` answers on its port, with or without Redis."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from sunshine import create_app
from tests.conftest import TEST_REDIS_URL, free_port, make_test_env

ROOT = Path(__file__).resolve().parents[2]


def _serve(tmp_path: Path, extra: dict[str, str]) -> tuple[subprocess.Popen, int]:
    env = make_test_env(tmp_path, f"sqlite:///{tmp_path / 'serve.db'}") | extra
    with create_app(env=env).app_context():
        upgrade()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, port


def _get_home(port: int, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited: {proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:  # noqa: S310
                return response.read().decode()
        except OSError:
            time.sleep(0.2)
    pytest.fail("server did not answer within 30 s")


def _stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    output, _ = proc.communicate(timeout=20)
    return output


def test_serve_answers_and_says_jobs_run_inline_without_redis(tmp_path: Path) -> None:
    proc, port = _serve(tmp_path, {"QUEUE_MODE": "auto", "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    try:
        assert "Ask for public records" in _get_home(port, proc)
    finally:
        output = _stop(proc)
    assert "jobs run inline in the web process" in output


@pytest.mark.skipif(
    not TEST_REDIS_URL and os.environ.get("CI") != "true", reason="needs Redis (TEST_REDIS_URL)"
)
def test_serve_starts_an_rq_worker_when_redis_answers(tmp_path: Path) -> None:
    url = TEST_REDIS_URL or "redis://127.0.0.1:6379/15"
    proc, port = _serve(tmp_path, {"QUEUE_MODE": "auto", "REDIS_URL": url})
    try:
        _get_home(port, proc)
    finally:
        output = _stop(proc)
    assert "RQ worker" in output and "cron scheduler" in output


def test_links_in_emails_lead_to_the_port_served_unless_the_public_address_is_set(tmp_path: Path) -> None:
    import json

    from sunshine.notifications.models import OutboxMessage

    inline = {"QUEUE_MODE": "auto", "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    env = make_test_env(tmp_path, f"sqlite:///{tmp_path / 'serve.db'}") | inline
    proc, port = _serve(tmp_path, inline | {"PUBLIC_BASE_URL": ""})  # as when it is not set at all
    try:
        with create_app(env=env).app_context():  # the unit requests are filed with
            from sunshine.extensions import db
            from sunshine.units import services as units

            department = units.create_department(None, units.create_body(None, "Test City", "test"), "Police")
            units.create_unit(None, department, "Records Unit", "RECORDS")
            db.session.commit()
        _get_home(port, proc)
        body = json.dumps({"description": "Crash report, Main St", "contact": {"email": "pat@example.org"}})
        filing = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/requests",
            data=body.encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(filing, timeout=10) as response:  # noqa: S310
            number = json.load(response)["tracking_number"]
    finally:
        output = _stop(proc)
    assert f"Links in emails and letters lead to http://127.0.0.1:{port}" in output
    with create_app(env=env).app_context():
        from sunshine.extensions import db

        (receipt,) = db.session.scalars(db.select(OutboxMessage)).all()
        assert f"http://127.0.0.1:{port}/requests/{number}" in receipt.body


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "http://127.0.0.1:8080"),
        ("0.0.0.0", "http://127.0.0.1:8080"),  # noqa: S104 - a host name given, not bound
        ("::", "http://127.0.0.1:8080"),
        ("::1", "http://[::1]:8080"),
        ("records.example.gov", "http://records.example.gov:8080"),
    ],
)
def test_the_address_links_lead_to_is_a_url_for_every_host(host: str, expected: str) -> None:
    from sunshine.cli import served_at

    assert served_at(host, 8080) == expected
