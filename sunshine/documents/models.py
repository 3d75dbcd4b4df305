"""Uploaded documents, what the scanner found in them, and every release of them."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.crypto import EncryptedText
from sunshine.extensions import db
from sunshine.timeutil import utcnow


def _enum(cls, length: int = 30) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class DocumentRole(enum.StrEnum):
    RESPONSIVE = "responsive"  # a record answering a request, from its originating unit


class DocumentStatus(enum.StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    REFUSED = "refused"


class Resolution(enum.StrEnum):
    UNRESOLVED = "unresolved"
    REDACTED = "redacted"  # a redacted version was uploaded and the re-scan no longer finds it
    REQUESTER_OWN = "requester_own"  # the verified requester's own data
    FALSE_POSITIVE = "false_positive"

    @property
    def label(self) -> str:
        """What staff read on the case page."""
        return RESOLUTION_LABELS[self]


RESOLUTION_LABELS = {
    Resolution.UNRESOLVED: "Not resolved",
    Resolution.REDACTED: "Redacted",
    Resolution.REQUESTER_OWN: "The requester's own data",
    Resolution.FALSE_POSITIVE: "Not sensitive",
}


class Document(db.Model):
    __tablename__ = "document"
    __table_args__ = (Index("ix_document_case", "case_type", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int]
    role: Mapped[DocumentRole] = mapped_column(_enum(DocumentRole))
    # The unit that created the record: it alone decides corrections to it.
    originating_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    display_name: Mapped[str] = mapped_column(String(200))  # the uploader's name for it; display text only
    kind: Mapped[str] = mapped_column(String(20))
    storage_key: Mapped[str | None] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    page_count: Mapped[int | None]
    status: Mapped[DocumentStatus] = mapped_column(_enum(DocumentStatus), default=DocumentStatus.PROCESSING)
    refusal: Mapped[str | None] = mapped_column(String(1000))
    # Set on a redacted version: the document it replaces.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    superseded: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    findings: Mapped[list[SensitiveFinding]] = relationship(order_by="SensitiveFinding.id")


class SensitiveFinding(db.Model):
    __tablename__ = "sensitive_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    page: Mapped[int]
    snippet: Mapped[str] = mapped_column(EncryptedText)  # masked already; encrypted as it is still context
    confidence: Mapped[float]
    fingerprint: Mapped[str] = mapped_column(String(64))
    resolution: Mapped[Resolution] = mapped_column(_enum(Resolution), default=Resolution.UNRESOLVED)
    resolution_reason: Mapped[str | None] = mapped_column(String(1000))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None]


class ReleaseStatus(enum.StrEnum):
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class Release(db.Model):
    """A packet released to a requester; built by a job, which reports its progress here."""

    __tablename__ = "release"
    __table_args__ = (Index("ix_release_case", "case_type", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int]
    status: Mapped[ReleaseStatus] = mapped_column(_enum(ReleaseStatus), default=ReleaseStatus.BUILDING)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(String(1000))
    storage_key: Mapped[str | None] = mapped_column(String(80))
    sha256: Mapped[str | None] = mapped_column(String(64))
    page_count: Mapped[int | None]
    first_bates: Mapped[str | None] = mapped_column(String(30))
    last_bates: Mapped[str | None] = mapped_column(String(30))
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    released_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disclosure(db.Model):
    """The disclosure log: one row per record per release, naming its originating unit."""

    __tablename__ = "disclosure"

    id: Mapped[int] = mapped_column(primary_key=True)
    release_id: Mapped[int] = mapped_column(ForeignKey("release.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    originating_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))  # e.g. "requester of 2026-000123"
    disclosed_at: Mapped[datetime] = mapped_column(default=utcnow)
