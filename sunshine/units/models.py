"""A public body is made of departments; a department of units.

Units are where staff hold roles and where records originate: a released record
names its originating unit, and corrections are routed to it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.extensions import db
from sunshine.timeutil import utcnow


class PublicBody(db.Model):
    __tablename__ = "public_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="America/Chicago")
    # How requesters pay fees here (payees, addresses, counters, cards); None: the default wording.
    payment_instructions: Mapped[str | None] = mapped_column(Text)
    # Who the custodian of records is and how to reach them (610.023.1): name, office, address,
    # phone, hours. Shown to requesters; None until an administrator writes it.
    custodian_contact: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[Department]] = relationship(back_populates="body", order_by="Department.name")


class Department(db.Model):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("body_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("public_body.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))

    body: Mapped[PublicBody] = relationship(back_populates="departments")
    units: Mapped[list[Unit]] = relationship(back_populates="department", order_by="Unit.name")


class Unit(db.Model):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Short code used in case numbers, Bates prefixes and routing, e.g. "RECORDS".
    code: Mapped[str] = mapped_column(String(30), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship(back_populates="units")

    @property
    def body(self) -> PublicBody:
        return self.department.body

    @property
    def full_name(self) -> str:
        return f"{self.department.name} — {self.name}"
