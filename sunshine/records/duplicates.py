"""Possible duplicates of a request: a suggestion for the custodian, never a block.

Compares the request's description with other open requests of the same unit from
the last 90 days (descriptions are encrypted, so the comparison happens here, on a
bounded set), and flags the same contact address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from difflib import SequenceMatcher

from sqlalchemy import select

from sunshine.extensions import db
from sunshine.records.models import RecordsRequest
from sunshine.records.states import Status

LOOKBACK = timedelta(days=90)
CANDIDATES = 300
SIMILAR = 0.6


@dataclass(frozen=True)
class PossibleDuplicate:
    request: RecordsRequest
    reason: str


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def possible_duplicates(request: RecordsRequest) -> list[PossibleDuplicate]:
    since = request.custodian_received_on - LOOKBACK
    others = db.session.scalars(
        select(RecordsRequest)
        .where(
            RecordsRequest.unit_id == request.unit_id,
            RecordsRequest.id != request.id,
            RecordsRequest.custodian_received_on >= since,
            RecordsRequest.status.not_in([Status.CLOSED, Status.WITHDRAWN]),
        )
        .order_by(RecordsRequest.id.desc())
        .limit(CANDIDATES)
    )
    mine = _normal(request.description)
    email = (request.contact_email or "").casefold()
    found = []
    for other in others:
        if email and (other.contact_email or "").casefold() == email:
            found.append(PossibleDuplicate(other, "same requester email"))
            continue
        ratio = SequenceMatcher(None, mine, _normal(other.description)).ratio()
        if ratio >= SIMILAR:
            found.append(PossibleDuplicate(other, f"description {round(ratio * 100)}% alike"))
    return found[:10]
