"""Starting and stopping the RQ worker process the way `flask serve` and the tests both need."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess


def worker_command(rq: str, redis_url: str) -> list[str]:
    """The command line of a Sunshine RQ worker with its scheduler, JSON-serialised jobs."""
    return [
        rq,
        "worker",
        "--with-scheduler",
        "--url",
        redis_url,
        "-w",
        "sunshine.jobs.worker.SunshineWorker",
        "--serializer",
        "rq.serializers.JSONSerializer",
    ]


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> None:
    """Ask a worker to stop, then insist, then kill it; returns once it has exited.

    The first SIGTERM asks RQ for a warm shutdown. RQ ends that by raising an exception from its
    signal handler, and when the signal lands while Python is running a ``__del__`` (a Redis
    connection being collected, say) the exception is printed and swallowed, so the worker keeps
    running with its handler already switched to the cold one. A second SIGTERM is that cold
    shutdown; SIGKILL is the last resort.
    """
    for send in (proc.terminate, proc.terminate, proc.kill):
        if proc.poll() is not None:
            return
        send()
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue
    proc.wait()


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL what is left of a process group started with ``start_new_session=True``.

    The worker's scheduler is a child process of its own; if the worker had to be killed it can
    outlive it, holding the pipes of whoever started the worker.
    """
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
