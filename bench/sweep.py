"""Benchmark: the deadline sweep over 1,000,000 clocks on PostgreSQL, with real Redis.

Prints the sweep's median time with 1% of clocks due, with 0.1% due, and, as the
control, with the same number due among ten times fewer clocks. If the sweep's
cost follows due clocks (not total clocks), the first ratio is large and the
second close to 1. Target: under 1 s for the 1% case.

    .venv/bin/python bench/sweep.py [--total 1000000] [--repeats 3]

Needs PostgreSQL at BENCH_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test;
a scratch database sunshine_bench is created beside it) and Redis at BENCH_REDIS_URL
(default redis://127.0.0.1:6379/14, flushed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import bench_env, scratch_database, seed_organisation, verdict  # noqa: E402

from sunshine import create_app  # noqa: E402
from sunshine.calendar import missouri_state_holidays  # noqa: E402
from sunshine.extensions import db  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_DB = "sunshine_bench"
NOW = datetime(2026, 3, 4, 15, 0)  # Wed 4 Mar 2026, 09:00 Central
TODAY = date(2026, 3, 4)


COLUMNS = (
    "kind",
    "case_type",
    "case_id",
    "body_id",
    "unit_id",
    "label",
    "day_count",
    "length",
    "started_on",
    "basis_on",
    "basis_days",
    "due_on",
    "explanation",
    "start_verb",
    "outcome",
    "urgency",
    "next_reminder_at",
    "next_reminder_kind",
    "created_at",
)


def load_clocks(total: int, body_id: int, unit_id: int) -> None:
    """COPY ``total`` open clocks, none due yet: due dates well after TODAY."""
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY clock ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n in range(total):
                due = TODAY + timedelta(days=30 + n % 300)
                copy.write_row(
                    (
                        "sunshine_response",
                        "bench",
                        n,
                        body_id,
                        unit_id,
                        f"2026-{n:06d}",
                        "business",
                        3,
                        due - timedelta(days=5),
                        due - timedelta(days=5),
                        3,
                        due,
                        "Received (bench).",
                        "Received",
                        "open",
                        "on_track",
                        datetime.combine(due - timedelta(days=1), datetime.min.time()),
                        "due_soon",
                        NOW - timedelta(days=30),  # started weeks ago, as nearly all open clocks were
                    )
                )
        raw.commit()
    finally:
        raw.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE clock"))


def make_due(count: int) -> None:
    """Reset every clock to not-due, then make ``count`` due: half due soon, half overdue."""
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM reminder_sent"))
        conn.execute(text("DELETE FROM outbox_message"))
        conn.execute(
            text(
                "UPDATE clock SET due_on = :far, urgency = 'on_track', next_reminder_kind = 'due_soon', "
                "next_reminder_at = :far_at WHERE due_on < :far OR urgency <> 'on_track'"
            ),
            {"far": TODAY + timedelta(days=30), "far_at": NOW + timedelta(days=29)},
        )
        conn.execute(
            text(
                "UPDATE clock SET due_on = CASE WHEN id % 2 = 0 THEN :soon ELSE :late END, "
                "next_reminder_at = :past WHERE id IN (SELECT id FROM clock ORDER BY id LIMIT :n)"
            ),
            {
                "soon": TODAY + timedelta(days=1),
                "late": TODAY - timedelta(days=2),
                "past": NOW - timedelta(hours=2),
                "n": count,
            },
        )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE clock"))
    from sunshine.jobs.queue import redis_connection

    redis_connection().flushdb()


def time_sweep(due: int, repeats: int) -> tuple[float, dict]:
    from sunshine.clocks.sweep import run

    times, summary = [], {}
    for _ in range(repeats):
        make_due(due)
        db.session.remove()
        started = time.perf_counter()
        summary = run(now=NOW).summary()
        times.append(time.perf_counter() - started)
    assert summary["marked_due_soon"] + summary["marked_overdue"] == due, summary
    return statistics.median(times), summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    with scratch_database(BENCH_DB) as url:
        instance = Path(tempfile.mkdtemp(prefix="sunshine-bench-"))
        app = create_app(env=bench_env(url, instance, REDIS_URL))
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            body_id, unit_id = seed_organisation("c@example.org", "C", counsel=True)
            started = time.perf_counter()
            load_clocks(args.total, body_id, unit_id)
            print(f"loaded {args.total:,} clocks in {time.perf_counter() - started:.1f} s")

            # The holiday tables load once per process; not the sweep's cost.
            missouri_state_holidays(TODAY.year)
            one_pct, s1 = time_sweep(args.total // 100, args.repeats)
            tenth_pct, s2 = time_sweep(args.total // 1000, args.repeats)
            with db.engine.begin() as conn:
                conn.execute(text("DELETE FROM clock WHERE id > :keep"), {"keep": args.total // 10})
            control, s3 = time_sweep(args.total // 1000, args.repeats)
            db.session.remove()
            db.engine.dispose()

    total, few = args.total, args.total // 1000
    print(f"sweep, {total:,} clocks, 1% due ({total // 100:,}): {one_pct * 1000:8.1f} ms  {s1}")
    print(f"sweep, {total:,} clocks, 0.1% due ({few:,}): {tenth_pct * 1000:8.1f} ms  {s2}")
    print(f"sweep, {total // 10:,} clocks, same {few:,} due (control): {control * 1000:8.1f} ms  {s3}")
    print(f"ratio 1% / 0.1% (10x the due clocks): {one_pct / tenth_pct:6.2f}")
    spread = f"among {total:,} / among {total // 10:,}"
    print(f"ratio {few:,} due {spread} (10x the clocks): {tenth_pct / control:6.2f}")
    print(f"target: 1% case under 1 s: {verdict(one_pct < 1)}")


if __name__ == "__main__":
    main()
