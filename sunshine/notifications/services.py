"""Queue a message in the caller's transaction; deliver it once that commits.

With ``MAIL_SERVER`` set, delivery is SMTP; without, the message is written to
the log and marked ``logged``, and the outbox row keeps it to read later.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.jobs.queue import enqueue_after_commit
from sunshine.notifications.models import OutboxMessage, OutboxStatus
from sunshine.timeutil import utcnow

log = logging.getLogger(__name__)


def queue_email(recipient: str, subject: str, body: str, *, kind: str) -> OutboxMessage:
    """Add a message to the outbox; it is delivered after the caller commits."""
    message = OutboxMessage(kind=kind, recipient=recipient, subject=subject, body=body)
    db.session.add(message)
    db.session.flush()
    enqueue_after_commit("sunshine.notifications.jobs.deliver_email", message.id)
    return message


def deliver(message_id: int) -> OutboxStatus:
    """Try to deliver one message; safe to call twice (a sent message is not resent)."""
    message = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.id == message_id).with_for_update()
    ).scalar_one_or_none()
    if message is None or message.status in (OutboxStatus.SENT, OutboxStatus.LOGGED):
        return message.status if message else OutboxStatus.FAILED
    message.attempts += 1
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        log.info("Mail (no MAIL_SERVER set) to %s: %s\n%s", message.recipient, message.subject, message.body)
        message.status, message.delivered_at = OutboxStatus.LOGGED, utcnow()
        db.session.commit()
        return message.status
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        message.status, message.last_error = OutboxStatus.FAILED, str(exc)[:500]
        log.warning("Mail %s failed (attempt %s): %s", message.id, message.attempts, exc)
    else:
        message.status, message.delivered_at, message.last_error = OutboxStatus.SENT, utcnow(), None
    db.session.commit()
    return message.status


def _send_smtp(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def undelivered_ids(limit: int = 500, created_before: datetime | None = None) -> list[int]:
    """Messages still queued or failed, oldest first, for the sweep to retry."""
    query = select(OutboxMessage.id).where(
        OutboxMessage.status.in_([OutboxStatus.QUEUED, OutboxStatus.FAILED])
    )
    if created_before is not None:
        query = query.where(OutboxMessage.created_at <= created_before)
    return list(db.session.scalars(query.order_by(OutboxMessage.id).limit(limit)))
