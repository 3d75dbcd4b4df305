"""Reading the audit log: a case's history is its events, in order."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.audit.models import AuditEvent
from sunshine.extensions import db


def case_history(object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq)
        )
    )
