"""Records jobs: ids only, safe to run twice."""

from __future__ import annotations

from sunshine.jobs.context import with_app_context
from sunshine.records import receipts, release


@with_app_context
def build_release(release_id: int) -> str:
    row = release.build(release_id)
    return row.status.value if row else "missing"


@with_app_context
def send_receipts() -> int:
    return receipts.send_receipts()
