"""Fixtures for tests that run jobs through real Redis and a real RQ worker.

Each test that asks for ``redis_server`` gets its own redis-server on a free port, so it
can stop and restart it; the app queues jobs there while the test runs.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sunshine.jobs.processes import worker_command
from sunshine.jobs.queue import forget_redis_state
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class RedisServer:
    def __init__(self, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp = tmp
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
        )
        import redis

        for _ in range(100):
            with contextlib.suppress(redis.RedisError):
                if redis.Redis.from_url(self.url).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def redis_server(app, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    saved = {k: app.config[k] for k in ("QUEUE_MODE", "REDIS_URL", "JOB_RETRY_INTERVALS")}
    app.config.update(QUEUE_MODE="auto", REDIS_URL=server.url, JOB_RETRY_INTERVALS="0,0,0")
    forget_redis_state()
    try:
        yield server
    finally:
        app.config.update(saved)
        forget_redis_state()
        server.stop()


def worker_env(app, redis_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "SUNSHINE_ENV": "testing",
        "SUNSHINE_INSTANCE_PATH": app.instance_path,  # same generated keys as the test app
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "REDIS_URL": redis_url,
        "QUEUE_MODE": "rq",
        "JOB_RETRY_INTERVALS": "0,0,0",
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "REMINDER_HOUR": str(app.config["REMINDER_HOUR"]),
    }


def start_worker(app, redis_url: str, burst: bool = True) -> subprocess.Popen:
    args = worker_command(str(BIN / "rq"), redis_url)
    return subprocess.Popen(
        args + (["--burst"] if burst else []),
        cwd=ROOT,
        env=worker_env(app, redis_url),
        start_new_session=True,  # so the scheduler child can be cleaned up with it
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_worker(app, redis_url: str) -> str:
    proc = start_worker(app, redis_url)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, output
    return output
