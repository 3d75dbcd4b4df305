"""The custodian's steps between receipt and decision: clarification, fees, delay, assignment.

Each step follows the law's order: asking the requester for something pauses the
response clock and opens a window (with the withdrawal warning); their answer
resumes it. A delay notice is itself a response, so it meets the response clock
and opens the delayed-access clock on the promised date.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select

from sunshine.accounts.models import User
from sunshine.audit.services import record
from sunshine.authz import Permission, can
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import ClockKind, PauseReason
from sunshine.extensions import db
from sunshine.records import fee_settings, fees
from sunshine.records.letters import waiver_note, waiver_terms
from sunshine.records.models import DelayNotice, FeeEstimateRecord, RecordsRequest, RequestMessage
from sunshine.records.services import (
    CASE_TYPE,
    RequestError,
    lock,
    notify_requester,
    response_clock,
    tell_staff,
    transition,
)
from sunshine.records.states import Action, Status, next_status
from sunshine.timeutil import utcnow
from sunshine.units.models import PublicBody, Unit

# A promised date further out than this is taken for a typing slip (2206 for 2026), not a plan;
# the statute sets no limit, so it is generous.
MAX_DELAY = timedelta(days=5 * 366)
MIN_DELAY_EXPLANATION = 40  # "a detailed explanation of the cause" (610.023.3): more than a phrase


def _unit(request: RecordsRequest) -> Unit:
    return db.session.get(Unit, request.unit_id)


def _open_clock(request: RecordsRequest, kind: ClockKind):
    return next((c for c in clocks.open_clocks_for_case(CASE_TYPE, request.id) if c.kind is kind), None)


def _start_window(actor, request: RecordsRequest, kind: ClockKind, long: bool = False):
    unit = _unit(request)
    return clocks.start(
        actor,
        kind=kind,
        case_type=CASE_TYPE,
        case_id=request.id,
        unit=unit,
        label=request.tracking_number,
        started_on=clocks.local_today(unit.body),
        long=long,
        verb="Asked",
    )


def _pause_response(actor, request: RecordsRequest, reason: PauseReason) -> bool:
    """Pause the response clock while the requester is asked for something, unless it is already late.

    Returns whether the response clock is now paused, so the letter can say so truthfully.
    """
    clock = response_clock(request)
    if clock is None or not clock.is_open:
        return False
    if clock.is_paused:
        return True
    if clocks.past_due(clock):
        return False  # the response is late already: asking now does not stop that clock
    clocks.pause(actor, clock, reason)
    return True


def _resume_response(actor, request: RecordsRequest) -> None:
    clock = response_clock(request)
    if clock is not None and clock.is_open and clock.is_paused:
        clocks.resume(actor, clock)


def ask_clarification(actor, request: RecordsRequest, question: str) -> None:
    """Ask the requester to clarify: the response clock pauses; the clarification window opens."""
    if not question.strip():
        raise RequestError("Write the question the requester must answer.")
    transition(actor, request, Action.ASK_CLARIFICATION)
    request.messages.append(
        RequestMessage(
            author_id=getattr(actor, "id", None),
            body=question.strip(),
            details={"kind": "clarification_question"},
        )
    )
    paused = _pause_response(actor, request, PauseReason.WAITING_ON_CLARIFICATION)
    window = _start_window(actor, request, ClockKind.CLARIFICATION)
    notify_requester(
        actor, request, "clarification", question=question.strip(), window=window, response_paused=paused
    )
    db.session.commit()


def answer_clarification(actor, request: RecordsRequest, answer: str) -> None:
    """The requester's answer: the window is met and the response clock runs again."""
    if not answer.strip():
        raise RequestError("Write your answer to the custodian's question.")
    transition(actor, request, Action.CLARIFIED)
    request.messages.append(
        RequestMessage(
            author_id=getattr(actor, "id", None),
            from_requester=True,
            body=answer.strip(),
            details={"kind": "clarification_answer"},
        )
    )
    window = _open_clock(request, ClockKind.CLARIFICATION)
    if window is not None:
        clocks.meet(actor, window)
    _resume_response(actor, request)
    tell_staff(request, "answered your question")
    db.session.commit()


def estimate_and_request_payment(actor, request: RecordsRequest, inputs: fees.FeeInputs) -> FeeEstimateRecord:
    """Give the estimate and ask for payment first: the response clock pauses, the payment window opens."""
    estimate = _priced(request, inputs)
    next_status(lock(request).status, Action.REQUEST_PAYMENT)  # refused in this state: before anything
    row = _estimate_row(actor, request, estimate, prepayment_required=True)
    _pause_response(actor, request, PauseReason.WAITING_ON_PAYMENT)
    window = _start_window(actor, request, ClockKind.FEE_PAYMENT, long=estimate.exceeds_large_fee_threshold)
    db.session.flush()
    record(
        actor,
        "request.fee_estimate",
        request,
        details={"total_cents": row.total_cents, "due_on": window.due_on.isoformat()},
    )
    transition(actor, request, Action.REQUEST_PAYMENT)  # after the estimate, so the history reads in order
    notify_requester(
        actor,
        request,
        "payment_requested",
        estimate=row,
        waiver_note=waiver_note(request),
        window=window,
        payment_instructions=fee_settings.payment_instructions(db.session.get(PublicBody, request.body_id)),
    )
    db.session.commit()
    return row


# When an estimate without prepayment may be given: while the records are being found (a delayed
# request included, when the volume is often first known), not while a question or payment is awaited.
ESTIMATE_WITHOUT_PREPAYMENT = frozenset({Status.RECEIVED, Status.ACKNOWLEDGED, Status.DELAYED})
# When fees estimated without prepayment are owed: until a denial or withdrawal ends the request
# with nothing released, and after a grant and closing too (they are paid when the records are ready).
FEES_OWED = frozenset(
    {
        Status.RECEIVED,
        Status.ACKNOWLEDGED,
        Status.AWAITING_CLARIFICATION,
        Status.DELAYED,
        Status.GRANTED,
        Status.PARTIALLY_GRANTED,
        Status.CLOSED,
    }
)


def give_estimate(actor, request: RecordsRequest, inputs: fees.FeeInputs) -> FeeEstimateRecord:
    """Give the estimate without asking for payment first (610.026: a body *may* require prepayment).

    The work goes on: the response clock keeps running and no payment window opens. The
    fees are paid when the records are ready; the custodian records the payment then.
    """
    lock(request)
    if request.status not in ESTIMATE_WITHOUT_PREPAYMENT:
        raise RequestError(
            f"This request is {request.status.staff_label.lower()}: an estimate is given while the records "
            "are being found, before a decision."
        )
    estimate = _priced(request, inputs)
    row = _estimate_row(actor, request, estimate, prepayment_required=False)
    db.session.flush()
    record(
        actor,
        "request.fee_estimate",
        request,
        details={"total_cents": row.total_cents, "prepayment_required": False},
    )
    notify_requester(
        actor,
        request,
        "fee_estimate",
        estimate=row,
        waiver_note=waiver_note(request),
        payment_instructions=fee_settings.payment_instructions(db.session.get(PublicBody, request.body_id)),
    )
    db.session.commit()
    return row


def _priced(request: RecordsRequest, inputs: fees.FeeInputs) -> fees.FeeEstimate:
    """The fees ``inputs`` come to under the body's schedule; refused when nothing or implausibly much."""
    estimate = fees.estimate_fees(fee_settings.schedule_for(request.body_id), inputs)
    if estimate.total_cents > fees.MAX_ESTIMATE_CENTS:
        raise RequestError(
            f"This estimate comes to ${estimate.total_cents / 100:,.2f}, more than the "
            f"${fees.MAX_ESTIMATE_CENTS / 100:,.0f} an estimate can hold: check the quantities."
        )
    if estimate.total_cents == 0:
        raise RequestError(
            "This estimate comes to nothing: there is nothing to pay, so release without asking."
        )
    return estimate


def _estimate_row(
    actor, request: RecordsRequest, estimate: fees.FeeEstimate, *, prepayment_required: bool
) -> FeeEstimateRecord:
    row = FeeEstimateRecord(
        request_id=request.id,
        lines=[
            {
                "description": li.description,
                "quantity": str(li.quantity),
                "unit_price_cents": li.unit_price_cents,
                "amount_cents": li.amount_cents,
                "legal_basis": li.legal_basis,
            }
            for li in estimate.lines
        ],
        subtotal_cents=estimate.subtotal_cents,
        total_cents=estimate.total_cents,
        prepayment_required=prepayment_required,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    return row


def decide_waiver(actor, request: RecordsRequest, *, percent: int, reason: str) -> FeeEstimateRecord:
    """Waive (100) or reduce (1-99 percent) the latest estimate: the release serves the public interest."""
    lock(request)  # not beside a payment being recorded: each sees what the other did
    row = _latest_estimate(request)
    if not reason.strip():
        raise RequestError("Give the reason for the waiver decision: it is sent to the requester.")
    if not 0 <= percent <= 100:
        raise RequestError("A waiver is between 0 and 100 percent.")
    if row.paid_at is not None:
        raise RequestError("These fees are already paid: decide a waiver before payment is recorded.")
    if not fees_owed(request, row):
        raise RequestError(f"This request is {request.status.label.lower()}: there are no fees to decide on.")
    row.reduction_cents = row.subtotal_cents * percent // 100
    row.total_cents = row.subtotal_cents - row.reduction_cents
    row.waiver_reason = reason.strip()
    record(
        actor,
        "request.fee_waiver_decided",
        request,
        details={"percent": percent, "total_cents": row.total_cents},
    )
    if row.total_cents == 0 and request.status is Status.AWAITING_PAYMENT:
        _payment_complete(actor, request, row, 0)
    elif row.total_cents == 0 and not row.prepayment_required:
        row.paid_cents, row.paid_at = 0, utcnow()  # nothing is owed: settled
    window = _open_clock(request, ClockKind.FEE_PAYMENT)
    notify_requester(
        actor,
        request,
        "fee_waiver",
        terms=waiver_terms(
            row,
            percent,
            window,
            fee_settings.payment_instructions(db.session.get(PublicBody, request.body_id)),
        ),
    )
    db.session.commit()
    return row


def record_payment(actor, request: RecordsRequest, amount_cents: int) -> None:
    """Payment received in full. For a prepayment, the window is met and the response clock runs
    again; for an estimate given without one, the fees are simply paid."""
    lock(request)  # the amount due is read after any waiver decided meanwhile
    row = _latest_estimate(request)
    if row.paid_at is not None:
        raise RequestError("These fees are already paid.")
    if amount_cents != row.total_cents:
        raise RequestError(f"The amount due is ${row.total_cents / 100:.2f}; record the full payment.")
    if row.prepayment_required:
        _payment_complete(actor, request, row, amount_cents)
    else:
        if request.status not in FEES_OWED:
            raise RequestError(
                f"This request is {request.status.staff_label.lower()}: no records go out, "
                "so no fees are owed."
            )
        row.paid_cents, row.paid_at = amount_cents, utcnow()
        details = {"amount_cents": amount_cents, "prepayment_required": False}
        record(actor, "request.paid", request, details=details)
    db.session.commit()


def fees_owed(request: RecordsRequest, row: FeeEstimateRecord) -> bool:
    """Whether the fees of estimate ``row`` are owed while ``request`` stands as it does: one asking
    for payment first, while the request waits for it; one without, while ``FEES_OWED``. A denial or
    withdrawal before payment ends them: no records are prepared."""
    if row.prepayment_required:
        return request.status is Status.AWAITING_PAYMENT
    return request.status in FEES_OWED


def payment_pending_without_prepayment(request: RecordsRequest) -> FeeEstimateRecord | None:
    """The request's current estimate (its latest: a later one replaces it) when it was given
    without asking for payment first, is not paid, and is owed now (see ``FEES_OWED``)."""
    row = (
        db.session.query(FeeEstimateRecord)
        .filter_by(request_id=request.id)
        .order_by(FeeEstimateRecord.id.desc())
        .first()
    )
    if row is None or row.prepayment_required or row.paid_at is not None or row.total_cents == 0:
        return None
    return row if request.status in FEES_OWED else None


def _payment_complete(actor, request: RecordsRequest, row: FeeEstimateRecord, amount_cents: int) -> None:
    transition(actor, request, Action.PAID, {"amount_cents": amount_cents})
    row.paid_cents, row.paid_at = amount_cents, utcnow()
    window = _open_clock(request, ClockKind.FEE_PAYMENT)
    if window is not None:
        clocks.meet(actor, window)
    _resume_response(actor, request)


def _latest_estimate(request: RecordsRequest) -> FeeEstimateRecord:
    row = (
        db.session.query(FeeEstimateRecord)
        .populate_existing()  # as it stands now, not as this session first read it
        .filter_by(request_id=request.id)
        .order_by(FeeEstimateRecord.id.desc())
        .first()
    )
    if row is None:
        raise RequestError("There is no fee estimate on this request yet.")
    return row


def delay(
    actor,
    request: RecordsRequest,
    *,
    explanation: str,
    available_on: date,
    available_at_time: time,
    place: str,
) -> DelayNotice:
    """Give the delay notice 610.023.3 requires; it answers the request, so the response clock is met.

    The notice says why, in detail, and the place and earliest date and time the records
    will be available.
    """
    unit = _unit(request)
    today = clocks.local_today(unit.body)
    if len(explanation.strip()) < MIN_DELAY_EXPLANATION:
        raise RequestError(
            "Explain the cause of the delay in detail (RSMo 610.023.3): "
            "what must be done, and why it takes time."
        )
    if available_on <= today:
        raise RequestError("The earliest date the records will be available must be after today.")
    if available_on > today + MAX_DELAY:
        raise RequestError(f"{available_on:%-d %B %Y} is more than five years away: check the year.")
    closed = clocks.calendar_for(unit.body.id).non_business_reason(available_on)
    if closed is not None:  # nobody would be there to give access
        raise RequestError(
            f"The office is closed on {available_on:%A %-d %B %Y}"
            + ("" if closed in ("Saturday", "Sunday") else f" ({closed})")
            + ": "
            "choose a day it is open for the records to be available."
        )
    if not place.strip():
        raise RequestError("Say where the records will be available (RSMo 610.023.3).")
    if available_at_time is None:
        raise RequestError("Give the earliest time the records will be available (RSMo 610.023.3).")
    transition(actor, request, Action.DELAY, {"available_on": available_on.isoformat()})
    notice = DelayNotice(
        request_id=request.id,
        explanation=explanation.strip(),
        available_on=available_on,
        available_at_time=available_at_time,
        available_at_place=place.strip(),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(notice)
    clock = response_clock(request)
    if clock is not None and clock.is_open:
        clocks.meet(actor, clock)
    clocks.start(
        actor,
        kind=ClockKind.DELAYED_ACCESS,
        case_type=CASE_TYPE,
        case_id=request.id,
        unit=unit,
        label=request.tracking_number,
        started_on=today,
        due_on=available_on,
    )
    notify_requester(actor, request, "delayed", notice=notice)
    db.session.commit()
    return notice


def assign(actor, request: RecordsRequest, assignee: User | None) -> None:
    if assignee is not None and not can(assignee, Permission.WORK_RECORDS_QUEUE, unit_id=request.unit_id):
        raise RequestError("Assign the request to a custodian of its unit.")
    request.assigned_to_id = assignee.id if assignee else None
    record(actor, "request.assigned", request, details={"assignee_id": request.assigned_to_id})
    db.session.commit()


def add_note(actor, request: RecordsRequest, text: str) -> None:
    """An internal note: seen by staff only, never by the requester."""
    if not text.strip():
        raise RequestError("Write the note.")
    request.messages.append(RequestMessage(author_id=actor.id, internal=True, body=text.strip()))
    record(actor, "request.note_added", request)
    db.session.commit()


def estimates(request: RecordsRequest) -> list[FeeEstimateRecord]:
    return list(
        db.session.scalars(
            select(FeeEstimateRecord)
            .where(FeeEstimateRecord.request_id == request.id)
            .order_by(FeeEstimateRecord.id)
        )
    )


def delay_notices(request: RecordsRequest) -> list[DelayNotice]:
    return list(
        db.session.scalars(
            select(DelayNotice).where(DelayNotice.request_id == request.id).order_by(DelayNotice.id)
        )
    )


def accept_estimate(actor, request: RecordsRequest) -> None:
    """The requester accepts the latest fee estimate (payment is recorded when it arrives)."""
    lock(request)  # a double click waits here for the first, then finds its acceptance
    row = _latest_estimate(request)
    if row.paid_at is not None:
        raise RequestError("These fees are already paid.")
    if request.status is not Status.AWAITING_PAYMENT:
        raise RequestError(f"This request is {request.status.label.lower()}: there is no estimate to accept.")
    db.session.refresh(request, ["messages"])
    if any(m.details.get("accepts_estimate") == row.id for m in request.messages):
        raise RequestError("You have already accepted this estimate; the custodian has it.")
    request.messages.append(
        RequestMessage(
            author_id=getattr(actor, "id", None),
            from_requester=True,
            body=f"I accept the estimate of ${row.total_cents / 100:.2f}.",
            details={"kind": "message", "accepts_estimate": row.id},
        )
    )
    record(actor, "request.fee_accepted", request, details={"total_cents": row.total_cents})
    tell_staff(request, "accepted the fee estimate")
    db.session.commit()
