"""Document jobs: ids only, safe to run twice."""

from __future__ import annotations

from sunshine.documents import services
from sunshine.jobs.context import with_app_context


@with_app_context
def process_document(document_id: int) -> str:
    document = services.process(document_id)
    return document.status.value if document else "missing"
