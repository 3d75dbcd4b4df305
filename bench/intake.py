"""Benchmark: API intake under gunicorn on PostgreSQL, and the custodian queue with 100,000 open requests.

Prints requests created per second through POST /api/v1/requests beside a bare Flask
route doing one insert (bench/bare_app.py), both under the same gunicorn settings and
client load in the same run, and their ratio. Between them it prints the same one insert
served by the whole Sunshine app (bench/app_floor.py), so the gap splits into what the
app's request machinery costs and what filing costs on top of it. Then the median and 95th percentile time
of /staff/queue with 100,000 open requests, beside /healthz on the same server so
noise can be judged. Targets: intake at least half the bare ceiling; queue p95 under 100 ms.
Last, the receipts the filings left to the job (no worker runs during the load) are sent
in this process and timed, so the work moved off the filing path is shown too.

    .venv/bin/python bench/intake.py [--open 100000] [--seconds 10] [--rounds 3] [--clients 4]
    .venv/bin/python bench/intake.py --small    # CI smoke run: 2,000 open requests, short rounds

Needs PostgreSQL at BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test;
a scratch database sunshine_bench_intake is created beside it) and Redis at BENCH_REDIS_URL
(default redis://127.0.0.1:6379/13, flushed): mail and reminder jobs are queued there, never run.

Both apps run under gunicorn with 2 sync workers on 127.0.0.1. Sync is gunicorn's default
and its advice for CPU-bound apps behind a buffering proxy; on 2 cores, threads would find
no idle CPU to use. Sync workers close the connection after each response, so clients
reconnect every time: tens of microseconds on loopback, the same for both apps.
``--worker-class gthread`` is there to compare. Every load line shows where the CPU
went (client, workers, PostgreSQL backends, the rest of the machine), so a busy
neighbour or a heavy client shows up in the figures rather than hiding in them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import redis
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import (  # noqa: E402
    Cpu,
    Server,
    backend_pids,
    bench_env,
    gunicorn,
    p50_p95,
    scratch_database,
    seed_organisation,
    verdict,
)
from queue_pages import measure_queue  # noqa: E402

from sunshine import create_app  # noqa: E402
from sunshine.extensions import db  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
BENCH_DB = "sunshine_bench_intake"
WORKERS = 2
CUSTODIAN = "custodian@example.org"
DESCRIPTION = "Dispatch logs and incident reports for the 400 block of Main Street, January 2026."
INTAKE_BODY = json.dumps({"description": DESCRIPTION, "contact": {"email": "bench@example.org"}}).encode()
FULL = {"open": 100_000, "seconds": 10.0, "rounds": 3, "warmup": 2.0, "samples": 200, "receipts": 200}
SMALL = {"open": 2_000, "seconds": 2.0, "rounds": 1, "warmup": 0.5, "samples": 30, "receipts": 20}
BARE_TABLE = (  # the one table bench/bare_app.py inserts into
    "CREATE TABLE bare_request (id bigserial PRIMARY KEY, description text NOT NULL, "
    "contact_email text, created_at timestamp NOT NULL DEFAULT now())"
)


# ---- the open requests behind the queue --------------------------------------------------------


REQUEST_COLUMNS = (
    "id", "tracking_number", "body_id", "unit_id", "status", "description", "preferred_format", "delivery",
    "fee_waiver_requested", "contact_email", "channel", "first_received_at", "custodian_received_on",
    "access_token_hash", "created_at",
)  # fmt: skip
CLOCK_COLUMNS = (
    "kind", "case_type", "case_id", "body_id", "unit_id", "label", "day_count", "length", "started_on",
    "basis_on", "basis_days", "due_on", "explanation", "start_verb", "paused_at", "pause_reason",
    "remaining_days", "outcome", "urgency", "next_reminder_at", "next_reminder_kind", "created_at",
)  # fmt: skip


def load_open_requests(total: int, body_id: int, unit_id: int) -> None:
    """COPY ``total`` open requests into RECORDS, each with its open 3-business-day response clock.

    Clocks start over 70 days, so they fall due from about ten days ago (overdue) to
    about sixty days ahead; one in fifty is paused for clarification. Every encrypted
    column holds the same valid ciphertext, made with the app's own cipher.
    """
    from flask import current_app

    from sunshine import calendar as cal
    from sunshine.clocks.services import calendar_for, local_today
    from sunshine.units.models import PublicBody

    today = local_today(db.session.get(PublicBody, body_id))
    calendar = calendar_for(body_id)
    soon = cal.add_business_days(today, 1, calendar)
    cipher = current_app.extensions["sunshine.cipher"]
    description, email = cipher.encrypt(DESCRIPTION), cipher.encrypt("bench@example.org")
    explained = {}  # started_on -> explanation: only 70 distinct starts
    first_id = db.session.scalar(text("SELECT coalesce(max(id), 0) + 1 FROM records_request"))
    clocks = []
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            with cur.copy(f"COPY records_request ({', '.join(REQUEST_COLUMNS)}) FROM STDIN") as copy:
                for n in range(total):
                    started = today + timedelta(days=(n * 37) % 70 - 14)
                    why = explained.setdefault(
                        started, cal.explain_business_days(started, 3, calendar, verb="Received")
                    )
                    paused = n % 50 == 0
                    status = "awaiting_clarification" if paused else "acknowledged" if n % 3 else "received"
                    at = datetime.combine(started, datetime.min.time()) + timedelta(hours=15)
                    number = f"{today.year}-{n + 1:06d}"
                    copy.write_row(
                        (first_id + n, number, body_id, unit_id, status, description, "electronic", "portal",
                         False, email, "web" if n % 2 else "api", at, started, "0" * 64, at)
                    )  # fmt: skip
                    urgency = "overdue" if why.due < today else "due_soon" if why.due <= soon else "on_track"
                    clocks.append(
                        ("sunshine_response", "records_request", first_id + n, body_id, unit_id, number,
                         "business", 3, started, started, 3, why.due, why.text, "Received",
                         at + timedelta(days=1) if paused else None,
                         "waiting_on_clarification" if paused else None, 2 if paused else None, "open",
                         "on_track" if paused else urgency,
                         None if paused else datetime.combine(why.due, datetime.min.time()),
                         None if paused else "due_today", at)
                    )  # fmt: skip
            with cur.copy(f"COPY clock ({', '.join(CLOCK_COLUMNS)}) FROM STDIN") as copy:
                for row in clocks:
                    copy.write_row(row)
            cur.execute("SELECT setval('records_request_id_seq', (SELECT max(id) FROM records_request))")
        raw.commit()
    finally:
        raw.close()
    from sunshine.records.filing import set_last_tracking_number

    set_last_tracking_number(today.year, total)
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE records_request"))
        conn.execute(text("VACUUM ANALYZE clock"))


# ---- load: concurrent intake ------------------------------------------------------------------


@dataclass
class Load:
    ok: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)
    cpu: Cpu | None = None

    @property
    def rate(self) -> float:
        return self.ok / self.seconds

    def line(self) -> str:
        p50, p95 = p50_p95([s * 1000 for s in self.latencies])
        errors = f", errors {dict(self.errors)}" if self.errors else ""
        cpu, wall = self.cpu, self.seconds
        rest = cpu.machine - cpu.client - cpu.workers - cpu.postgres
        per_request = cpu.client / max(len(self.latencies), 1) * 1e6
        return (
            f"{self.rate:7.1f} req/s ({self.ok:,} in {wall:.1f} s; p50 {p50:.1f}, p95 {p95:.1f} ms{errors})\n"
            f"      CPU, % of one core: client {cpu.client / wall:.0%} ({per_request:.0f} us/request),"
            f" workers {cpu.workers / wall:.0%}, postgres {cpu.postgres / wall:.0%},"
            f" rest of machine {rest / wall:.0%}; machine {cpu.machine / wall:.0%} of {os.cpu_count() * 100}%"
        )


def _client(port: int, path: str, deadline: float, results: list) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine = Load()
    while (started := time.perf_counter()) < deadline:
        try:
            conn.request("POST", path, INTAKE_BODY, {"Content-Type": "application/json"})
            response = conn.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            mine.errors[type(exc).__name__] += 1
            continue
        mine.latencies.append(time.perf_counter() - started)
        if response.status == 201:
            mine.ok += 1
        else:
            mine.errors[response.status] += 1
            if len(mine.samples) < 3:
                mine.samples.append(f"{response.status}: {body[:300]!r}")
    conn.close()
    results.append(mine)  # list.append is atomic: no lock needed


def load(server: Server, path: str, seconds: float, clients: int, backends: list[int]) -> Load:
    """``clients`` threads POST the intake body, each as soon as its last answer is in, for ``seconds``."""
    workers, results = server.workers(), []
    before, started = Cpu.read(workers, backends), time.perf_counter()
    threads = [
        threading.Thread(target=_client, args=(server.port, path, started + seconds, results))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Load(seconds=time.perf_counter() - started, cpu=Cpu.read(workers, backends) - before)
    for mine in results:
        total.ok += mine.ok
        total.latencies += mine.latencies
        total.errors += mine.errors
        total.samples += mine.samples
    return total


@dataclass
class Rounds:
    intake: list[Load] = field(default_factory=list)
    bare: list[Load] = field(default_factory=list)
    floor: list[Load] = field(default_factory=list)  # the bare insert inside the Sunshine app


def measure_intake(app: Server, bare: Server, floor: Server, url: str, args) -> Rounds:
    """Alternate bare, floor and intake rounds, so drift on a shared machine touches all alike."""
    targets = (("bare", bare, "/requests"), ("floor", floor, "/bench/insert"),
               ("intake", app, "/api/v1/requests"))  # fmt: skip
    for _, server, path in targets:
        warm = load(server, path, args.warmup, args.clients, [])
        if warm.errors:
            raise RuntimeError(f"{server.name} warm-up errors {dict(warm.errors)}: {warm.samples}")
    backends = backend_pids(url)
    rounds = Rounds()
    for n in range(1, args.rounds + 1):
        for name, server, path in targets:
            runs = getattr(rounds, name)
            runs.append(load(server, path, args.seconds, args.clients, backends))
            print(f"  round {n} {name:<6}: {runs[-1].line()}")
            for sample in runs[-1].samples:
                print(f"      non-201 answer: {sample}")
    return rounds


# ---- the run ----------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for name, kind, about in (
        ("open", int, "open requests behind the queue page"),
        ("seconds", float, "length of each measured load round"),
        ("rounds", int, "bare and intake rounds, alternating"),
        ("warmup", float, "seconds of load on each app before measuring"),
        ("samples", int, "sequential GETs of the queue page (and of /healthz)"),
        ("receipts", int, "receipts the filings left to the job, sent afterwards and timed"),
    ):
        parser.add_argument(
            f"--{name}", type=kind, help=f"{about} (default {FULL[name]:g}; --small {SMALL[name]:g})"
        )
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections (default 4)")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker with gthread")
    parser.add_argument("--small", action="store_true", help="CI smoke run: the --small figures above")
    args = parser.parse_args()
    for name, value in (SMALL if args.small else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def serve(name: str, target: str, chdir: Path, env: dict[str, str], args, log: Path):
    """``target`` under gunicorn with this run's workers, worker class and threads."""
    options = ["--worker-class", args.worker_class]
    if args.worker_class == "gthread":
        options += ["--threads", str(args.threads)]
    return gunicorn(name, target, chdir, env, log, WORKERS, options)


def main() -> None:
    args = parse_args()
    instance = Path(tempfile.mkdtemp(prefix="sunshine-bench-intake-"))
    jobs = redis.Redis.from_url(REDIS_URL)
    jobs.flushdb()
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, instance, ignore_errors=True)
        cleanup.callback(jobs.flushdb)
        url = cleanup.enter_context(scratch_database(BENCH_DB))
        env = bench_env(url, instance, REDIS_URL, RATELIMIT_ENABLED="false")
        app = create_app(env=env)  # also writes the instance secrets the gunicorn workers share
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            body_id, unit_id = seed_organisation(CUSTODIAN, "Custodian")
            started = time.perf_counter()
            load_open_requests(args.open, body_id, unit_id)
            print(f"loaded {args.open:,} open requests and clocks in {time.perf_counter() - started:.1f} s")
            with db.engine.begin() as conn:
                conn.execute(text(BARE_TABLE))
                due_on, clock_id = conn.execute(
                    text("SELECT due_on, id FROM clock ORDER BY due_on, id OFFSET :half LIMIT 1"),
                    {"half": args.open // 2},
                ).one()
            halfway = f"{due_on.isoformat()}.{clock_id}"
            db.session.remove()
            db.engine.dispose()

        threads = f" x {args.threads} threads" if args.worker_class == "gthread" else ""
        print(f"gunicorn: {WORKERS} {args.worker_class} workers{threads} per app; {os.cpu_count()} cores")
        with ExitStack() as stack:
            start = stack.enter_context
            sunshine = start(serve("sunshine", "wsgi:app", ROOT, env, args, instance / "app.log"))
            bare_env = {"BARE_DATABASE_URL": url}
            bare = start(serve("bare", "bare_app:app", ROOT / "bench", bare_env, args, instance / "bare.log"))
            floor_env = {**env, **bare_env}
            floor = start(
                serve("floor", "app_floor:app", ROOT / "bench", floor_env, args, instance / "floor.log")
            )
            print(f"custodian queue, {args.open:,} open requests, one GET at a time:")
            pages = measure_queue(sunshine, CUSTODIAN, args.open, args.samples, halfway)
            print(
                f"intake: {args.rounds} x {args.seconds:g} s per app, {args.clients} clients, after warm-up:"
            )
            rounds = measure_intake(sunshine, bare, floor, url, args)

        engine = create_engine(url)
        with engine.connect() as conn:
            filed = conn.scalar(text("SELECT count(*) FROM records_request")) - args.open
            bare_rows = conn.scalar(text("SELECT count(*) FROM bare_request"))
        engine.dispose()
        with app.app_context():
            receipts = measure_receipts(args.receipts)
        print(
            f"receipt job (in this process, as a worker runs it): {receipts.count} receipts, "
            f"{receipts.per_receipt_ms:.1f} ms each, CPU {receipts.cpu_ms:.1f} ms each"
        )

    print(f"check: rows written, warm-up included: {filed:,} requests filed, {bare_rows:,} bare rows")
    if not summarise(args, rounds, pages):
        raise SystemExit(1)


@dataclass
class Receipts:
    count: int
    per_receipt_ms: float
    cpu_ms: float


def measure_receipts(count: int) -> Receipts:
    """Send ``count`` of the receipts the filings left to the job: the work a filing no longer waits for.

    The benchmark runs no worker, so this is where that work's cost shows: the letter,
    the email in the outbox, the first reminder queued (Redis), one transaction each.
    """
    from sunshine.records import receipts

    ids = receipts.unsent_receipts(limit=count)
    started, cpu = time.perf_counter(), time.process_time()
    sent = sum(receipts.send_receipt(request_id) for request_id in ids)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if sent != len(ids):
        raise RuntimeError(f"only {sent} of {len(ids)} receipts were sent")
    return Receipts(sent, wall / max(sent, 1) * 1000, cpu / max(sent, 1) * 1000)


def summarise(args, rounds: Rounds, pages: dict[str, tuple[float, float]]) -> bool:
    """Print the summary block; False when any answer was not a 201 (the targets only report)."""
    intake, baseline = rounds.intake, rounds.bare
    rate, ceiling = statistics.median(r.rate for r in intake), statistics.median(r.rate for r in baseline)
    floor = statistics.median(r.rate for r in rounds.floor)
    ratio = rate / ceiling if ceiling else float("nan")
    errors = [sum((r.errors for r in runs), Counter()) for runs in (intake, baseline, rounds.floor)]
    q50, q95 = pages["/staff/queue"]
    h50, h95 = pages["/healthz"]

    def client(runs: list[Load]) -> str:
        share = statistics.median(r.cpu.client / r.seconds for r in runs)
        per = statistics.median(r.cpu.client / max(len(r.latencies), 1) for r in runs)
        return f"{share:.0%} of a core ({per * 1e6:.0f} us/request)"

    print("== summary ==")
    print(f"intake, POST /api/v1/requests: {rate:8.1f} req/s  (median of {args.rounds} x {args.seconds:g} s)")
    print(f"bare Flask route, one insert : {ceiling:8.1f} req/s")
    print(f"ratio intake / bare          : {ratio:8.2f}      target >= 0.50: {verdict(ratio >= 0.5)}")
    print(f"one insert in the Sunshine app: {floor:7.1f} req/s  floor / bare {floor / ceiling:.2f}, "
          f"intake / floor {rate / floor:.2f}")  # fmt: skip
    print(f"queue page, {args.open:>7,} open : p50 {q50:6.1f} ms  p95 {q95:6.1f} ms  "
          f"target p95 < 100 ms: {verdict(q95 < 100)}")  # fmt: skip
    print(f"healthz, same server         : p50 {h50:6.1f} ms  p95 {h95:6.1f} ms  "
          f"queue / healthz p50: {q50 / h50:.1f}")  # fmt: skip
    print(f"load generator CPU           : intake {client(intake)}; bare {client(baseline)}")
    intake_errors, bare_errors, floor_errors = (dict(e) or "none" for e in errors)
    print(f"non-201 answers              : intake {intake_errors}; bare {bare_errors}; floor {floor_errors}")
    return not any(errors)


if __name__ == "__main__":
    main()
