"""Possible duplicates of a request: a suggestion for the custodian, never a block.

Compares the request's description with other open requests of the same unit from
the last 90 days (descriptions are encrypted, so the comparison happens here, on a
bounded set). A request from the same email address is a possible duplicate only when
its description is somewhat alike too: a frequent requester's other requests are listed
apart (``same_requester``), as context, not as duplicates.
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
SIMILAR_FROM_SAME_REQUESTER = 0.4  # the same person asking again tends to word it differently


@dataclass(frozen=True)
class PossibleDuplicate:
    request: RecordsRequest
    reason: str


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True)
class Related:
    duplicates: list[PossibleDuplicate]
    same_requester: list[RecordsRequest]  # other open requests from the same email, not alike


def related(request: RecordsRequest) -> Related:
    """Possible duplicates of ``request`` (at most 10), and the same requester's other open requests."""
    mine = _normal(request.description)
    email = (request.contact_email or "").casefold()
    duplicates, same_requester = [], []
    for other in _recent(request):
        same = bool(email) and (other.contact_email or "").casefold() == email
        ratio = SequenceMatcher(None, mine, _normal(other.description)).ratio()
        if ratio >= SIMILAR or (same and ratio >= SIMILAR_FROM_SAME_REQUESTER):
            reason = f"description {round(ratio * 100)}% alike" + (", same requester email" if same else "")
            duplicates.append(PossibleDuplicate(other, reason))
        elif same:
            same_requester.append(other)
    return Related(duplicates[:10], same_requester[:10])


def _recent(request: RecordsRequest):
    """The unit's other open requests received in the LOOKBACK before it, newest first (bounded)."""
    since = request.custodian_received_on - LOOKBACK
    return db.session.scalars(
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
