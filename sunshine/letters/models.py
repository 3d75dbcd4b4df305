"""Generated letters, stored on their case, and the templates administrators upload for them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.extensions import db
from sunshine.timeutil import utcnow

if TYPE_CHECKING:
    from sunshine.accounts.models import User


class Letter(db.Model):
    __tablename__ = "letter"
    __table_args__ = (Index("ix_letter_case", "case_type", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LetterTemplate(db.Model):
    """An uploaded .docx replacing, for one public body, the default template of one letter kind.

    Each body writes its own letters: its name, letterhead and wording. Earlier uploads are
    kept (inactive) so the audit log's hashes still name a file; the partial unique index
    lets at most one template per body and kind be active.
    """

    __tablename__ = "letter_template"
    __table_args__ = (
        Index(
            "uq_letter_template_active_body_kind",
            "body_id",
            "kind",
            unique=True,
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"))
    kind: Mapped[str] = mapped_column(String(40))
    storage_key: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200))  # the uploaded file's name; display text only
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(default=True)

    uploaded_by: Mapped[User | None] = relationship()
