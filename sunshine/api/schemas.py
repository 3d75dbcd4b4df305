"""Request and response bodies of the JSON API; the OpenAPI document is generated from these."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, PlainValidator, WithJsonSchema

from sunshine.records.models import Delivery, PreferredFormat


def _iso_date(value: object) -> date:
    """Only calendar dates written YYYY-MM-DD: pydantic would also read "0" as a Unix timestamp."""
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("Give a real date written YYYY-MM-DD, e.g. 2026-03-04.")


IsoDate = Annotated[date, PlainValidator(_iso_date), WithJsonSchema({"type": "string", "format": "date"})]


class _Strict(BaseModel):
    # Strict: 0 is not false and "1" is not a number. Validated from raw JSON, where
    # strict mode still reads ISO dates and enum values from strings. Lengths are those of
    # the text as sent (the documented limits); the records service trims it afterwards.
    model_config = ConfigDict(extra="forbid", strict=True)


class ContactIn(_Strict):
    name: str | None = Field(default=None, max_length=200)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=1000)


class RequestIn(_Strict):
    """A records request. Only ``description`` is required; anonymous requests are allowed."""

    description: str = Field(min_length=1, max_length=10000, description="The records sought.")
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None
    preferred_format: PreferredFormat = PreferredFormat.ELECTRONIC
    delivery: Delivery = Delivery.PORTAL
    contact: ContactIn = Field(default_factory=ContactIn)
    fee_waiver_requested: bool = False
    public_interest_statement: str | None = Field(default=None, max_length=5000)


class StaffRequestIn(RequestIn):
    """A request that reached the body some other way, keyed in by staff or an integration."""

    channel: Literal["email", "mail", "fax", "phone", "in_person"] = Field(description="How it arrived.")
    first_received_on: IsoDate = Field(description="The date it first reached the body.")
    custodian_received_on: IsoDate | None = Field(
        default=None,
        description="The date the custodian received it; the response clock starts here. "
        "Default: first_received_on.",
    )


class RequestCreated(BaseModel):
    tracking_number: str = Field(examples=["2026-000123"])
    status: str
    received_on: date
    response_due: date
    status_url: str = Field(
        description="The request's status page, with the token that opens it. Keep it private."
    )
    access_token: str = Field(
        description="Send as 'Authorization: Bearer <token>' to read this request. Shown once."
    )


class HistoryItem(BaseModel):
    at: str
    event: str


class Citation(BaseModel):
    code: str
    short_name: str = Field(
        description="What the provision closes, as the citations table names it now; empty for a code "
        "no longer in the table."
    )
    finding: str | None = None


class RequestStatus(BaseModel):
    tracking_number: str
    status: str
    status_label: str
    received_on: date
    response_due: date | None = Field(description="Null once answered, and while the clock is paused.")
    response_paused: bool = Field(description="The response clock is paused, waiting on the requester.")
    response_due_explanation: str | None
    citations: list[Citation]
    history: list[HistoryItem]


class StaffRequestSummary(BaseModel):
    tracking_number: str
    status: str
    received_on: date
    response_due: date | None
    channel: str


class StaffRequestList(BaseModel):
    requests: list[StaffRequestSummary]
    next: str | None = Field(
        description="Pass as `after` for the next page; null on the last page.", examples=["2026-03-06.1234"]
    )


class Contact(BaseModel):
    name: str | None
    email: str | None
    phone: str | None
    address: str | None


class Deadline(BaseModel):
    kind: str
    due_on: date
    paused: bool
    explanation: str


class StaffHistoryItem(BaseModel):
    at: str
    action: str = Field(description="The audit event, e.g. request.filed or clock.started.")


class StaffRequestDetail(BaseModel):
    """One request as its custodian sees it, personal data included; every read is audited."""

    tracking_number: str
    status: str
    channel: str
    first_received_at: str = Field(description="When it reached the body, UTC (ISO 8601).")
    received_on: date = Field(description="The local date the custodian received it; the clock starts here.")
    description: str
    date_from: date | None
    date_to: date | None
    preferred_format: str
    delivery: str
    fee_waiver_requested: bool
    public_interest_statement: str | None
    contact: Contact
    assigned_to: str | None
    deadlines: list[Deadline] = Field(description="The open clocks of the case, soonest due first.")
    citations: list[Citation]
    history: list[StaffHistoryItem]


class ErrorDetail(BaseModel):
    status: int
    title: str
    message: str
    fields: dict[str, str] | None = None


class Error(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: Literal["ok"]
