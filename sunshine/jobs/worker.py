"""The RQ worker class: builds the app once, and gives each forked job its own connections.

Start with ``rq worker --with-scheduler -w sunshine.jobs.worker.SunshineWorker
--serializer rq.serializers.JSONSerializer``.
"""

from __future__ import annotations

from typing import Any

from rq import Worker

from sunshine.extensions import db
from sunshine.jobs.context import worker_app


class SunshineWorker(Worker):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = worker_app()

    def main_work_horse(self, job: Any, queue: Any) -> None:
        # The forked child must not share the parent's pooled database sockets.
        with self.app.app_context():
            db.engine.dispose(close=False)
        super().main_work_horse(job, queue)
