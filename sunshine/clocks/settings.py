"""A body's own clock lengths, where LAW.md makes a value a setting (unverified or policy).

A change applies to clocks started afterwards; running clocks keep the length they
started with, as the law that applied when the request arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from sunshine.audit.services import record
from sunshine.clocks.models import ClockPolicySetting
from sunshine.clocks.policies import DEFAULT_POLICIES, ClockKind, ClockPolicy, DayCount
from sunshine.clocks.services import ClockError, policy_for
from sunshine.extensions import db
from sunshine.units.models import PublicBody

MAX_DAYS = 365


@dataclass(frozen=True)
class PolicyRow:
    default: ClockPolicy
    effective: ClockPolicy


def policy_rows(body_id: int) -> list[PolicyRow]:
    """Every kind with a length, with the default and what this body uses."""
    return [
        PolicyRow(policy, policy_for(body_id, kind))
        for kind, policy in DEFAULT_POLICIES.items()
        if policy.day_count is not DayCount.FIXED_DATE
    ]


def set_lengths(actor, body: PublicBody, kind: ClockKind, length: int, long_length: int | None) -> None:
    """Set a body's length (and long length, where the policy has one) for ``kind``."""
    default = DEFAULT_POLICIES[kind]
    if default.day_count is DayCount.FIXED_DATE:
        raise ClockError("This deadline is a date promised to the requester; it has no length to set.")
    if default.verified:
        raise ClockError(f"{default.label} is fixed by statute ({default.source}); it is not a setting.")
    for value in (length, long_length):
        if value is not None and not 1 <= value <= MAX_DAYS:
            raise ClockError(f"Use a number of days from 1 to {MAX_DAYS}.")
    if default.long_length is None:
        long_length = None
    elif long_length is None or long_length < length:
        raise ClockError("The longer window must be at least as long as the ordinary one.")
    setting = db.session.scalar(
        select(ClockPolicySetting).where(
            ClockPolicySetting.body_id == body.id, ClockPolicySetting.kind == kind
        )
    ) or ClockPolicySetting(body_id=body.id, kind=kind)
    setting.length, setting.long_length = length, long_length
    db.session.add(setting)
    record(
        actor,
        "clock.policy_set",
        body,
        details={"kind": kind.value, "length": length, "long_length": long_length},
    )
    db.session.commit()
