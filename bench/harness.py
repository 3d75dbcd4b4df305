"""What the benchmarks share: a scratch database, the app's settings, a seeded organisation,
servers under gunicorn, and readings of a process's memory and CPU from /proc.

Only the standard library is imported at module level: bench/documents.py imports this in
the fresh interpreters whose memory it measures, so nothing here may add to their figures.
"""

from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from pathlib import Path

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "bench password 1"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---- the scratch database and the app's settings ----------------------------------------------


def _drop_database(name: str, create: bool) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh, empty database ``name`` beside BENCH_POSTGRES_URL; yields its URL, drops it after."""
    _drop_database(name, create=True)
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        _drop_database(name, create=False)


def bench_env(url: str, instance: Path, redis_url: str, **extra: str) -> dict[str, str]:
    """The app's settings for a benchmark: testing, fast password hashing, jobs queued in Redis."""
    return {
        "SUNSHINE_ENV": "testing",
        "SUNSHINE_INSTANCE_PATH": str(instance),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "QUEUE_MODE": "rq",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST": "1024",
        **extra,
    }


def seed_organisation(custodian: str, custodian_name: str, counsel: bool = False) -> tuple[int, int]:
    """Bench City with its police RECORDS unit and a custodian there (password PASSWORD), committed.

    With ``counsel``, also an OGC unit and a general counsel ``gc@example.org``.
    Needs an app context; returns the body's id and the RECORDS unit's id.
    """
    from sunshine.accounts import services as accounts
    from sunshine.authz import Role
    from sunshine.extensions import db
    from sunshine.units import services as units

    body = units.create_body(None, "Bench City", "bench")
    police = units.create_department(None, body, "Police Department")
    records = units.create_unit(None, police, "Records Unit", "RECORDS")
    ogc = None
    if counsel:
        ogc = units.create_unit(None, units.create_department(None, body, "Counsel"), "Counsel", "OGC")
    db.session.commit()
    accounts.create_staff(
        None, email=custodian, full_name=custodian_name, unit=records, role=Role.CUSTODIAN, password=PASSWORD
    )
    if ogc is not None:
        gc = {"email": "gc@example.org", "full_name": "GC", "role": Role.GENERAL_COUNSEL}
        accounts.create_staff(None, unit=ogc, password=PASSWORD, **gc)
    return body.id, records.id


# ---- processes, as /proc sees them ------------------------------------------------------------


def proc_status_kib(field: str, pid: int | None = None) -> int:
    """A ``kB`` field of /proc/<pid>/status (this process when ``pid`` is None), such as VmRSS."""
    where = "self" if pid is None else pid
    for line in Path(f"/proc/{where}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(f"{field} not in /proc/{where}/status")


def vmhwm_kib(pid: int | None = None) -> int:
    """Peak resident set (VmHWM) of ``pid``, or of this process, since its exec, in KiB."""
    return proc_status_kib("VmHWM", pid)


def child_pids(parent: int) -> list[int]:
    """The processes whose parent is ``parent``."""
    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            found.append(int(entry))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds used so far by ``pids``; those gone or elsewhere count nothing."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone, or PostgreSQL on another machine
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


@dataclass
class Cpu:
    """CPU seconds spent so far, by whom; subtract two readings for a stretch of time."""

    client: float
    workers: float
    postgres: float
    machine: float  # all cores, everything not idle

    @classmethod
    def read(cls, workers: list[int], backends: list[int]) -> Cpu:
        stat = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
        machine = (sum(stat) - stat[3] - stat[4]) / CLK_TCK  # less idle and iowait
        return cls(time.process_time(), cpu_seconds(workers), cpu_seconds(backends), machine)

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(*(a - b for a, b in zip(astuple(self), astuple(other), strict=True)))


def backend_pids(url: str) -> list[int]:
    """PostgreSQL backends connected to the database at ``url``, other than the one asking."""
    from sqlalchemy import create_engine, text

    sql = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = list(conn.scalars(text(sql)))
    engine.dispose()
    return pids


# ---- servers under gunicorn -------------------------------------------------------------------


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    master: int

    def workers(self) -> list[int]:
        return child_pids(self.master)


def answers(port: int) -> bool:
    """Whether GET /healthz on the loopback ``port`` gets any answer."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        conn.close()
        return True
    except OSError:
        return False


@contextmanager
def gunicorn(
    name: str, target: str, chdir: Path, env: dict[str, str], log: Path, workers: int, options: list[str]
) -> Iterator[Server]:
    """Run ``target`` under gunicorn on a free loopback port until the block ends.

    Yields once all ``workers`` are up and /healthz answers; output goes to ``log``.
    """
    port = free_port()
    options = ["--workers", str(workers), *options, "--log-level", "warning"]
    command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}", target]
    with log.open("w") as out:
        proc = subprocess.Popen(command, cwd=chdir, env={**os.environ, **env}, stdout=out, stderr=out)
    server = Server(name, port, proc.pid)
    try:
        deadline = time.monotonic() + 60
        while len(server.workers()) < workers or not answers(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn for {name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- summaries --------------------------------------------------------------------------------


def p50_p95(values: list[float]) -> tuple[float, float]:
    """Median and 95th percentile; both the one value, or NaN, when there are fewer than two."""
    if len(values) < 2:
        return (values[0], values[0]) if values else (float("nan"), float("nan"))
    return statistics.median(values), statistics.quantiles(values, n=20)[-1]


def verdict(met: bool) -> str:
    """How a summary line reports a target."""
    return "met" if met else "NOT met"
