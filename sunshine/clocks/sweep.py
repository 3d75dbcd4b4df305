"""The sweep: reconcile every clock with the calendar and the queue.

Runs every 10 minutes (rq cron, the inline timer, or ``flask deadlines sweep``).
Each step is a set-based statement over open clocks, so its cost follows the
number of clocks that are due, not the number of clocks. Every step is
idempotent, and on PostgreSQL an advisory lock makes a second concurrent sweep
step aside, so running it twice at once is harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, render_template
from sqlalchemy import and_, exists, func, literal, select, text, update

from sunshine import calendar as cal
from sunshine.accounts.services import holders_of
from sunshine.audit.services import record
from sunshine.authz import Role
from sunshine.clocks import closures, services
from sunshine.clocks.cases import case_type, case_types
from sunshine.clocks.models import Clock, ReminderSent, SweepRun
from sunshine.clocks.policies import DEFAULT_POLICIES, Outcome, ReminderKind, Urgency
from sunshine.extensions import db
from sunshine.jobs.queue import enqueue_many
from sunshine.links import external_url
from sunshine.notifications.services import queue_email, undelivered_ids
from sunshine.timeutil import utcnow
from sunshine.units.models import Department, PublicBody, Unit

log = logging.getLogger(__name__)

ADVISORY_LOCK_KEY = 610_023_003
DIGEST_LISTED = 50
REMINDER_BATCH = 500
LAPSE_KINDS = [kind for kind, policy in DEFAULT_POLICIES.items() if policy.lapse_withdraws_case]
STAFF_KINDS = [kind for kind, policy in DEFAULT_POLICIES.items() if policy.remind_role is not None]
# Clocks started this recently are checked once more against the calendar (closures.recheck_recent):
# longer than any gap between sweeps, so each new clock is checked after every calendar change.
RECHECK_WINDOW = timedelta(hours=2)


@dataclass
class SweepResult:
    run: SweepRun

    def summary(self) -> dict:
        r = self.run
        return {
            "skipped": r.skipped,
            "marked_due_soon": r.marked_due_soon,
            "marked_overdue": r.marked_overdue,
            "reminders_enqueued": r.reminders_enqueued,
            "escalated": r.escalated,
            "lapsed": r.lapsed,
            "mail_retried": r.mail_retried,
        }


def _try_lock() -> bool:
    if db.engine.dialect.name != "postgresql":
        return True  # SQLite serialises writers; the steps below are idempotent anyway
    return bool(db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_LOCK_KEY}))


def run(now: datetime | None = None) -> SweepResult:
    """One sweep at ``now`` (naive UTC; default the current time). Commits as it goes."""
    now = now or utcnow()
    if not _try_lock():
        db.session.rollback()
        return _record(SweepRun(started_at=now, skipped=True))

    counts = dict.fromkeys(("marked_due_soon", "marked_overdue", "escalated", "lapsed"), 0)
    for body in db.session.scalars(select(PublicBody)).all():
        closures.recheck_recent(body, since=now - RECHECK_WINDOW)
        today = services.local_today(body, now)
        due_soon, overdue = _mark(body, today, services.calendar_for(body.id))
        counts["marked_due_soon"] += due_soon
        counts["marked_overdue"] += overdue
        counts["escalated"] += _escalate(body, today)
        counts["lapsed"] += _lapse(body, today)
    _requeue_lost(now)
    return _record(
        SweepRun(
            started_at=now,
            reminders_enqueued=_reminders(now),
            mail_retried=_retry_mail(now),
            skipped=False,
            **counts,
        )
    )


def _record(run_row: SweepRun) -> SweepResult:
    run_row.finished_at = utcnow()
    db.session.add(run_row)
    db.session.commit()  # also releases the advisory lock
    return SweepResult(run_row)


def _body_clocks(body: PublicBody):
    return Clock.body_id == body.id


def _open_running():
    return and_(Clock.outcome == Outcome.OPEN, Clock.paused_at.is_(None))


def _mark(body: PublicBody, today, calendar) -> tuple[int, int]:
    threshold = cal.add_business_days(today, 1, calendar)
    overdue = db.session.execute(
        update(Clock)
        .where(_open_running(), _body_clocks(body), Clock.due_on < today, Clock.urgency != Urgency.OVERDUE)
        .values(urgency=Urgency.OVERDUE)
        .execution_options(synchronize_session=False)
    ).rowcount
    due_soon = db.session.execute(
        update(Clock)
        .where(
            _open_running(),
            _body_clocks(body),
            Clock.due_on >= today,
            Clock.due_on <= threshold,
            Clock.urgency == Urgency.ON_TRACK,
        )
        .values(urgency=Urgency.DUE_SOON)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return due_soon, overdue


def _insert_ignoring_duplicates():
    """INSERT ... ON CONFLICT DO NOTHING for the database in use (both speak it)."""
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(ReminderSent)


def _escalate(body: PublicBody, today) -> int:
    """Tell general counsel, once per clock and due date, of overdue staff deadlines: one digest per sweep.

    The ESCALATED rows are inserted straight from the query and only the rows this
    sweep inserted are reported, so two sweeps at once never escalate a clock twice.
    """
    already = exists().where(
        ReminderSent.clock_id == Clock.id,
        ReminderSent.kind == ReminderKind.ESCALATED,
        ReminderSent.due_on == Clock.due_on,  # a due date moved and missed again is escalated again
    )
    newly = select(Clock.id, literal(ReminderKind.ESCALATED.value), Clock.due_on, literal(utcnow())).where(
        _open_running(),
        _body_clocks(body),
        Clock.due_on < today,  # implied by OVERDUE; lets the open-due index bound the scan
        Clock.urgency == Urgency.OVERDUE,
        Clock.kind.in_(STAFF_KINDS),
        ~already,
    )
    statement = (
        _insert_ignoring_duplicates()
        .from_select(["clock_id", "kind", "due_on", "sent_at"], newly)
        .on_conflict_do_nothing(index_elements=["clock_id", "kind", "due_on"])
        .returning(ReminderSent.clock_id)
    )
    ids = list(db.session.scalars(statement))
    if not ids:
        db.session.commit()
        return 0
    listed = list(
        db.session.scalars(
            select(Clock).where(Clock.id.in_(ids)).order_by(Clock.due_on, Clock.id).limit(DIGEST_LISTED)
        )
    )
    counsel_units = select(Unit.id).join(Department).where(Department.body_id == body.id)
    recipients = holders_of(Role.GENERAL_COUNSEL, list(db.session.scalars(counsel_units)))
    text_body = render_template(
        "email/overdue_digest.txt",
        body=body,
        clocks=listed,
        more=len(ids) - len(listed),
        labels={kind: policy.label for kind, policy in DEFAULT_POLICIES.items()},
        link=external_url("deadlines.overdue"),
    )
    for person in recipients:
        queue_email(
            person.email, f"{len(ids)} overdue deadline(s) at {body.name}", text_body, kind="clock.escalation"
        )
    if not recipients:
        log.error("No general counsel to escalate %s overdue clocks of body %s to", len(ids), body.id)
    record(None, "clock.escalated", body, details={"clocks": len(ids), "recipients": len(recipients)})
    db.session.commit()
    return len(ids)


def _lapse(body: PublicBody, today) -> int:
    """Requester windows past their end: the case's own handler withdraws it and sends the letter."""
    lapsed = list(
        db.session.scalars(
            select(Clock).where(
                Clock.outcome == Outcome.OPEN,
                _body_clocks(body),
                Clock.kind.in_(LAPSE_KINDS),
                Clock.due_on < today,
            )
        )
    )
    done = 0
    for clock in lapsed:
        registered = case_type(clock.case_type)
        if registered is None or registered.on_lapse is None:
            log.error("Clock %s lapsed but case type %r has no lapse handler", clock.id, clock.case_type)
            continue
        registered.on_lapse(clock)
        db.session.refresh(clock)  # the case may have met or cancelled it since it was read above
        if clock.is_open:
            services.withdraw(None, clock)
        db.session.commit()
        done += 1
    return done


def _reminders(now: datetime) -> int:
    """Reminders whose moment has passed with no job run: enqueue them again, in batches.

    Normally each reminder's own scheduled job has run long before this; what is
    left here was lost (Redis restarted empty, a job failed for good). A lost batch
    can be large, so the ids travel in batch jobs; each clock is still sent at most
    once, decided by its ReminderSent row.
    """
    grace = timedelta(seconds=current_app.config["REMINDER_GRACE_SECONDS"])
    rows = db.session.execute(
        select(Clock.id, Clock.next_reminder_kind)
        .where(_open_running(), Clock.next_reminder_at.is_not(None), Clock.next_reminder_at <= now - grace)
        .order_by(Clock.id)
    ).all()
    by_kind: dict[ReminderKind, list[int]] = {}
    for clock_id, kind in rows:
        by_kind.setdefault(kind, []).append(clock_id)
    calls = [
        (
            (ids[i : i + REMINDER_BATCH], kind.value),
            f"reminders-{kind.value}-{ids[i]}-{len(ids[i : i + REMINDER_BATCH])}",
        )
        for kind, ids in by_kind.items()
        for i in range(0, len(ids), REMINDER_BATCH)
    ]
    enqueue_many("sunshine.clocks.jobs.send_reminders", calls)
    return len(rows)


def _requeue_lost(now: datetime) -> None:
    """Each kind of case queues again its follow-up jobs that were lost."""
    for kind in case_types():
        if kind.requeue_lost is not None:
            count = kind.requeue_lost(now)
            if count:
                log.warning("Sweep: %s lost %s job(s) queued again", kind.name, count)


def _retry_mail(now: datetime) -> int:
    """Mail still undelivered a couple of minutes on (failed, or its job was lost)."""
    ids = undelivered_ids(created_before=now - timedelta(minutes=2))
    enqueue_many("sunshine.notifications.jobs.deliver_email", [((i,), f"mail-{i}") for i in ids])
    return len(ids)


def last_run() -> SweepRun | None:
    return db.session.scalar(select(SweepRun).order_by(SweepRun.id.desc()).limit(1))


def count_open() -> int:
    return db.session.scalar(select(func.count(Clock.id)).where(Clock.outcome == Outcome.OPEN)) or 0
