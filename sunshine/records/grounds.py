"""The written statement of the grounds for a denial (RSMo 610.023.4).

A requester whose request was denied in whole or part may ask for it, on the status page
or any other way (staff then record the ask with the day it came); the custodian gives
it within three business days, on its own clock, even after the case is closed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.audit.services import record
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import ClockKind
from sunshine.extensions import db
from sunshine.records.models import RecordsRequest
from sunshine.records.services import (
    CASE_TYPE,
    RequestError,
    latest_clock,
    lock,
    notify_requester,
    tell_staff,
)
from sunshine.records.states import Action, Status
from sunshine.units.models import Unit


def ask_for_statement_of_grounds(
    actor, request: RecordsRequest, *, asked_on: date | None = None, how: str | None = None
) -> None:
    """The requester asks for the written grounds of a denial: 3 business days (610.023.4).

    On the status page the ask is made today. One made by post, email, phone or in person is
    recorded by staff with ``asked_on``, the day the custodian received it, and ``how`` it came:
    the clock runs from then, not from when it was keyed in.
    """
    lock(request)  # a double click waits, then finds the first request's clock
    if not grounds_can_be_asked(request):
        raise RequestError(
            "A statement of grounds can be asked for once a request is denied in whole or part."
        )
    unit = db.session.get(Unit, request.unit_id)
    body = unit.body
    today = clocks.local_today(body)
    if asked_on is not None and asked_on > today:
        raise RequestError("The date the requester asked cannot be in the future.")
    decided_on = _decided_on(request, body)
    if asked_on is not None and decided_on is not None and asked_on < decided_on:
        raise RequestError(
            f"The request was decided on {decided_on:%-d %B %Y}: the grounds cannot be asked for before that."
        )
    existing = grounds_clock(request)
    if existing is not None and existing.is_open and asked_on is not None and asked_on < existing.started_on:
        # An ask by post that reached the custodian before the one already recorded: the law's three
        # days run from the first, so the clock starts from it (and may be late already).
        clocks.start_earlier(actor, existing, asked_on)
        details = {"how": how, "asked_on": asked_on.isoformat(), "earlier_than_recorded": True}
        record(actor, "request.statement_of_grounds_asked", request, details=details)
        db.session.commit()
        return
    if existing is not None and existing.is_open:
        raise RequestError(
            f"The statement of grounds was already asked for; it is due by {existing.due_on:%-d %B %Y}."
        )
    if existing is not None:
        raise RequestError(
            "The statement of grounds was already given: it is among the letters on this page."
        )
    clocks.start(
        actor,
        kind=ClockKind.DENIAL_STATEMENT,
        case_type=CASE_TYPE,
        case_id=request.id,
        unit=unit,
        label=request.tracking_number,
        started_on=asked_on or today,
        verb="Asked",
    )
    details = {"how": how, "asked_on": (asked_on or today).isoformat()} if how else None
    record(actor, "request.statement_of_grounds_asked", request, details=details)
    if how is None:  # staff who keyed it in know already
        tell_staff(request, "asked for the written statement of grounds, due in three business days")
    db.session.commit()


def _decided_on(request: RecordsRequest, body) -> date | None:
    """The day at the body the request was denied in whole or part, from the audit log."""
    decided_at = db.session.scalar(
        select(func.max(AuditEvent.occurred_at)).where(
            AuditEvent.object_type == RecordsRequest.__tablename__,
            AuditEvent.object_id == str(request.id),
            AuditEvent.action.in_((f"request.{Action.DENY.value}", f"request.{Action.PARTIAL_GRANT.value}")),
        )
    )
    return clocks.local_today(body, decided_at) if decided_at is not None else None


def grounds_can_be_asked(request: RecordsRequest) -> bool:
    """Denied in whole or part, and not withdrawn: closing the case does not end the right to the grounds."""
    denied = request.status in (Status.DENIED, Status.PARTIALLY_GRANTED)
    return denied or (request.status is Status.CLOSED and bool(request.citations))


def grounds_clock(request: RecordsRequest):
    """The latest statement-of-grounds clock of ``request``, open or closed, if it was ever asked for."""
    return latest_clock(request, ClockKind.DENIAL_STATEMENT)


def give_statement_of_grounds(actor, request: RecordsRequest, grounds: str) -> None:
    """The written statement the requester asked for: meets the 3-business-day clock (610.023.4)."""
    lock(request)  # a double click waits, then finds the clock already met
    clock = next(
        (
            c
            for c in clocks.open_clocks_for_case(CASE_TYPE, request.id)
            if c.kind is ClockKind.DENIAL_STATEMENT
        ),
        None,
    )
    if clock is None:
        raise RequestError("The requester has not asked for a statement of grounds, or it was already given.")
    if len(grounds.strip()) < 20:
        raise RequestError("State the grounds: which provision applies to which records, and why.")
    clocks.meet(actor, clock)
    record(actor, "request.statement_of_grounds_given", request)
    notify_requester(actor, request, "statement_of_grounds", grounds=grounds.strip())
    db.session.commit()
