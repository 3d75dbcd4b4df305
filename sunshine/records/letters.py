"""Which letter each records-request event produces, and the values that fill it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from sunshine.clocks import services as clocks
from sunshine.extensions import db
from sunshine.letters.services import generate
from sunshine.links import external_url
from sunshine.records.citation_settings import current_table
from sunshine.records.fee_settings import payment_instructions
from sunshine.records.models import DelayNotice, Delivery, FeeEstimateRecord, PreferredFormat, RecordsRequest
from sunshine.units.models import PublicBody

EVENT_LETTERS = {
    "received": "acknowledgement",
    "clarification": "clarification",
    "payment_requested": "payment_request",
    "fee_estimate": "fee_estimate",
    "delayed": "delay",
    "granted": "grant",
    "denied": "denial",
    "partially_granted": "partial_grant",
    "withdrawn": "withdrawal",
    "fee_waiver": "fee_waiver",
    "statement_of_grounds": "statement_of_grounds",
    "released": "release_cover",
}


def _long(day) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _money(cents: int) -> str:
    return f"${cents / 100:,.2f}"


def _citation_rows(request: RecordsRequest) -> list[dict[str, str]]:
    """The request's citations with their names as the table has them now (retired ones too)."""
    table = current_table()
    return [
        {"code": c.code, "short_name": table.short_name(c.code), "finding": c.finding or "Not required"}
        for c in request.citations
    ]


# What a question to the requester does to the response time: it pauses, unless the response is
# already late (a late duty is not paused, so the letter must not say it is).
RESPONSE_TIME = {
    True: "Until you answer, the time we have to respond is paused.",
    False: "We will complete our response as soon as we have your answer.",
}


def values_for(request: RecordsRequest, event: str, context: dict[str, Any]) -> dict[str, object]:
    body = db.session.get(PublicBody, request.body_id)
    values: dict[str, object] = {
        "body_name": body.name,
        "tracking_number": request.tracking_number,
        "letter_date": _long(clocks.local_today(body)),
        "requester_name": request.contact_name or "Requester",
        "mailing_address": "\n".join(filter(None, (request.contact_name, request.contact_address)))
        if request.contact_address
        else "",
        # Never the private link: a letter may be forwarded.
        "status_link": external_url("records.status", tracking_number=request.tracking_number),
        "custodian_contact": body.custodian_contact or "",
    }
    if event == "received":
        clock = context["clock"]
        values |= {
            "received_on": _long(request.custodian_received_on),
            "response_due": _long(clock.due_on),
            "due_explanation": clock.explanation,
        }
    elif event == "clarification":
        values |= {
            "question": context["question"],
            "window_due": _long(context["window"].due_on),
            "response_time": RESPONSE_TIME[context["response_paused"]],
        }
    elif event in ("payment_requested", "fee_estimate"):
        estimate = context["estimate"]
        values |= {
            "payment_instructions": payment_instructions(body),
            "fee_total": _money(estimate.total_cents),
            "waiver_note": context["waiver_note"],
            "fees": [
                {
                    "description": li["description"],
                    "amount": _money(li["amount_cents"]),
                    "legal_basis": li["legal_basis"],
                }
                for li in estimate.lines
            ],
        }
        if event == "payment_requested":
            values["window_due"] = _long(context["window"].due_on)
    elif event == "delayed":
        notice = context["notice"]
        values |= {
            "delay_explanation": notice.explanation,
            "available_on": _long(notice.available_on),
            "available_time": clock_time(notice.available_at_time),
            "available_place": notice.available_at_place,
        }
    elif event == "fee_waiver":
        values |= context["terms"]
    elif event == "statement_of_grounds":
        values |= {"grounds": context["grounds"], "citations": _citation_rows(request)}
    elif event in ("denied", "partially_granted"):
        withheld = next(
            (m.body for m in request.messages if m.details.get("kind") == "withheld_description"), ""
        )
        values |= {
            "withheld_description": withheld,
            "citations": _citation_rows(request),
        }
    elif event == "released":
        release = context["release"]
        values |= {
            "page_count": f"{release.page_count:,}",
            "first_bates": release.first_bates,
            "last_bates": release.last_bates,
            "release_arrangements": release_arrangements(request),
        }
    elif event == "withdrawn":
        values["withdrawal_reason"] = context["reason"]
    if event in ("granted", "partially_granted"):
        values["access_arrangements"] = context["access"]
    return values


# How the copies asked for reach the requester once they are ready, by the delivery they chose.
COPIES_REACH_YOU = {
    Delivery.PORTAL: "You asked for {copies} to download from your status page: they will be there once "
    "they are ready",
    Delivery.EMAIL: "You asked for {copies} by email: we will email you once they are ready",
    Delivery.MAIL: "You asked for {copies} by post: we will post them to the address you gave once they are "
    "ready",
    Delivery.PICKUP: "You asked to collect {copies} at the counter: we will tell you once they are ready to "
    "collect",
}
COPIES = {PreferredFormat.ELECTRONIC: "electronic copies", PreferredFormat.PAPER: "paper copies"}


def release_arrangements(request: RecordsRequest) -> str:
    """How the requester gets a packet just built, as they asked: the release cover letter says it."""
    if request.preferred_format is PreferredFormat.INSPECT:
        return "You asked to inspect the records in person: the custodian will tell you where and when."
    link = external_url("records.status", tracking_number=request.tracking_number)
    return {
        Delivery.PORTAL: f"Download them from your status page, {link}.",
        Delivery.EMAIL: f"We have emailed you that they are ready: download them from your status page, "
        f"{link}.",
        Delivery.MAIL: "They are enclosed with this letter, posted to the address you gave.",
        Delivery.PICKUP: "They are ready to collect at the counter.",
    }[request.delivery]


def access_arrangements(request: RecordsRequest) -> str:
    """How and when the records of a granted request will be made available, as the requester asked.

    Said at the grant, before anything is released (a release is a later event of its own, and
    records to inspect in person are never released through the portal). The "when" is the
    delay notice's earliest date, place and time if one was given, else as soon as they are ready.
    """
    notice = db.session.scalars(
        select(DelayNotice).where(DelayNotice.request_id == request.id).order_by(DelayNotice.id.desc())
    ).first()
    body = db.session.get(PublicBody, request.body_id)
    if notice is not None and notice.available_on < clocks.local_today(body):
        notice = None  # its earliest date has passed: "from then at the earliest" would say nothing
    if request.preferred_format is PreferredFormat.INSPECT:
        if notice is not None:
            return (
                f"You asked to inspect the records in person: they will be available to inspect at "
                f"{notice.available_at_place} from {clock_time(notice.available_at_time)} on "
                f"{_long(notice.available_on)} at the earliest, as our notice of delay said."
            )
        return (
            "You asked to inspect the records in person: we will tell you where and when you can inspect "
            "them once they are ready."
        )
    text = COPIES_REACH_YOU[request.delivery].format(copies=COPIES[request.preferred_format])
    if request.delivery is Delivery.PORTAL and request.contact_email:
        text += ", and we will email you when they are"
    if notice is not None:
        where = f" at {notice.available_at_place}" if request.delivery is Delivery.PICKUP else ""
        text += (
            f". They will be ready{where} from {clock_time(notice.available_at_time)} on "
            f"{_long(notice.available_on)} at the earliest, as our notice of delay said"
        )
    return text + "."


def clock_time(moment) -> str:
    """A time of day as letters, emails and pages write it, like 9:00 AM."""
    return f"{moment:%I:%M %p}".lstrip("0")


WAIVER_ASKED = (
    "You asked for the fees to be waived or reduced because releasing the records is in the public "
    "interest. We will decide and write to you with the decision and its reason (RSMo 610.026)."
)
WAIVER_OFFERED = (
    "You may ask for the fees to be waived or reduced if releasing the records is in the public interest "
    "(RSMo 610.026)."
)


def waiver_note(request: RecordsRequest) -> str:
    """What an estimate says of a fee waiver: that one may be asked for, or that the one asked for is
    still to be decided (until a decision on any of the request's estimates has been sent)."""
    decided = db.session.scalar(
        select(FeeEstimateRecord.id)
        .where(FeeEstimateRecord.request_id == request.id, FeeEstimateRecord.waiver_reason.is_not(None))
        .limit(1)
    )
    return WAIVER_OFFERED if decided is not None or not request.fee_waiver_requested else WAIVER_ASKED


def waiver_terms(estimate, percent: int, window, how_to_pay: str = "") -> dict[str, str]:
    """What a fee-waiver decision tells the requester: the letter's values, and the email's."""
    if percent == 100:
        decision = "the fees are waived in full"
    elif percent == 0:
        decision = "the fees are not waived"
    else:
        decision = f"the fees are reduced by {percent} percent"
    if estimate.total_cents == 0:
        payment = "Nothing is owed for this request, and work on it continues."
    elif window is not None:
        payment = (
            f"Payment is needed by {_long(window.due_on)}. If we do not receive it by then, your request "
            "will be treated as withdrawn (RSMo 610.023, 610.026)."
        ) + (f" How to pay: {how_to_pay}" if how_to_pay else "")
    elif not estimate.prepayment_required and estimate.paid_at is None:
        payment = "Payment is due when the records are ready." + (
            f" How to pay: {how_to_pay}" if how_to_pay else ""
        )
    else:
        payment = ""
    return {
        "waiver_decision": decision,
        "waiver_reason": estimate.waiver_reason,
        "fee_total": _money(estimate.total_cents),
        "payment_note": payment,
    }


def write_letter(actor, request: RecordsRequest, event: str, context: dict[str, Any]) -> None:
    kind = EVENT_LETTERS.get(event)
    if kind is not None:
        generate(
            actor,
            body_id=request.body_id,
            kind=kind,
            case_type="records_request",
            case_id=request.id,
            values=values_for(request, event, context),
        )
