"""``enqueue()``: RQ with the JSON serializer when Redis answers, inline otherwise.

Jobs carry ids, never objects, and are written to be safe to run twice, so the
fallback and any retry are harmless. The database stays the truth: whatever a
lost job should have done, the sweep finds and does.
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis
from flask import current_app
from rq import Queue, Retry
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

QUEUE_NAME = "default"
_PENDING_KEY = "sunshine.jobs_after_commit"
_REDIS_RETRY_SECONDS = 5.0
_redis_state: dict[str, tuple[float, bool]] = {}
NUDGE_TTL_SECONDS = 60


_clients: dict[str, redis.Redis] = {}


def redis_connection(url: str | None = None) -> redis.Redis:
    """One client (and connection pool) per URL per process, not a new connection per call."""
    url = url or current_app.config["REDIS_URL"]
    client = _clients.get(url)
    if client is None:
        client = _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2.0)
    return client


def redis_answers(url: str | None = None) -> bool:
    """Ping Redis, remembering the answer for a few seconds so an outage costs one timeout."""
    url = url or current_app.config["REDIS_URL"]
    checked_at, ok = _redis_state.get(url, (0.0, False))
    if time.monotonic() - checked_at < _REDIS_RETRY_SECONDS:
        return ok
    try:
        ok = bool(redis_connection(url).ping())
    except redis.RedisError:
        ok = False
    _redis_state[url] = (time.monotonic(), ok)
    return ok


def forget_redis_state() -> None:
    """Ask Redis afresh on the next check (after an outage is known to be over)."""
    _redis_state.clear()


def _mark_redis_down(url: str) -> None:
    _redis_state[url] = (time.monotonic(), False)


def uses_rq() -> bool:
    mode = current_app.config["QUEUE_MODE"]
    if mode == "inline":
        return False
    return redis_answers() if mode == "auto" else True


def _retry() -> Retry:
    """Every job is retried: a killed worker or a brief outage must not lose it."""
    intervals = [int(s) for s in current_app.config["JOB_RETRY_INTERVALS"].split(",")]
    return Retry(max=len(intervals), interval=intervals)


def get_queue(name: str = QUEUE_NAME) -> Queue:
    return Queue(name, connection=redis_connection(), serializer=JSONSerializer)


def resolve(func_path: str) -> Callable[..., Any]:
    module_name, _, attr = func_path.rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def run_inline(func_path: str, *args: Any) -> Any:
    """Run a job now, in a fresh application context (so a fresh database session)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with app.app_context():
        return resolve(func_path)(*args)


def enqueue(func_path: str, *args: Any, job_id: str | None = None) -> str | None:
    """Queue ``func_path(*args)``; return the RQ job id, or None when it ran inline.

    If Redis is down or unreachable the job runs inline at once, and a failure in it
    is logged, not raised: the caller's work is already committed.
    """
    if uses_rq():
        try:
            return get_queue().enqueue(func_path, *args, job_id=job_id, retry=_retry()).id
        except redis.RedisError as exc:
            _mark_redis_down(current_app.config["REDIS_URL"])
            log.warning("Redis unavailable (%s); running %s inline", exc, func_path)
    try:
        run_inline(func_path, *args)
    except Exception:
        log.exception("Inline job %s%r failed; the sweep will retry", func_path, args)
    return None


def _nudge_key(func_path: str) -> str:
    return f"sunshine:nudged:{func_path}"


def nudge(func_path: str) -> None:
    """Make sure a run of the argument-less batch job ``func_path`` is waiting to start.

    For work that piles up faster than it is worth a job each (a receipt per filing):
    while one run is queued and has not started, further nudges cost one Redis SET and
    queue nothing. The job calls ``nudge_taken()`` before it looks for work, so work
    committed after that look nudges a new run. Without Redis the job runs now, inline.
    The flag expires, so a run lost with its queue does not silence nudges for long;
    the sweep catches what that run would have done.
    """
    if uses_rq():
        try:
            if not redis_connection().set(_nudge_key(func_path), 1, nx=True, ex=NUDGE_TTL_SECONDS):
                return  # a run is already waiting
        except redis.RedisError:
            _mark_redis_down(current_app.config["REDIS_URL"])  # so enqueue() runs it inline
    enqueue(func_path)


def nudge_taken(func_path: str) -> None:
    """Called by a nudged job as it starts, before it looks for work (see ``nudge``)."""
    if uses_rq():
        try:
            redis_connection().delete(_nudge_key(func_path))
        except redis.RedisError:
            _mark_redis_down(current_app.config["REDIS_URL"])


def enqueue_many(func_path: str, calls: list[tuple[tuple[Any, ...], str]], batch: int = 1000) -> None:
    """Enqueue many ``(args, job_id)`` calls of one function, pipelined in batches."""
    if not calls:
        return
    if uses_rq():
        queue = get_queue()
        try:
            for offset in range(0, len(calls), batch):
                chunk = calls[offset : offset + batch]
                queue.enqueue_many(
                    [
                        Queue.prepare_data(func_path, args, job_id=job_id, retry=_retry())
                        for args, job_id in chunk
                    ]
                )
            return
        except redis.RedisError as exc:
            _mark_redis_down(current_app.config["REDIS_URL"])
            log.warning("Redis unavailable (%s); running %s calls inline", exc, len(calls))
    for args, _ in calls:
        try:
            run_inline(func_path, *args)
        except Exception:
            log.exception("Inline job %s%r failed; the next sweep retries", func_path, args)


def schedule(when: datetime, func_path: str, *args: Any, job_id: str) -> bool:
    """Run ``func_path(*args)`` at ``when`` (naive UTC) through RQ's scheduler.

    Returns False when there is no Redis (inline mode, or Redis down): then the
    sweep, which reads due times from the database, runs the job when it is due.
    Scheduling again with the same ``job_id`` moves the job instead of adding one.
    """
    if not uses_rq():
        return False
    try:
        get_queue().enqueue_at(when.replace(tzinfo=UTC), func_path, *args, job_id=job_id, retry=_retry())
    except redis.RedisError as exc:
        _mark_redis_down(current_app.config["REDIS_URL"])
        log.warning("Redis unavailable (%s); %s will be caught by the sweep", exc, job_id)
        return False
    return True


def schedule_after_commit(when: datetime, func_path: str, *args: Any, job_id: str) -> None:
    """``schedule()`` once the current transaction commits."""
    from sunshine.extensions import db

    db.session.connection()  # begin the transaction, so a rollback is seen and drops the job
    db.session.info.setdefault(_PENDING_KEY, []).append(("schedule", when, func_path, args, job_id))


def nudge_after_commit(func_path: str) -> None:
    """``nudge()`` once the current transaction commits; nothing on rollback."""
    from sunshine.extensions import db

    db.session.connection()  # begin the transaction, so a rollback is seen and drops the nudge
    db.session.info.setdefault(_PENDING_KEY, []).append(("nudge", None, func_path, (), None))


def enqueue_after_commit(func_path: str, *args: Any) -> None:
    """Queue a job once the current database transaction commits; drop it on rollback."""
    from sunshine.extensions import db

    db.session.connection()  # begin the transaction, so a rollback is seen and drops the job
    db.session.info.setdefault(_PENDING_KEY, []).append(("enqueue", None, func_path, args, None))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    for action, when, func_path, args, job_id in session.info.pop(_PENDING_KEY, []):
        if action == "schedule":
            schedule(when, func_path, *args, job_id=job_id)
        elif action == "nudge":
            nudge(func_path)
        else:
            enqueue(func_path, *args)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_PENDING_KEY, None)
