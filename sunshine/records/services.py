"""Records-request rules: the custodian's actions, and what they tell the requester.

Every function takes the acting user (None for the public), records audit events
and, where the law requires it, starts or stops clocks. Views, the API and jobs
all come through here.
"""

from __future__ import annotations

import secrets

from flask import render_template
from sqlalchemy import select

from sunshine.accounts.models import User
from sunshine.audit.services import record
from sunshine.authz import Permission, Role, can
from sunshine.clocks import services as clocks
from sunshine.clocks.policies import ClockKind
from sunshine.extensions import db
from sunshine.links import external_url
from sunshine.notifications.services import queue_email
from sunshine.records.access import hash_token, status_link
from sunshine.records.citation_settings import current_table
from sunshine.records.citation_settings import hold as hold_citations
from sunshine.records.citations import validate_denial
from sunshine.records.models import (
    DenialCitation,
    RecordsRequest,
    RequestMessage,
)
from sunshine.records.states import TRANSITIONS, WHY_NOT, Action, Status, available_actions, next_status
from sunshine.timeutil import utcnow

CASE_TYPE = "records_request"
MAX_FINDING = 4000  # DenialCitation.finding


class RequestError(ValueError):
    """A rule was broken; the message can be shown to the person as it is.

    ``field`` names the intake field the rule is about, when there is one, so a form can
    show the message beside it.
    """

    def __init__(
        self, message: str, field: str | None = None, problems: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(message)
        self.field = field
        # Every rule broken at once, as (field, message), when there were several to tell.
        self.problems = problems or ([(field, message)] if field else [])


def replace_access_token(actor, request: RecordsRequest) -> str:
    """A new secret status link for ``request``: the old link, and every key emailed so far, stop working.

    For a link shared by mistake, or one the requester fears someone else has. The requester
    replaces it from the status page, or staff do it for them. Browsers that opened the page
    with the old link lose it too (they remember the token hash they opened it with). When
    the requester gave an email address, the new link is emailed: in the receipt if that has
    not gone yet, otherwise in an email of its own. Returns the new token, to be shown once.
    """
    lock(request)  # not beside the receipt job, which reads the pending token
    token = secrets.token_urlsafe(24)
    request.access_token_hash = hash_token(token)
    record(
        actor, "request.link_replaced", request, details={"by_staff": bool(getattr(actor, "is_staff", False))}
    )
    if request.pending_access_token is not None:
        request.pending_access_token = token  # the receipt is still to go: it carries the new link
    elif request.contact_email:
        queue_email(
            request.contact_email,
            f"Records request {request.tracking_number}: your new status link",
            render_template(
                "email/link_replaced.txt",
                request=request,
                link=status_link(request),
                by_staff=bool(getattr(actor, "is_staff", False)),
            ),
            kind="request.link_replaced",
        )
    db.session.commit()
    return token


def record_staff_view(actor, request: RecordsRequest) -> None:
    """Every staff view of a request (it holds the requester's personal data) is on the record."""
    record(actor, "request.viewed", request)
    db.session.commit()


def response_clock(request: RecordsRequest):
    return latest_clock(request, ClockKind.SUNSHINE_RESPONSE)


def latest_clock(request: RecordsRequest, kind: ClockKind):
    """The newest clock of ``kind`` on ``request``, open or closed, or None."""
    return db.session.scalar(
        select(clocks.Clock)
        .where(
            clocks.Clock.case_type == CASE_TYPE,
            clocks.Clock.case_id == request.id,
            clocks.Clock.kind == kind,
        )
        .order_by(clocks.Clock.id.desc())
        .limit(1)
    )


def lock(request: RecordsRequest) -> RecordsRequest:
    """Take ``request``'s row lock for this transaction and read the row afresh.

    Every change of a request's state starts here (``transition`` calls it first), so two
    changes at once (a custodian's action and the sweep's lapse, or two custodians) run one
    after the other, the second seeing what the first did instead of acting on what it read
    before. (SQLite has one writer at a time, and ignores the FOR UPDATE.)
    """
    locked = select(RecordsRequest).where(RecordsRequest.id == request.id).with_for_update()
    return db.session.execute(locked.execution_options(populate_existing=True)).scalar_one()  # read afresh


def transition(actor, request: RecordsRequest, action: Action, details: dict | None = None) -> None:
    lock(request)
    request.status = next_status(request.status, action)
    record(
        actor, f"request.{action.value}", request, details={"status": request.status.value, **(details or {})}
    )


def acknowledge(actor, request: RecordsRequest) -> None:
    transition(actor, request, Action.ACKNOWLEDGE)
    db.session.commit()


def _settle_clocks(actor, request: RecordsRequest, *, access_given: bool) -> None:
    """A decision answers the request; the clocks waiting on one close with it.

    The response clock is met (or missed, if late). A delayed-access clock is met when
    access is given and cancelled on a denial. A window waiting on the requester
    (clarification, payment) is cancelled, since nothing more is asked of them: left open,
    its lapse would withdraw a request already decided.
    """
    for clock in clocks.open_clocks_for_case(CASE_TYPE, request.id):
        if clock.kind is ClockKind.SUNSHINE_RESPONSE or (
            clock.kind is ClockKind.DELAYED_ACCESS and access_given
        ):
            clocks.meet(actor, clock)
        elif clock.kind in (ClockKind.DELAYED_ACCESS, *WAITING_STATUS):
            clocks.cancel(actor, clock)


def grant(actor, request: RecordsRequest) -> None:
    """Grant in full: the response clock is met (or missed, if late).

    Refused while a fee estimate that asked for payment first is unpaid (see ``states.WHY_NOT``).
    The letter says how and when the records will be made available; releasing them is a
    later step of its own.
    """
    from sunshine.records.letters import access_arrangements

    transition(actor, request, Action.GRANT)
    _settle_clocks(actor, request, access_given=True)
    notify_requester(actor, request, "granted", access=access_arrangements(request))
    db.session.commit()


def decide_with_citations(
    actor,
    request: RecordsRequest,
    *,
    partial: bool,
    citations: list[str],
    findings: dict[str, str],
    withheld_description: str,
) -> None:
    """Deny, or grant in part, citing the provisions of law relied on (610.023.4, 610.024).

    A partial grant must describe in general terms what was withheld; citations
    needing a written finding (610.021(18)(d), (19)) must have one. A partial grant, like a
    grant, is refused while a fee estimate that asked for payment first is unpaid.
    """
    from sunshine.records.letters import access_arrangements

    action = Action.PARTIAL_GRANT if partial else Action.DENY
    next_status(lock(request).status, action)  # refused in this state: say so before the citations
    hold_citations(citations)  # checked and cited as they stand: no administrator changes them meanwhile
    problems = validate_denial(citations, findings, table=current_table())
    problems += [
        f"The finding for {code} is {len(text.strip()):,} characters; keep each to {MAX_FINDING:,}."
        for code, text in findings.items()
        if len(text.strip()) > MAX_FINDING
    ]
    if not withheld_description.strip():
        problems.append("Describe in general terms what is withheld (RSMo 610.024).")
    if problems:
        raise RequestError(" ".join(problems))
    transition(actor, request, action, {"citations": citations})
    for code in citations:
        request.citations.append(
            DenialCitation(code=code, finding=(findings.get(code) or "").strip() or None)
        )
    request.messages.append(
        RequestMessage(
            author_id=getattr(actor, "id", None),
            body=withheld_description.strip(),
            details={"kind": "withheld_description"},
        )
    )
    _settle_clocks(actor, request, access_given=partial)
    if partial:
        notify_requester(actor, request, "partially_granted", access=access_arrangements(request))
    else:
        notify_requester(actor, request, "denied")
    db.session.commit()


def close(actor, request: RecordsRequest) -> None:
    transition(actor, request, Action.CLOSE)
    request.closed_at = utcnow()
    db.session.commit()


def withdraw(actor, request: RecordsRequest, reason: str) -> None:
    """Withdraw the request at the requester's wish or by staff; the requester is told.

    Refused once records have been released to the requester, or while a packet of them is
    being built (see ``withdrawal_refusal``): a grant is withdrawn only while nothing has gone out.
    """
    refusal = withdrawal_refusal(lock(request))
    if refusal is not None:
        raise RequestError(refusal)
    _withdraw(actor, request, reason)
    db.session.commit()


def released_day(request: RecordsRequest, row) -> str:
    """The day a release (``documents.models.Release``) went out, at the request's body: "9 March 2026"."""
    from sunshine.units.models import PublicBody

    day = clocks.local_today(db.session.get(PublicBody, request.body_id), row.released_at)
    return f"{day.day} {day:%B %Y}"


def withdrawal_refusal(request: RecordsRequest) -> str | None:
    """Why ``request``, in a state it could otherwise be withdrawn from, cannot be; None when it can.

    Records released to the requester cannot be taken back, so a request that has had them
    is answered, not withdrawn: it is closed when the work is done.
    """
    from sunshine.documents.models import ReleaseStatus
    from sunshine.records.release import releases

    if request.status not in TRANSITIONS[Action.WITHDRAW][0]:
        return None
    rows = releases(request)
    released = [r for r in rows if r.status is ReleaseStatus.READY]
    if released:
        return (
            f"Records were released to the requester on {released_day(request, released[0])}, so the "
            "request cannot be withdrawn. Close it when the work on it is done."
        )
    if any(r.status is ReleaseStatus.BUILDING for r in rows):
        return (
            "A packet of the records is being built for the requester, so the request cannot be withdrawn "
            "now: once records are released it cannot be withdrawn at all."
        )
    return None


def refused_actions(request: RecordsRequest) -> dict[Action, str]:
    """The actions the rules refuse on ``request`` now that a custodian may look for, each with why.

    The case page says these in place of the buttons; the services refuse with the same words.
    """
    refused = {action: why for (status, action), why in WHY_NOT.items() if status is request.status}
    if (why := withdrawal_refusal(request)) is not None:
        refused[Action.WITHDRAW] = why
    return refused


def offered_actions(request: RecordsRequest) -> list[Action]:
    """The actions the case page offers: those the request's state allows and no other rule refuses."""
    refused = refused_actions(request)
    return [action for action in available_actions(request.status) if action not in refused]


def _withdraw(actor, request: RecordsRequest, reason: str) -> None:
    transition(actor, request, Action.WITHDRAW, {"reason": reason})
    for clock in clocks.open_clocks_for_case(CASE_TYPE, request.id):
        clocks.withdraw(actor, clock)
    request.closed_at = utcnow()
    notify_requester(actor, request, "withdrawn", reason=reason)


def on_lapse(clock) -> None:
    """A payment or clarification window ran out: the request is withdrawn (in the sweep's transaction).

    Only while the request still waits on that answer: a request decided or answered
    meanwhile is left as it is.
    """
    request = db.session.get(RecordsRequest, clock.case_id)
    if request is None or lock(request).status is not WAITING_STATUS.get(clock.kind):
        return
    _withdraw(None, request, LAPSE_REASONS[clock.kind])


# The windows that wait on the requester, and the status a request has while one runs.
WAITING_STATUS = {
    ClockKind.FEE_PAYMENT: Status.AWAITING_PAYMENT,
    ClockKind.CLARIFICATION: Status.AWAITING_CLARIFICATION,
}
LAPSE_REASONS = {
    ClockKind.FEE_PAYMENT: "the fees were not paid within the time allowed",
    ClockKind.CLARIFICATION: "the clarification asked for was not received within the time allowed",
}


def notify_requester(actor, request: RecordsRequest, event: str, **context) -> None:
    """Write the letter for ``event`` onto the case, and email the requester if they gave an address."""
    from sunshine.records.letters import write_letter

    write_letter(actor, request, event, context)
    if not request.contact_email:
        return
    link = status_link(request)
    text = render_template(f"email/request_{event}.txt", request=request, link=link, **context)
    subject = EMAIL_SUBJECTS.get(event) or request.status.label.lower()
    queue_email(
        request.contact_email,
        f"Records request {request.tracking_number}: {subject}",
        text,
        kind=f"request.{event}",
    )


# Subjects of the emails whose news is not the request's status (which names the others).
EMAIL_SUBJECTS = {
    "clarification": "a question about your request",
    "payment_requested": "fee estimate and payment",
    "fee_estimate": "fee estimate",
    "fee_waiver": "decision on your fee waiver",
    "delayed": "when the records will be available",
    "statement_of_grounds": "the statement of grounds you asked for",
    "released": "records released",
}


def tell_staff(request: RecordsRequest, what: str) -> None:
    """Email the request's assignee (else its unit's custodians) that the requester did ``what``.

    The assignee only while they still work the unit's queue. The email names the request
    and links to its case page; it never carries the requester's words or details, so
    reading them stays a view on the record.
    """
    assignee = db.session.get(User, request.assigned_to_id) if request.assigned_to_id else None
    works_here = assignee is not None and assignee.active
    works_here = works_here and can(assignee, Permission.WORK_RECORDS_QUEUE, unit_id=request.unit_id)
    people = [assignee] if works_here else custodians_of(request)
    link = external_url("records.case", request_id=request.id)
    for person in people:
        queue_email(
            person.email,
            f"Records request {request.tracking_number}: the requester {what}",
            f"The requester of {request.tracking_number} {what}.\n\nSee the case:\n{link}\n",
            kind="request.staff_told",
        )


def custodians_of(request: RecordsRequest) -> list[User]:
    """The active custodians of the request's unit."""
    from sunshine.accounts.services import holders_of

    return holders_of(Role.CUSTODIAN, [request.unit_id])


def post_message(actor, request: RecordsRequest, text: str, *, from_requester: bool) -> RequestMessage:
    """A message between requester and custodian, shown to both; the other side is told by email."""
    if not text.strip():
        raise RequestError("Write the message.")
    message = RequestMessage(
        author_id=getattr(actor, "id", None),
        from_requester=from_requester,
        body=text.strip(),
        details={"kind": "message"},
    )
    request.messages.append(message)
    record(actor, "request.message", request, details={"from_requester": from_requester})
    if from_requester:
        tell_staff(request, "wrote a message")
    elif request.contact_email:
        link = status_link(request)
        queue_email(
            request.contact_email,
            f"Records request {request.tracking_number}: a message from the custodian",
            f"{text.strip()}\n\nReply on your status page:\n{link}\n",
            kind="request.message",
        )
    db.session.commit()
    return message


def requests_of(user) -> list[RecordsRequest]:
    return list(
        db.session.scalars(
            select(RecordsRequest)
            .where(RecordsRequest.requester_id == user.id)
            .order_by(RecordsRequest.id.desc())
        )
    )
