"""One intake for every upload, the sensitive-data gate, and redacted versions.

An upload is checked by content, stored under a random name, parsed in a
resource-limited child and scanned. A refusal is recorded (with the person's
message and an audit event) and the stored bytes deleted: nothing half-stored.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from sunshine.audit.services import record
from sunshine.crypto import cipher
from sunshine.documents import filetypes, parsing, scanner
from sunshine.documents.models import Document, DocumentRole, DocumentStatus, Resolution, SensitiveFinding
from sunshine.documents.refusals import FileKind, RefusedFile
from sunshine.documents.scanner import finding_label
from sunshine.documents.storage import save_in_transaction, storage
from sunshine.extensions import db
from sunshine.jobs.queue import enqueue_after_commit
from sunshine.timeutil import utcnow
from sunshine.units.models import Unit


class DocumentError(ValueError):
    """The upload or the step cannot be accepted; the message says what to do."""


def receive(
    actor,
    data: bytes,
    filename: str,
    *,
    case_type: str,
    case_id: int,
    role: DocumentRole,
    originating_unit: Unit,
    replaces: Document | None = None,
) -> Document:
    """Accept an upload for a case: decide its type, store it, and parse and scan it.

    Small files are processed at once; larger ones by a job (the page shows them as
    processing). A refused file raises DocumentError after its refusal is recorded.
    """
    name = filetypes.safe_display_name(filename or "upload")
    if len(data) > current_app.config["MAX_CONTENT_LENGTH"]:
        raise DocumentError("That file is too large. Send a smaller file, or split it into parts.")
    try:
        kind = filetypes.sniff(data, name)
        if role is DocumentRole.RESPONSIVE and kind is not FileKind.PDF:
            raise DocumentError(
                "Responsive records are released as PDF: save the record as a PDF and upload that."
            )
    except RefusedFile as exc:
        _record_refusal(actor, data, name, str(exc), case_type, case_id, role, originating_unit)
        raise DocumentError(str(exc)) from exc
    if replaces is not None:
        _claim(replaces)
    stored = save_in_transaction(data)
    document = Document(
        case_type=case_type,
        case_id=case_id,
        role=role,
        originating_unit_id=originating_unit.id,
        display_name=name,
        kind=kind.value,
        storage_key=stored.key,
        sha256=stored.sha256,
        size=stored.size,
        uploaded_by_id=getattr(actor, "id", None),
        replaces_id=replaces.id if replaces else None,
    )
    db.session.add(document)
    db.session.flush()
    record(
        actor,
        "document.received",
        object_type=case_type,
        object_id=case_id,
        details={"document_id": document.id, "sha256": stored.sha256, "kind": kind.value},
    )
    if stored.size > current_app.config["DOCUMENT_INLINE_BYTES"]:
        enqueue_after_commit("sunshine.documents.jobs.process_document", document.id)
        db.session.commit()
        return document
    db.session.commit()
    process(document.id)
    if document.status is DocumentStatus.REFUSED:
        raise DocumentError(document.refusal)
    return document


def _record_refusal(actor, data, name, message, case_type, case_id, role, unit) -> None:
    import hashlib

    document = Document(
        case_type=case_type,
        case_id=case_id,
        role=role,
        originating_unit_id=unit.id,
        display_name=name,
        kind="refused",
        storage_key=None,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        status=DocumentStatus.REFUSED,
        refusal=message[:1000],
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(document)
    db.session.flush()
    record(
        actor,
        "document.refused",
        object_type=case_type,
        object_id=case_id,
        details={"document_id": document.id, "sha256": document.sha256},
    )
    db.session.commit()


def process(document_id: int) -> Document:
    """Parse and scan a stored document; safe to run twice (a finished one is left alone)."""
    document = db.session.get(Document, document_id)
    if document is None or document.status is not DocumentStatus.PROCESSING:
        return document
    with tempfile.TemporaryDirectory(prefix="sunshine-doc-") as folder:
        path = Path(folder) / "upload"
        with storage().open(document.storage_key) as source:
            path.write_bytes(source.read())
        try:
            parsed = parsing.parse_document(path, FileKind(document.kind))
        except RefusedFile as exc:
            storage().delete(document.storage_key)
            document.storage_key, document.status, document.refusal = (
                None,
                DocumentStatus.REFUSED,
                str(exc)[:1000],
            )
            record(
                None,
                "document.refused",
                object_type=document.case_type,
                object_id=document.case_id,
                details={"document_id": document.id, "sha256": document.sha256},
            )
            db.session.commit()
            return document
    key = cipher().blind_index("scanner-fingerprints").encode()
    for finding in scanner.scan_pages(parsed.pages, fingerprint_key=key):
        document.findings.append(
            SensitiveFinding(
                kind=finding.kind.value,
                page=finding.page,
                snippet=finding.snippet,
                confidence=finding.confidence,
                fingerprint=finding.fingerprint,
            )
        )
    document.page_count, document.status = parsed.page_count, DocumentStatus.READY
    if document.replaces_id:
        _carry_over(document)
    record(
        None,
        "document.scanned",
        object_type=document.case_type,
        object_id=document.case_id,
        details={"document_id": document.id, "pages": parsed.page_count, "findings": len(document.findings)},
    )
    db.session.commit()
    return document


def _claim(original: Document) -> None:
    """One redacted version per record: refused once the record has one (a double click included).

    The original's row is locked first, so of two uploads at once the second waits for the
    first and then sees it.
    """
    db.session.execute(select(Document.id).where(Document.id == original.id).with_for_update())
    newer = db.session.scalar(
        select(Document.id)
        .where(Document.replaces_id == original.id, Document.status != DocumentStatus.REFUSED)
        .limit(1)
    )
    if original.superseded or newer is not None:
        raise DocumentError(
            f"{original.display_name} already has a newer version: reload the page, and replace that one "
            "if it needs correcting."
        )


def _carry_over(version: Document) -> None:
    """A redacted version replaces its original: what the re-scan no longer finds counts as redacted."""
    original = db.session.get(Document, version.replaces_id)
    still = {f.fingerprint for f in version.findings}
    for finding in original.findings:
        if finding.resolution is Resolution.UNRESOLVED and finding.fingerprint not in still:
            finding.resolution, finding.resolution_reason = (
                Resolution.REDACTED,
                f"Removed in document {version.id}",
            )
            finding.resolved_at = utcnow()
    settled = {
        f.fingerprint: f
        for f in original.findings
        if f.resolution in (Resolution.FALSE_POSITIVE, Resolution.REQUESTER_OWN)
    }
    for finding in version.findings:
        earlier = settled.get(finding.fingerprint)
        if earlier is not None:
            finding.resolution, finding.resolution_reason = earlier.resolution, earlier.resolution_reason
    original.superseded = True


def resolve(actor, finding: SensitiveFinding, resolution: Resolution, reason: str) -> None:
    """Settle a finding without redaction: a false positive, or the verified requester's own data."""
    if resolution is Resolution.FALSE_POSITIVE and not reason.strip():
        raise DocumentError("Say why this is not sensitive data: the reason is kept on the record.")
    document = db.session.get(Document, finding.document_id)
    if resolution is Resolution.REQUESTER_OWN and not requester_identity_verified(
        document.case_type, document.case_id
    ):
        raise DocumentError(
            "This request has no verified identity, so no finding can be released as the "
            "requester's own data. Redact it instead."
        )
    if resolution not in (Resolution.FALSE_POSITIVE, Resolution.REQUESTER_OWN):
        raise DocumentError("Redact a finding by uploading a redacted version of the document.")
    finding.resolution, finding.resolution_reason = resolution, reason.strip()
    finding.resolved_by_id, finding.resolved_at = getattr(actor, "id", None), utcnow()
    record(
        actor,
        "finding.resolved",
        object_type=document.case_type,
        object_id=document.case_id,
        details={"finding_id": finding.id, "resolution": resolution.value},
    )
    db.session.commit()


def requester_identity_verified(case_type: str, case_id: int) -> bool:
    """Whether the case's requester has proved who they are, so a finding may be released as their own data.

    Never yet: verifying a requester's identity is still to be built, so no case has one. ``resolve``
    and the case page both ask here, so the choice is offered exactly when it would be accepted.
    """
    return False


def active_documents(case_type: str, case_id: int) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document)
            .where(
                Document.case_type == case_type, Document.case_id == case_id, Document.superseded.is_(False)
            )
            .order_by(Document.id)
        )
    )


def release_blockers(case_type: str, case_id: int) -> list[str]:
    """Why the case's documents cannot be released yet; empty when they can."""
    problems = []
    for document in active_documents(case_type, case_id):
        if document.status is DocumentStatus.PROCESSING:
            problems.append(f"{document.display_name} is still being checked.")
        for finding in document.findings:
            if finding.resolution is Resolution.UNRESOLVED:
                problems.append(
                    f"{document.display_name}, page {finding.page}: possible "
                    f"{finding_label(finding.kind)} ({finding.snippet}) is unresolved."
                )
    return problems
