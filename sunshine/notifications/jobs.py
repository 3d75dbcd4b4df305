"""Jobs for the queue: each takes ids only and is safe to run twice."""

from __future__ import annotations

from sunshine.jobs.context import with_app_context
from sunshine.notifications import services


@with_app_context
def deliver_email(message_id: int) -> str:
    return services.deliver(message_id).value
