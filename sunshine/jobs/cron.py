"""Periodic jobs through RQ's cron scheduler, enqueued with the JSON serializer.

rq 2.12's ``CronJob.enqueue`` builds its queue with the default (pickle)
serializer, which our JSON workers cannot read and which we will not unpickle
from Redis; ``JSONCronJob`` enqueues the same way with JSON. Run with
``flask --app wsgi deadlines cron``.
"""

from __future__ import annotations

from typing import Any

from rq import Queue, cron_job_registry
from rq.cron import CronJob, CronScheduler
from rq.defaults import DEFAULT_CRON_JOB_HISTORY_LIMIT, DEFAULT_CRON_JOB_HISTORY_TTL
from rq.serializers import JSONSerializer

from sunshine.jobs.queue import QUEUE_NAME


class JSONCronJob(CronJob):
    """rq's CronJob.enqueue with the JSON serializer; the history bookkeeping is rq's own."""

    def enqueue(self, connection: Any):
        queue = Queue(self.queue_name, connection=connection, serializer=JSONSerializer)
        func_path = f"{self.func.__module__}.{self.func.__name__}"
        with connection.pipeline() as pipeline:
            job = queue.enqueue(func_path, *self.args, **self.kwargs, **self.job_options, pipeline=pipeline)
            pipeline.zadd(self.job_history_key, {job.id: job.enqueued_at.timestamp()})
            pipeline.zremrangebyrank(self.job_history_key, 0, -(DEFAULT_CRON_JOB_HISTORY_LIMIT + 1))
            pipeline.expire(self.job_history_key, DEFAULT_CRON_JOB_HISTORY_TTL)
            cron_job_registry.add(self.name, pipeline, enqueue_timestamp=job.enqueued_at.timestamp())
            pipeline.execute()
        return job


class SunshineCronScheduler(CronScheduler):
    def register(self, func, queue_name: str, **kwargs: Any) -> CronJob:
        job = JSONCronJob(queue_name=queue_name, func=func, **kwargs)
        self._cron_jobs.append(job)
        return job


def build_scheduler(connection: Any, sweep_interval: int) -> SunshineCronScheduler:
    from sunshine.clocks.jobs import sweep

    scheduler = SunshineCronScheduler(connection=connection)
    scheduler.register(sweep, QUEUE_NAME, interval=sweep_interval, job_timeout=600)
    return scheduler
