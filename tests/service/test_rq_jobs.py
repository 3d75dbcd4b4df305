"""Jobs through real Redis and a real RQ worker (burst mode, with its scheduler).

Each test starts its own redis-server on a free port (the ``redis_server`` fixture of
tests/service/conftest.py), so it can stop and restart it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from rq.registry import ScheduledJobRegistry, StartedJobRegistry
from sqlalchemy import create_engine, func, select, text

from sunshine.authz import Role
from sunshine.clocks import services as clocks
from sunshine.clocks import sweep
from sunshine.clocks.models import ReminderSent
from sunshine.clocks.policies import ClockKind, ReminderKind
from sunshine.extensions import db
from sunshine.jobs.processes import kill_group, stop_process
from sunshine.jobs.queue import forget_redis_state, get_queue
from sunshine.notifications.models import OutboxMessage
from tests.service.conftest import run_worker, start_worker


def sent(kind: ReminderKind) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(ReminderSent.id)).where(ReminderSent.kind == kind))


def reminder_mail() -> int:
    return db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.kind.startswith("clock.reminder"))
    )


def _due_tomorrow(app, factories, monkeypatch):
    """A clock due tomorrow whose first reminder's moment has passed, whatever the real date and hour.

    The worker is another process, so the tests cannot move its clock: the clock is placed
    around the real date instead. Reminders go out at midnight here (REMINDER_HOUR, passed to
    the worker too), so the "due next business day" reminder is due now and "due today" is not.
    """
    monkeypatch.setitem(app.config, "REMINDER_HOUR", 0)
    today = clocks.local_today(factories.unit("RECORDS").body)
    return factories.clock(ClockKind.DELAYED_ACCESS, started_on=today, due_on=today + timedelta(days=1))


def test_a_started_clock_schedules_its_reminder_and_a_worker_sends_it(
    app, factories, redis_server, monkeypatch
) -> None:
    factories.user(Role.CUSTODIAN)
    clock = _due_tomorrow(app, factories, monkeypatch)
    registry = ScheduledJobRegistry(queue=get_queue())
    assert f"clock-{clock.id}-due_soon" in registry.get_job_ids()

    run_worker(
        app, redis_server.url
    )  # the scheduler moves the (past-due) job to the queue; the worker runs it
    assert sent(ReminderKind.DUE_SOON) == 1 and reminder_mail() == 1
    assert f"clock-{clock.id}-due_today" in registry.get_job_ids()  # the job scheduled the next one
    run_worker(app, redis_server.url)
    assert sent(ReminderKind.DUE_TODAY) == 0  # its moment, tomorrow at midnight, has not come

    sweep.run()  # nothing was lost, so the sweep finds nothing to redo
    run_worker(app, redis_server.url)
    assert sent(ReminderKind.DUE_SOON) == 1 and reminder_mail() == 1


def test_with_redis_down_work_is_accepted_and_the_sweep_restores_reminders_once(
    app, client, factories, redis_server, monkeypatch
) -> None:
    factories.user(Role.CUSTODIAN)
    redis_server.stop()
    forget_redis_state()

    clock = _due_tomorrow(app, factories, monkeypatch)  # accepted; the reminder could not be scheduled
    assert clock.next_reminder_kind is ReminderKind.DUE_SOON
    response = client.submit(
        "/account/register",
        {
            "full_name": "Down Time",
            "email": "down@example.org",
            "password": "long enough password",
            "confirm": "long enough password",
        },
    )
    assert response.status_code == 302  # mail delivery fell back to running inline

    redis_server.start()
    forget_redis_state()
    assert ScheduledJobRegistry(queue=get_queue()).count == 0  # Redis came back empty: it kept nothing

    assert sweep.run().summary()["reminders_enqueued"] == 1
    run_worker(app, redis_server.url)
    assert sent(ReminderKind.DUE_SOON) == 1
    # A second sweep re-enqueues the due-soon job id too if asked; the unique row stops a second send.
    sweep.run()
    run_worker(app, redis_server.url)
    sweep.run()
    run_worker(app, redis_server.url)
    assert sent(ReminderKind.DUE_SOON) == 1 and reminder_mail() == 1


@contextlib.contextmanager
def holding_clock_row(app, clock_id: int) -> Iterator[None]:
    """Hold a lock the reminder job must wait for, from outside the app (a second connection)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10)
        conn.execute("BEGIN IMMEDIATE")  # the job's first write waits (busy_timeout 5 s)
        try:
            yield
        finally:
            conn.rollback()
            conn.close()
    else:
        engine = create_engine(url)
        with engine.connect() as conn:
            trans = conn.begin()
            conn.execute(text("SELECT id FROM clock WHERE id = :id FOR UPDATE"), {"id": clock_id})
            try:
                yield
            finally:
                trans.rollback()
        engine.dispose()


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def test_a_worker_killed_mid_job_retries_it_and_the_reminder_is_sent_once(
    app, factories, redis_server, monkeypatch
) -> None:
    factories.user(Role.CUSTODIAN)
    clock = _due_tomorrow(app, factories, monkeypatch)
    job_id = f"clock-{clock.id}-due_soon"
    started = StartedJobRegistry(queue=get_queue())

    with holding_clock_row(app, clock.id):
        worker = start_worker(app, redis_server.url)
        deadline = time.monotonic() + 30
        while job_id not in started.get_job_ids():
            assert time.monotonic() < deadline, "the job never started"
            time.sleep(0.05)
        time.sleep(0.3)  # the horse is now inside the job, waiting on the lock
        horses = _children(worker.pid)
        assert horses, "no work horse to kill"
        for horse in horses:
            os.kill(horse, signal.SIGKILL)
        time.sleep(0.3)
    output, _ = worker.communicate(timeout=120)

    assert "terminated unexpectedly" in output or "Work-horse" in output, output
    assert sent(ReminderKind.DUE_SOON) == 1
    assert reminder_mail() == 1


def test_health_page_shows_redis_workers_and_scheduled_jobs(
    app, client, factories, redis_server, monkeypatch
) -> None:
    from tests.factories import PASSWORD

    admin = factories.user(Role.ADMINISTRATOR)
    _due_tomorrow(app, factories, monkeypatch)
    client.sign_in(admin.email, PASSWORD)
    html = client.get("/admin/health").get_data(as_text=True)
    assert "Redis answers" in html and "No worker: jobs are not running" in html
    assert "<dt>Jobs scheduled</dt><dd>1</dd>" in html

    worker = start_worker(app, redis_server.url, burst=False)
    try:
        deadline = time.monotonic() + 30
        while "No worker" in client.get("/admin/health").get_data(as_text=True):
            assert time.monotonic() < deadline, "the worker never registered"
            time.sleep(0.2)
        assert "<dt>Workers alive</dt><dd>1</dd>" in client.get("/admin/health").get_data(as_text=True)
    finally:
        stop_process(worker)
        kill_group(worker)
        worker.communicate(timeout=30)


def test_a_large_upload_is_checked_by_a_worker_while_the_page_says_so(
    app, client, factories, redis_server
) -> None:
    from sunshine.documents import services as documents
    from sunshine.documents.models import Document, DocumentRole, DocumentStatus
    from tests.factories import PASSWORD
    from tests.service.test_release import SSN_LINE, pdf

    app.config["DOCUMENT_INLINE_BYTES"] = 10  # every upload is left to the job
    try:
        filed = factories.request()
        from sunshine.records import services as records

        records.grant(None, filed.request)  # granted: the page offers release, blocked while checking
        document = documents.receive(
            None,
            pdf(["Report", SSN_LINE]),
            "report.pdf",
            case_type="records_request",
            case_id=filed.request.id,
            role=DocumentRole.RESPONSIVE,
            originating_unit=factories.unit("PATROL"),
        )
        assert document.status is DocumentStatus.PROCESSING
        custodian = factories.user(Role.CUSTODIAN)
        client.sign_in(custodian.email, PASSWORD)
        html = client.get(f"/staff/requests/{filed.request.id}").get_data(as_text=True)
        assert "being checked" in html and "data-pending" in html and "Release is blocked" in html

        run_worker(app, redis_server.url)
        db.session.expire_all()
        checked = db.session.get(Document, document.id)
        assert (
            checked.status is DocumentStatus.READY and checked.page_count == 1 and len(checked.findings) == 1
        )
    finally:
        app.config["DOCUMENT_INLINE_BYTES"] = 2 * 1024 * 1024
