"""The administrator's health page: is the machinery that keeps deadlines alive?"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, render_template
from flask_login import current_user
from redis import RedisError
from rq import Worker
from rq.registry import FailedJobRegistry, ScheduledJobRegistry

from sunshine.authz import Permission, requires
from sunshine.clocks import queries
from sunshine.clocks.sweep import last_run
from sunshine.jobs.queue import get_queue, redis_answers
from sunshine.timeutil import utcnow
from sunshine.units import reach

bp = Blueprint("jobs", __name__, url_prefix="/admin")


def queue_figures() -> dict:
    """Redis and RQ figures, or ``{"redis": False}`` when Redis does not answer."""
    if not redis_answers():
        return {"redis": False}
    try:
        queue = get_queue()
        workers = Worker.all(connection=queue.connection)
        return {
            "redis": True,
            "workers": len(workers),
            "queued": queue.count,
            "scheduled": ScheduledJobRegistry(queue=queue).count,
            "failed": FailedJobRegistry(queue=queue).count,
        }
    except RedisError:
        return {"redis": False}


@bp.route("/health")
@requires(Permission.MANAGE_UNITS)
def health():
    sweep = last_run()
    interval = current_app.config["SWEEP_INTERVAL_SECONDS"]
    stale = sweep is None or sweep.started_at < utcnow() - timedelta(seconds=2 * interval)
    return render_template(
        "admin/health.html",
        figures=queue_figures(),
        sweep=sweep,
        sweep_stale=stale,
        interval=interval,
        # The machinery is shared; the deadlines are each body's, so only those of bodies reached.
        overdue=queries.overdue_count(reach.body_ids(current_user, Permission.MANAGE_UNITS)),
        mode=current_app.config["QUEUE_MODE"],
        tz=reach.timezone(current_user, Permission.MANAGE_UNITS),
    )
