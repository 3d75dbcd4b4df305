"""Where a records request stands, and which actions move it where: one readable table."""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    AWAITING_CLARIFICATION = "awaiting_clarification"
    AWAITING_PAYMENT = "awaiting_payment"
    DELAYED = "delayed"
    GRANTED = "granted"
    PARTIALLY_GRANTED = "partially_granted"
    DENIED = "denied"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]

    @property
    def staff_label(self) -> str:
        """The status as staff pages name it: the requester's wording addresses the requester."""
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self not in (Status.CLOSED, Status.WITHDRAWN)


STATUS_LABELS = {
    Status.RECEIVED: "Received",
    Status.ACKNOWLEDGED: "Acknowledged",
    Status.AWAITING_CLARIFICATION: "Waiting for your clarification",
    Status.AWAITING_PAYMENT: "Waiting for payment",
    Status.DELAYED: "Delayed, with an earliest date",
    Status.GRANTED: "Granted",
    Status.PARTIALLY_GRANTED: "Partly granted",
    Status.DENIED: "Denied",
    Status.CLOSED: "Closed",
    Status.WITHDRAWN: "Withdrawn",
}


class Action(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    ASK_CLARIFICATION = "ask_clarification"
    CLARIFIED = "clarified"
    REQUEST_PAYMENT = "request_payment"
    PAID = "paid"
    DELAY = "delay"
    GRANT = "grant"
    PARTIAL_GRANT = "partial_grant"
    DENY = "deny"
    CLOSE = "close"
    WITHDRAW = "withdraw"


_ANSWERABLE = {
    Status.RECEIVED,
    Status.ACKNOWLEDGED,
    Status.AWAITING_CLARIFICATION,
    Status.AWAITING_PAYMENT,
    Status.DELAYED,
}
_IN_HAND = {Status.RECEIVED, Status.ACKNOWLEDGED}
# A grant promises the records; while a fee estimate that asked for payment first is unpaid, the
# body has chosen not to prepare them (610.026), so only a denial or a withdrawal ends the wait.
_GRANTABLE = _ANSWERABLE - {Status.AWAITING_PAYMENT}
_DECIDED = {Status.GRANTED, Status.PARTIALLY_GRANTED, Status.DENIED}

# action -> (statuses it may be taken from, status it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.ACKNOWLEDGE: (frozenset({Status.RECEIVED}), Status.ACKNOWLEDGED),
    Action.ASK_CLARIFICATION: (frozenset(_IN_HAND), Status.AWAITING_CLARIFICATION),
    Action.CLARIFIED: (frozenset({Status.AWAITING_CLARIFICATION}), Status.ACKNOWLEDGED),
    Action.REQUEST_PAYMENT: (frozenset(_IN_HAND), Status.AWAITING_PAYMENT),
    Action.PAID: (frozenset({Status.AWAITING_PAYMENT}), Status.ACKNOWLEDGED),
    Action.DELAY: (frozenset(_IN_HAND), Status.DELAYED),
    Action.GRANT: (frozenset(_GRANTABLE), Status.GRANTED),
    Action.PARTIAL_GRANT: (frozenset(_GRANTABLE), Status.PARTIALLY_GRANTED),
    Action.DENY: (frozenset(_ANSWERABLE), Status.DENIED),
    Action.CLOSE: (frozenset(_DECIDED), Status.CLOSED),
    Action.WITHDRAW: (frozenset(_ANSWERABLE | _DECIDED), Status.WITHDRAWN),
}


# Each action as a past participle, for refusals: "... so it cannot be granted in part".
DONE_WORDS = {
    Action.ACKNOWLEDGE: "acknowledged",
    Action.ASK_CLARIFICATION: "sent a question",
    Action.CLARIFIED: "clarified",
    Action.REQUEST_PAYMENT: "sent a fee estimate",
    Action.PAID: "marked paid",
    Action.DELAY: "given a delay notice",
    Action.GRANT: "granted",
    Action.PARTIAL_GRANT: "granted in part",
    Action.DENY: "denied",
    Action.CLOSE: "closed",
    Action.WITHDRAW: "withdrawn",
}


# Refusals the custodian can act on, said instead of "reload the page": what to do first.
_PAY_FIRST = (
    "The fee estimate asked for payment before the records are prepared, and it is unpaid: record the "
    "payment, or waive the fees, before granting the request in full or in part. It can still be denied "
    "or withdrawn."
)
WHY_NOT: dict[tuple[Status, Action], str] = {
    (Status.AWAITING_PAYMENT, Action.GRANT): _PAY_FIRST,
    (Status.AWAITING_PAYMENT, Action.PARTIAL_GRANT): _PAY_FIRST,
}


class TransitionError(ValueError):
    """The action is not available in the request's current state."""


def next_status(current: Status, action: Action) -> Status:
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise TransitionError(
            WHY_NOT.get((current, action))
            or f"This request is now {current.staff_label.lower()}, so it cannot be {DONE_WORDS[action]}: "
            "reload the page to see where it stands."
        )
    return target


def available_actions(current: Status) -> list[Action]:
    return [action for action, (allowed, _) in TRANSITIONS.items() if current in allowed]
