"""Mail goes through the outbox: logged without a server, sent over real SMTP with one,
kept and retried when the server is down, and never sent for a rolled-back change."""

from __future__ import annotations

import logging

from sqlalchemy import select

from sunshine.extensions import db
from sunshine.notifications import services
from sunshine.notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import free_port


def _only_message() -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage)).one()


def test_without_a_mail_server_messages_are_logged_and_kept(app_ctx, caplog) -> None:
    caplog.set_level(logging.INFO, logger="sunshine.notifications.services")
    services.queue_email("person@example.org", "Hello", "Body text", kind="test.hello")
    db.session.commit()
    message = _only_message()
    assert message.status is OutboxStatus.LOGGED and message.body == "Body text"
    assert "Hello" in caplog.text


def test_with_a_mail_server_messages_are_delivered_over_smtp(app_ctx, smtp_server) -> None:
    services.queue_email("person@example.org", "Your request", "It was received.", kind="test.smtp")
    db.session.commit()
    assert _only_message().status is OutboxStatus.SENT
    assert len(smtp_server) == 1
    assert smtp_server[0]["To"] == "person@example.org"
    assert smtp_server[0]["Subject"] == "Your request"
    assert "It was received." in smtp_server[0].get_payload()


def test_an_unreachable_server_keeps_the_message_for_retry(app, app_ctx, smtp_server) -> None:
    working_port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    services.queue_email("person@example.org", "Retry me", "Body", kind="test.retry")
    db.session.commit()
    message = _only_message()
    assert message.status is OutboxStatus.FAILED and message.attempts == 1 and message.last_error
    assert services.undelivered_ids() == [message.id]

    app.config["MAIL_PORT"] = working_port
    assert services.deliver(message.id) is OutboxStatus.SENT
    assert services.deliver(message.id) is OutboxStatus.SENT  # a second run sends nothing more
    assert len(smtp_server) == 1
    assert services.undelivered_ids() == []


def test_a_rolled_back_change_sends_no_mail(app_ctx, smtp_server) -> None:
    services.queue_email("person@example.org", "Never", "Body", kind="test.rollback")
    db.session.rollback()
    assert db.session.scalars(select(OutboxMessage)).all() == []
    assert smtp_server == []
