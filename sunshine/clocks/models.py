"""Clock rows: the database is the only truth about every deadline."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.clocks.policies import ClockKind, DayCount, Outcome, PauseReason, ReminderKind, Urgency
from sunshine.extensions import db
from sunshine.timeutil import utcnow


def _enum(cls, length: int = 40) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Clock(db.Model):
    __tablename__ = "clock"
    __table_args__ = (
        # The sweep and the queue read open clocks by due date: the index covers only those,
        # so its cost follows the open workload, not the whole history.
        Index(
            "ix_clock_open_due",
            "due_on",
            postgresql_where=text("outcome = 'open'"),
            sqlite_where=text("outcome = 'open'"),
        ),
        Index(
            "ix_clock_open_reminder",
            "next_reminder_at",
            postgresql_where=text("outcome = 'open'"),
            sqlite_where=text("outcome = 'open'"),
        ),
        Index("ix_clock_case", "case_type", "case_id"),
        # The queue: a unit's open clocks by urgency and due date, so filters and counts
        # read only the clocks they show.
        Index(
            "ix_clock_open_unit_urgency",
            "unit_id",
            "urgency",
            "due_on",
            "id",
            postgresql_where=text("outcome = 'open'"),
            sqlite_where=text("outcome = 'open'"),
        ),
        # The queue's count of paused clocks, without reading the open ones that are not.
        Index(
            "ix_clock_open_paused",
            "unit_id",
            postgresql_where=text("outcome = 'open' AND paused_at IS NOT NULL"),
            sqlite_where=text("outcome = 'open' AND paused_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ClockKind] = mapped_column(_enum(ClockKind))
    # The case the clock belongs to, of any kind: "records_request", "amendment", ...
    case_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int]
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))  # shown in queues, e.g. the tracking number

    day_count: Mapped[DayCount] = mapped_column(_enum(DayCount, 20))
    length: Mapped[int | None]
    started_on: Mapped[date]
    # due_on = basis_on + basis_days (in the clock's kind of days); a fixed date has no basis.
    basis_on: Mapped[date | None]
    basis_days: Mapped[int | None]
    due_on: Mapped[date]
    explanation: Mapped[str] = mapped_column(Text)
    # The word that opens the explanation: what started the clock ("Received", "Asked").
    start_verb: Mapped[str] = mapped_column(String(20), default="Started")

    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[PauseReason | None] = mapped_column(_enum(PauseReason))
    remaining_days: Mapped[int | None]

    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome, 20), default=Outcome.OPEN)
    urgency: Mapped[Urgency] = mapped_column(_enum(Urgency, 20), default=Urgency.ON_TRACK)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    next_reminder_at: Mapped[datetime | None]  # UTC, naive
    next_reminder_kind: Mapped[ReminderKind | None] = mapped_column(_enum(ReminderKind, 20))
    # Indexed: each sweep re-checks the clocks started in the last hours (closures.recheck_recent).
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    pauses: Mapped[list[ClockPause]] = relationship(order_by="ClockPause.id", cascade="all, delete-orphan")
    extensions: Mapped[list[ClockExtension]] = relationship(
        order_by="ClockExtension.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.outcome is Outcome.OPEN

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class ClockPause(db.Model):
    __tablename__ = "clock_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id"), index=True)
    reason: Mapped[PauseReason] = mapped_column(_enum(PauseReason))
    paused_on: Mapped[date]
    remaining_days: Mapped[int]
    resumed_on: Mapped[date | None]


class ClockExtension(db.Model):
    __tablename__ = "clock_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    previous_due_on: Mapped[date]
    new_due_on: Mapped[date]
    notice_sent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReminderSent(db.Model):
    """One row per clock, reminder kind and due date: its existence is what "already sent" means.

    Keyed by the due date too, so when a closure day, a resume or an extension moves the due
    date, the new date is reminded of (and escalated) like the first.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("clock_id", "kind", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("clock.id"))
    kind: Mapped[ReminderKind] = mapped_column(_enum(ReminderKind, 20))
    due_on: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClosureDay(db.Model):
    __tablename__ = "closure_day"
    __table_args__ = (UniqueConstraint("body_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"), index=True)
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))


class ClockPolicySetting(db.Model):
    """A body's own length for a kind of clock, where LAW.md makes it a setting."""

    __tablename__ = "clock_policy_setting"
    __table_args__ = (UniqueConstraint("body_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"))
    kind: Mapped[ClockKind] = mapped_column(_enum(ClockKind))
    length: Mapped[int | None]
    long_length: Mapped[int | None]


class SweepRun(db.Model):
    __tablename__ = "sweep_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
    marked_due_soon: Mapped[int] = mapped_column(default=0)
    marked_overdue: Mapped[int] = mapped_column(default=0)
    reminders_enqueued: Mapped[int] = mapped_column(default=0)
    escalated: Mapped[int] = mapped_column(default=0)
    lapsed: Mapped[int] = mapped_column(default=0)
    mail_retried: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[bool] = mapped_column(default=False)  # another sweep held the lock
