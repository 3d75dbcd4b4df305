"""What each kind of clock is: its length, how days count, who is reminded, what a lapse does.

Defaults come from LAW.md section 2. Values LAW.md marks unverified or policy
are settings a body may override (``ClockPolicySetting`` rows), never constants
hidden in code.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from sunshine.authz import Role


class ClockKind(enum.StrEnum):
    SUNSHINE_RESPONSE = "sunshine_response"
    DELAYED_ACCESS = "delayed_access"
    DENIAL_STATEMENT = "denial_statement"
    FEE_PAYMENT = "fee_payment"
    CLARIFICATION = "clarification"
    AMENDMENT_ACKNOWLEDGE = "amendment_acknowledge"
    AMENDMENT_DECIDE = "amendment_decide"
    AMENDMENT_APPEAL = "amendment_appeal"


class DayCount(enum.StrEnum):
    BUSINESS = "business"
    CALENDAR = "calendar"
    FIXED_DATE = "fixed_date"  # the due date is promised by a person, e.g. a delay notice


class Outcome(enum.StrEnum):
    OPEN = "open"
    MET = "met"
    MISSED = "missed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"


class Urgency(enum.StrEnum):
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class PauseReason(enum.StrEnum):
    WAITING_ON_CLARIFICATION = "waiting_on_clarification"
    WAITING_ON_PAYMENT = "waiting_on_payment"
    WAITING_ON_IDENTITY_EVIDENCE = "waiting_on_identity_evidence"
    WAITING_ON_REQUESTER = "waiting_on_requester"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due_soon"  # one business day before due
    DUE_TODAY = "due_today"
    ESCALATED = "escalated"  # overdue: general counsel told


@dataclass(frozen=True)
class ClockPolicy:
    kind: ClockKind
    label: str
    day_count: DayCount
    length: int | None  # None for fixed-date clocks
    source: str
    # Who is reminded before due: holders of this role in the clock's unit.
    remind_role: Role | None = Role.CUSTODIAN
    # Requester windows (payment, clarification): when they lapse the case is withdrawn.
    lapse_withdraws_case: bool = False
    # A longer length that applies in a stated case (fees over the threshold).
    long_length: int | None = None
    verified: bool = True
    pausable: bool = True

    def length_for(self, long: bool = False) -> int | None:
        return self.long_length if long and self.long_length is not None else self.length


DEFAULT_POLICIES: dict[ClockKind, ClockPolicy] = {
    p.kind: p
    for p in (
        ClockPolicy(ClockKind.SUNSHINE_RESPONSE, "Sunshine response", DayCount.BUSINESS, 3, "RSMo 610.023.3"),
        ClockPolicy(ClockKind.DELAYED_ACCESS, "Delayed access", DayCount.FIXED_DATE, None, "RSMo 610.023.3"),
        ClockPolicy(
            ClockKind.DENIAL_STATEMENT,
            "Statement of grounds for denial",
            DayCount.BUSINESS,
            3,
            "RSMo 610.023.4",
        ),
        ClockPolicy(
            ClockKind.FEE_PAYMENT,
            "Fee payment window",
            DayCount.CALENDAR,
            90,
            "RSMo 610.026 (2025)",
            remind_role=None,
            lapse_withdraws_case=True,
            long_length=150,
            verified=False,
            pausable=False,
        ),
        ClockPolicy(
            ClockKind.CLARIFICATION,
            "Clarification window",
            DayCount.CALENDAR,
            90,
            "RSMo 610.023 (2025)",
            remind_role=None,
            lapse_withdraws_case=True,
            long_length=150,
            verified=False,
            pausable=False,
        ),
        ClockPolicy(
            ClockKind.AMENDMENT_ACKNOWLEDGE,
            "Acknowledge amendment request",
            DayCount.BUSINESS,
            10,
            "Policy (5 U.S.C. 552a(d)(2) model)",
            remind_role=Role.UNIT_REVIEWER,
            verified=False,
        ),
        ClockPolicy(
            ClockKind.AMENDMENT_DECIDE,
            "Decide amendment request",
            DayCount.BUSINESS,
            30,
            "Policy",
            remind_role=Role.UNIT_REVIEWER,
            verified=False,
        ),
        ClockPolicy(
            ClockKind.AMENDMENT_APPEAL,
            "Decide amendment appeal",
            DayCount.BUSINESS,
            30,
            "Policy (5 U.S.C. 552a(d)(3) model)",
            remind_role=Role.GENERAL_COUNSEL,
            verified=False,
        ),
    )
}


def with_overrides(policy: ClockPolicy, length: int | None, long_length: int | None) -> ClockPolicy:
    """The policy with a body's configured lengths in place of the defaults."""
    return replace(
        policy,
        length=policy.length if length is None else length,
        long_length=policy.long_length if long_length is None else long_length,
    )
