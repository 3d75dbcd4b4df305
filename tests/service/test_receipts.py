"""The receipt of a new request (letter, email with the status link, first reminder) is a job.

Filing commits the request and its clock, and nudges one run of the receipts job;
the run sends every receipt waiting. Through real Redis and a real RQ worker (the
``redis_server`` fixture of tests/service/conftest.py); and inline, where a failing
receipt must not hold up the others.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine
from rq.registry import ScheduledJobRegistry
from sqlalchemy import func, select

from sunshine.clocks import sweep
from sunshine.clocks.models import Clock
from sunshine.extensions import db
from sunshine.jobs.queue import get_queue, redis_connection
from sunshine.letters.services import letters_for
from sunshine.notifications.models import OutboxMessage
from sunshine.records import filing, receipts, services
from sunshine.records.models import RecordsRequest
from sunshine.timeutil import utcnow
from tests.service.conftest import run_worker

RECEIPTS = receipts.RECEIPTS_JOB


def _receipt_mail() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.received")))


def _reload(request_id: int) -> RecordsRequest:
    db.session.expire_all()
    return db.session.get(RecordsRequest, request_id)


def test_filing_records_the_clock_at_once_and_one_run_sends_every_receipt(
    app, client, factories, redis_server
) -> None:
    # Filed on the day they were received (Tue 3 Mar), so their first reminders are still to come.
    with time_machine.travel(datetime(2026, 3, 3, 15, tzinfo=UTC), tick=False):
        filed = [
            factories.request(email="one@example.org"),
            factories.request(email=None),
            factories.request(),
        ]

    # On record at filing: the request and its response clock, with its first reminder set.
    for item in filed:
        request = _reload(item.request_id)
        clock = services.response_clock(request)
        assert clock is not None and clock.due_on == item.response_due and clock.next_reminder_at is not None
        assert request.receipt_sent_at is None and letters_for("records_request", request.id) == []
    assert _reload(filed[1].request_id).pending_access_token is None  # no email: the secret is not kept
    # Three filings, one run queued: the nudge stands while that run waits.
    assert [job.func_name for job in get_queue().jobs] == [RECEIPTS]

    run_worker(app, redis_server.url)

    for item in filed:
        request = _reload(item.request_id)
        assert request.receipt_sent_at is not None and request.pending_access_token is None
        assert [letter.kind for letter in letters_for("records_request", request.id)] == ["acknowledgement"]
    clock_ids = db.session.scalars(select(Clock.id).order_by(Clock.id)).all()
    scheduled = ScheduledJobRegistry(queue=get_queue()).get_job_ids()
    assert all(f"clock-{clock_id}-due_soon" in scheduled for clock_id in clock_ids)

    # The email carries the private link, and the link opens the status page.
    mail = {message.recipient: message for message in _receipt_mail()}
    assert set(mail) == {"one@example.org", "asker@example.org"}
    link = re.search(r"https?://\S+/requests/(\S+)\?token=(\S+)", mail["one@example.org"].body)
    assert link is not None and link.group(1) == filed[0].tracking_number
    assert link.group(2) == filed[0].access_token
    page = client.get(f"/requests/{link.group(1)}?token={link.group(2)}")
    assert page.status_code == 200 and filed[0].tracking_number in page.get_data(as_text=True)

    # A second run finds nothing to do.
    receipts.send_receipts()
    assert len(_receipt_mail()) == 2


def test_a_receipt_whose_run_was_lost_is_sent_after_the_next_sweep(app, factories, redis_server) -> None:
    filed = factories.request()
    get_queue().empty()  # the queued run is lost (Redis flushed, say), and with it the nudge
    redis_connection().delete(f"sunshine:nudged:{RECEIPTS}")
    assert _reload(filed.request_id).receipt_sent_at is None

    sweep.run(utcnow())  # too soon: a receipt has two minutes before it counts as lost
    assert RECEIPTS not in [job.func_name for job in get_queue().jobs]
    sweep.run(utcnow() + timedelta(minutes=3))
    assert [job.func_name for job in get_queue().jobs].count(RECEIPTS) == 1
    run_worker(app, redis_server.url)
    assert _reload(filed.request_id).receipt_sent_at is not None
    assert len(_receipt_mail()) == 1


def test_a_failing_receipt_is_left_for_later_and_does_not_hold_up_the_others(
    app_ctx, factories, monkeypatch
) -> None:
    from sunshine.records import letters

    real = letters.write_letter
    first = factories.request()  # inline: sent as it is filed
    assert _reload(first.request_id).receipt_sent_at is not None

    broken_id = {}

    def write_letter(actor, request, event, context):
        if request.id == broken_id.get("id"):
            raise RuntimeError("template store unreachable")
        return real(actor, request, event, context)

    monkeypatch.setattr(letters, "write_letter", write_letter)
    monkeypatch.setattr(receipts, "nudge", lambda func_path: None)  # hold the runs back; run one by hand
    monkeypatch.setattr(filing, "nudge_after_commit", lambda func_path: None)
    broken = factories.request(description="Will fail")
    broken_id["id"] = broken.request_id
    fine = factories.request(description="Will be sent")

    assert receipts.send_receipts() == 1  # returns: it does not retry the failing one forever
    assert _reload(fine.request_id).receipt_sent_at is not None
    assert _reload(broken.request_id).receipt_sent_at is None
    assert letters_for("records_request", broken.request_id) == []  # nothing half-written
    assert receipts.unsent_receipts() == [broken.request_id]

    monkeypatch.setattr(letters, "write_letter", real)
    assert receipts.send_receipts() == 1 and receipts.unsent_receipts() == []
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 3
    assert not receipts.send_receipt(broken.request_id)  # a second send of the same receipt does nothing


def test_unsent_receipts_are_oldest_first_and_can_be_limited_to_older_filings(app_ctx, factories) -> None:
    from unittest import mock

    with mock.patch.object(filing, "nudge_after_commit"):
        ids = [factories.request().request_id for _ in range(3)]
    assert receipts.unsent_receipts() == ids
    assert receipts.unsent_receipts(created_before=datetime(2000, 1, 1)) == []
    assert receipts.unsent_receipts(limit=2) == ids[:2]
