"""The receipt of a new request, sent by a job a moment after the filing commits.

The receipt is the acknowledgement letter on the case, the email with the status link and
the response clock's first reminder on the job queue. Each filing nudges one batch job
(``send_receipts``); the sweep nudges it again for any receipt still unsent two minutes on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import render_template
from sqlalchemy import select

from sunshine.clocks import services as clocks
from sunshine.extensions import db
from sunshine.jobs.queue import nudge, nudge_taken
from sunshine.links import external_url
from sunshine.notifications.services import queue_email
from sunshine.records.models import RecordsRequest
from sunshine.records.services import response_clock
from sunshine.timeutil import utcnow

log = logging.getLogger(__name__)

RECEIPTS_JOB = "sunshine.records.jobs.send_receipts"


def send_receipts(batch: int = 100) -> int:
    """The job each filing nudges: send every receipt still unsent; return how many were sent.

    One run may serve many filings. A receipt another run is sending is left to it; one
    that fails is logged and left for the next run or the sweep. Neither is looked at
    again in this run.
    """
    nudge_taken(RECEIPTS_JOB)
    done, passed_over = 0, set()
    while ids := [i for i in unsent_receipts(limit=batch + len(passed_over)) if i not in passed_over]:
        for request_id in ids:
            try:
                sent = send_receipt(request_id)
            except Exception:
                db.session.rollback()
                sent = False
                log.exception("Receipt of request %s failed; the sweep will try it again", request_id)
            if sent:
                done += 1
            else:
                passed_over.add(request_id)
    return done


def send_receipt(request_id: int) -> bool:
    """The receipt of a new request: the letter on the case, the status link by email, the first reminder.

    Safe to run twice and side by side (the row lock and ``receipt_sent_at`` let one run
    do it). Returns False when there was nothing to do.
    """
    request = db.session.execute(
        select(RecordsRequest).where(RecordsRequest.id == request_id).with_for_update(skip_locked=True)
    ).scalar_one_or_none()
    if request is None or request.receipt_sent_at is not None:
        db.session.rollback()
        return False
    from sunshine.records.letters import write_letter

    clock = response_clock(request)
    write_letter(None, request, "received", {"clock": clock})
    if request.contact_email and request.pending_access_token:
        link = external_url(
            "records.status", tracking_number=request.tracking_number, token=request.pending_access_token
        )
        text = render_template("email/request_received.txt", request=request, clock=clock, link=link)
        queue_email(
            request.contact_email,
            f"Records request {request.tracking_number} received",
            text,
            kind="request.received",
        )
    if clock is not None and clock.is_open:
        clocks.schedule_next_reminder(clock)
    request.receipt_sent_at, request.pending_access_token = utcnow(), None
    db.session.commit()
    return True


def unsent_receipts(created_before: datetime | None = None, limit: int = 1000) -> list[int]:
    """Requests whose receipt is not sent yet, oldest first (optionally: filed before a time)."""
    query = select(RecordsRequest.id).where(RecordsRequest.receipt_sent_at.is_(None))
    if created_before is not None:
        query = query.where(RecordsRequest.created_at < created_before)
    return list(db.session.scalars(query.order_by(RecordsRequest.created_at, RecordsRequest.id).limit(limit)))


def requeue_unsent_receipts(now: datetime) -> int:
    """For the sweep: receipts still unsent two minutes after filing had their run lost; nudge one."""
    late = len(unsent_receipts(created_before=now - timedelta(minutes=2)))
    if late:
        nudge(RECEIPTS_JOB)
    return late
