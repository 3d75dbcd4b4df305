"""Releasing responsive records: the gate, the packet (built by a job), and the disclosure log."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from sunshine.audit.services import record
from sunshine.clocks import services as clocks
from sunshine.documents import services as documents
from sunshine.documents.models import (
    Disclosure,
    Document,
    DocumentRole,
    DocumentStatus,
    Release,
    ReleaseStatus,
)
from sunshine.documents.packets import (
    PacketCover,
    PacketError,
    PacketOptions,
    PacketSource,
    WithheldItem,
    build_packet,
)
from sunshine.documents.storage import save_in_transaction, storage
from sunshine.extensions import db
from sunshine.jobs.queue import enqueue_after_commit
from sunshine.records.models import RecordsRequest
from sunshine.records.services import CASE_TYPE, RequestError, lock, notify_requester, released_day
from sunshine.records.states import Status
from sunshine.timeutil import utcnow
from sunshine.units.models import PublicBody, Unit


def _records(request: RecordsRequest) -> list[Document]:
    return [
        d
        for d in documents.active_documents(CASE_TYPE, request.id)
        if d.role is DocumentRole.RESPONSIVE and d.status is not DocumentStatus.REFUSED
    ]


def release(actor, request: RecordsRequest) -> Release:
    """Check the gate and start building the packet of every active responsive record.

    Refused while the request is not granted (in whole or part), while a packet is
    already being built, while any record is still being checked, or while any
    sensitive-data finding is unresolved. The packet is built by a job that reports
    its progress on the Release row; when it is ready the requester is told.
    """
    lock(request)  # one release decision at a time per request: a double click waits, then sees the first
    if request.status not in (Status.GRANTED, Status.PARTIALLY_GRANTED):
        raise RequestError("Grant the request, in whole or in part, before releasing records.")
    if any(r.status is ReleaseStatus.BUILDING for r in releases(request)):
        raise RequestError("A packet is already being built for this request; wait for it to finish.")
    records = _records(request)
    if not records:
        raise RequestError("Upload the responsive records first.")
    same = _released_before(request, {d.id for d in records})
    if same is not None:
        raise RequestError(
            f"These records were already released on {released_day(request, same)} "
            f"({same.first_bates} to {same.last_bates}). Upload a new or corrected record to release more."
        )
    blockers = documents.release_blockers(CASE_TYPE, request.id)
    if blockers:
        raise RequestError("Release is blocked until every finding is resolved: " + " ".join(blockers))
    row = Release(
        case_type=CASE_TYPE,
        case_id=request.id,
        status=ReleaseStatus.BUILDING,
        progress_total=1 + sum(d.page_count or 0 for d in records),
        released_by_id=getattr(actor, "id", None),
    )
    db.session.add(row)
    db.session.flush()
    record(
        actor,
        "request.release_started",
        request,
        details={"release_id": row.id, "documents": [d.id for d in records]},
    )
    enqueue_after_commit("sunshine.records.jobs.build_release", row.id)
    db.session.commit()
    return row


def bates_prefix(request: RecordsRequest) -> str:
    """The Bates prefix of ``request``'s packets: the body's (``BATES_PREFIX``), then its tracking number.

    So no two pages released by the body carry the same number: each request has its own series,
    and a later packet of the same request carries on from where the last one ended.
    """
    return f"{current_app.config['BATES_PREFIX']}-{request.tracking_number}-"


def _next_bates_number(request: RecordsRequest, prefix: str) -> int:
    """The number after the last one the request's packets with ``prefix`` used; 1 for its first."""
    used = [
        int(row.last_bates.removeprefix(prefix))
        for row in releases(request)
        if row.status is ReleaseStatus.READY and row.last_bates and row.last_bates.startswith(prefix)
    ]
    return max(used, default=0) + 1


def _released_before(request: RecordsRequest, document_ids: set[int]) -> Release | None:
    """A finished release of exactly these records, if there is one."""
    for row in releases(request):
        if row.status is ReleaseStatus.READY:
            logged = db.session.scalars(select(Disclosure.document_id).where(Disclosure.release_id == row.id))
            if set(logged) == document_ids:
                return row
    return None


def build(release_id: int) -> Release:
    """The job: build, store and log the packet; safe to run twice (a finished release is left alone)."""
    row = db.session.get(Release, release_id)
    if row is None or row.status is not ReleaseStatus.BUILDING:
        return row
    request = db.session.get(RecordsRequest, row.case_id)
    records = _records(request)
    body = db.session.get(PublicBody, request.body_id)
    units = {d.originating_unit_id: db.session.get(Unit, d.originating_unit_id) for d in records}
    withheld_text = next(
        (m.body for m in request.messages if m.details.get("kind") == "withheld_description"), ""
    )
    withheld = [WithheldItem(withheld_text, [c.code for c in request.citations])] if request.citations else []
    cover = PacketCover(
        body.name,
        request.tracking_number,
        clocks.local_today(body),
        requester_label=request.contact_name,
        withheld=withheld,
    )

    def progress(done: int, total: int) -> None:
        row.progress_done, row.progress_total = done, total
        db.session.commit()

    with tempfile.TemporaryDirectory(prefix="sunshine-release-") as folder:
        sources = []
        for number, document in enumerate(records):
            path = Path(folder) / f"{number}.pdf"
            with storage().open(document.storage_key) as handle:
                path.write_bytes(handle.read())
            sources.append(
                PacketSource(path, document.display_name, units[document.originating_unit_id].name)
            )
        out = Path(folder) / "packet.pdf"
        prefix = bates_prefix(request)
        try:
            result = build_packet(
                cover,
                sources,
                out,
                PacketOptions(bates_prefix=prefix, start_number=_next_bates_number(request, prefix)),
                progress=progress,
            )
        except PacketError as exc:
            row.status, row.error = ReleaseStatus.FAILED, str(exc)[:1000]
            record(None, "request.release_failed", request, details={"release_id": row.id})
            db.session.commit()
            return row
        stored = save_in_transaction(out.read_bytes())
    row.status, row.storage_key, row.sha256 = ReleaseStatus.READY, stored.key, stored.sha256
    row.released_at = utcnow()  # when it went out, not when the build began
    row.page_count, row.first_bates, row.last_bates = result.page_count, result.first_bates, result.last_bates
    row.progress_done = row.progress_total = result.page_count
    for document in records:
        db.session.add(
            Disclosure(
                release_id=row.id,
                document_id=document.id,
                originating_unit_id=document.originating_unit_id,
                recipient=f"requester of {request.tracking_number}",
            )
        )
    record(
        None,
        "request.released",
        request,
        details={"release_id": row.id, "sha256": stored.sha256, "documents": [d.id for d in records]},
    )
    notify_requester(None, request, "released", release=row)  # the cover letter, and the email
    db.session.commit()
    return row


def releases(request: RecordsRequest) -> list[Release]:
    return list(
        db.session.scalars(
            select(Release)
            .where(Release.case_type == CASE_TYPE, Release.case_id == request.id)
            .order_by(Release.id)
        )
    )
