"""Records requests under the Sunshine Law, and what travels with them."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.crypto import EncryptedText
from sunshine.extensions import db
from sunshine.records.states import Status
from sunshine.timeutil import utcnow


def _enum(cls, length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Channel(enum.StrEnum):
    WEB = "web"
    API = "api"
    EMAIL = "email"
    MAIL = "mail"
    FAX = "fax"
    PHONE = "phone"
    IN_PERSON = "in_person"


class PreferredFormat(enum.StrEnum):
    ELECTRONIC = "electronic"
    PAPER = "paper"
    INSPECT = "inspect"


class Delivery(enum.StrEnum):
    PORTAL = "portal"
    EMAIL = "email"
    MAIL = "mail"
    PICKUP = "pickup"


class TrackingCounter(db.Model):
    """The last tracking number issued in a year, on SQLite (bumped by one upsert per new request).

    On PostgreSQL each year's numbers come from a sequence of its own, owned by this table
    (see ``records.filing``), so filings never wait on a counter row.
    """

    __tablename__ = "tracking_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class RecordsRequest(db.Model):
    __tablename__ = "records_request"
    __table_args__ = (
        Index(
            "ix_records_request_receipt_pending",
            "created_at",
            postgresql_where=text("receipt_sent_at IS NULL"),
            sqlite_where=text("receipt_sent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(20), unique=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"), index=True)
    # The custodian's unit: where the request is worked and its clocks remind.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.RECEIVED, index=True)

    # What is asked for. Encrypted: people often ask for records about themselves.
    description: Mapped[str] = mapped_column(EncryptedText)
    date_from: Mapped[date | None]
    date_to: Mapped[date | None]
    preferred_format: Mapped[PreferredFormat] = mapped_column(_enum(PreferredFormat))
    delivery: Mapped[Delivery] = mapped_column(_enum(Delivery))
    fee_waiver_requested: Mapped[bool] = mapped_column(default=False)
    public_interest_statement: Mapped[str | None] = mapped_column(EncryptedText)

    # Contact, all optional: anonymous requests are allowed.
    contact_name: Mapped[str | None] = mapped_column(EncryptedText)
    contact_email: Mapped[str | None] = mapped_column(EncryptedText)
    contact_phone: Mapped[str | None] = mapped_column(EncryptedText)
    contact_address: Mapped[str | None] = mapped_column(EncryptedText)

    channel: Mapped[Channel] = mapped_column(_enum(Channel, 20))
    # When it first reached the body, and the date the custodian received it: the
    # second starts the clock (610.023.3), so they are kept apart.
    first_received_at: Mapped[datetime]
    custodian_received_on: Mapped[date]
    # SHA-256 of the secret in the status link; the secret itself is never stored.
    access_token_hash: Mapped[str] = mapped_column(String(64))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]
    # The receipt (the letter on the case, the email with the status link) is sent by a job
    # just after filing; until it is, the secret of the link waits here, encrypted, for the email.
    receipt_sent_at: Mapped[datetime | None]
    pending_access_token: Mapped[str | None] = mapped_column(EncryptedText)

    citations: Mapped[list[DenialCitation]] = relationship(
        cascade="all, delete-orphan", order_by="DenialCitation.id"
    )
    messages: Mapped[list[RequestMessage]] = relationship(
        cascade="all, delete-orphan", order_by="RequestMessage.id"
    )


class DenialCitation(db.Model):
    """A provision of law cited for withholding all or part of a request (never free text alone)."""

    __tablename__ = "denial_citation"
    __table_args__ = (UniqueConstraint("request_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    # The written finding that 610.021(18)(d) and (19) require.
    finding: Mapped[str | None] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RequestMessage(db.Model):
    """A message on a request: to or from the requester, or an internal staff note."""

    __tablename__ = "request_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    from_requester: Mapped[bool] = mapped_column(default=False)
    internal: Mapped[bool] = mapped_column(default=False)  # staff notes: never shown to the requester
    body: Mapped[str] = mapped_column(EncryptedText)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeeEstimateRecord(db.Model):
    """A fee estimate given to the requester (610.026), with any waiver and the payment."""

    __tablename__ = "fee_estimate"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    lines: Mapped[list] = mapped_column(JSON)  # description, quantity, unit price, amount, legal basis
    subtotal_cents: Mapped[int]
    reduction_cents: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int]
    waiver_reason: Mapped[str | None] = mapped_column(String(2000))
    prepayment_required: Mapped[bool] = mapped_column(default=True)
    paid_cents: Mapped[int | None]
    paid_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DelayNotice(db.Model):
    """A delay under 610.023.3: a detailed explanation, and where and when the records will be available."""

    __tablename__ = "delay_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("records_request.id"), index=True)
    explanation: Mapped[str] = mapped_column(String(5000))
    available_on: Mapped[date]
    # The earliest time on that date; None only on notices given before the time was asked for.
    available_at_time: Mapped[time | None]
    available_at_place: Mapped[str] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class FeeScheduleSetting(db.Model):
    """A body's own copying fees (610.026), kept by an administrator; in integer cents.

    Without a row the body uses the FEE_* settings of the deployment. How long a requester
    has to pay is not here: it is the fee-payment clock's length (the calendar page).
    """

    __tablename__ = "fee_schedule_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"), unique=True)
    paper_page_cents: Mapped[int]
    clerical_hourly_cents: Mapped[int]
    research_hourly_cents: Mapped[int]
    technical_hourly_cents: Mapped[int]
    media_prices_cents: Mapped[dict] = mapped_column(JSON, default=dict)
    large_fee_threshold_cents: Mapped[int]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# The longest text each citation field holds; the admin form and the service check the same figures.
CITATION_LIMITS = {
    "code": 60,  # as DenialCitation.code
    "short_name": 200,
    "description": 2000,
    "statute": 100,
    "finding_guidance": 1000,
    "note": 1000,
    "example": 500,  # each example
}
MAX_CITATION_EXAMPLES = 20


class CitationEntry(db.Model):
    """A provision of law a denial may cite (LAW.md section 4): the live table, seeded from citations.json.

    Deployment-wide, not per public body: citations are state law, the same for every body this
    site serves. The fields are those of ``records.citations.Citation``; ``retired`` keeps a
    citation from new denials while denials that already cite it still show it. The code never
    changes once a denial cites it (``DenialCitation.code`` refers to it by value).
    """

    __tablename__ = "citation"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CITATION_LIMITS["code"]), unique=True)
    short_name: Mapped[str] = mapped_column(String(CITATION_LIMITS["short_name"]))
    description: Mapped[str] = mapped_column(String(CITATION_LIMITS["description"]))
    statute: Mapped[str] = mapped_column(String(CITATION_LIMITS["statute"]))
    requires_written_finding: Mapped[bool] = mapped_column(default=False)
    verified: Mapped[bool] = mapped_column(default=False)
    finding_guidance: Mapped[str] = mapped_column(String(CITATION_LIMITS["finding_guidance"]), default="")
    examples: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(CITATION_LIMITS["note"]), default="")
    retired: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
