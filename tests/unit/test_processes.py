"""Stopping helper processes: a worker that swallows the first SIGTERM is still stopped."""

from __future__ import annotations

import subprocess
import sys
import time

from sunshine.jobs.processes import stop_process

# Prints "ready" once its handler is installed; the handler ignores the first `ignore` SIGTERMs.
STUBBORN = """
import signal, sys, time
seen = 0
def handler(signum, frame):
    global seen
    seen += 1
    if seen > {ignore}:
        sys.exit(0)
signal.signal(signal.SIGTERM, handler)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


def _start(ignore: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", STUBBORN.format(ignore=ignore)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_a_process_that_stops_on_the_first_term_exits_cleanly() -> None:
    proc = _start(ignore=0)
    stop_process(proc, grace=5)
    assert proc.returncode == 0


def test_a_swallowed_first_term_is_followed_by_a_second() -> None:
    proc = _start(ignore=1)
    started = time.monotonic()
    stop_process(proc, grace=0.5)
    assert proc.returncode == 0  # the second SIGTERM, not SIGKILL, ended it
    assert time.monotonic() - started < 5


def test_a_process_that_ignores_term_is_killed() -> None:
    proc = _start(ignore=99)
    stop_process(proc, grace=0.5)
    assert proc.returncode == -9


def test_stopping_a_process_that_already_exited_does_nothing() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    stop_process(proc)
    assert proc.returncode == 0
