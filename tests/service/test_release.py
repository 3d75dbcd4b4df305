"""Responsive records: intake, the sensitive-data gate, redaction proved by re-scan, release."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from sunshine.audit.models import AuditEvent
from sunshine.documents import services as documents
from sunshine.documents.models import Disclosure, DocumentRole, DocumentStatus, Resolution
from sunshine.documents.storage import storage
from sunshine.extensions import db
from sunshine.records import release
from sunshine.records import services as records
from sunshine.records.models import Delivery

SSN_LINE = "Witness SSN: 512-34-6789, interviewed at the scene."


def pdf(lines: list[str], *, box_over_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=letter)
    for n, text in enumerate(lines):
        page.drawString(72, 700 - 20 * n, text)
    if box_over_first:
        page.setFillColorRGB(0, 0, 0)
        page.rect(70, 695, 400, 16, fill=1, stroke=0)  # looks redacted; the text is still there
    page.showPage()
    page.save()
    return buffer.getvalue()


def _receive(factories, request, data: bytes, name: str = "report.pdf", **kwargs):
    return documents.receive(
        None,
        data,
        name,
        case_type="records_request",
        case_id=request.id,
        role=DocumentRole.RESPONSIVE,
        originating_unit=factories.unit("PATROL"),
        **kwargs,
    )


def _granted(factories):
    request = factories.request().request
    records.grant(None, request)
    return request


def test_a_finding_blocks_release_until_resolved_then_the_packet_is_logged(factories) -> None:
    request = _granted(factories)
    document = _receive(factories, request, pdf(["Incident report 26-1234", SSN_LINE]))
    assert document.status is DocumentStatus.READY and document.page_count == 1
    [finding] = document.findings
    assert finding.kind == "ssn" and "6789" in finding.snippet and "512-34" not in finding.snippet

    with pytest.raises(records.RequestError, match="unresolved"):
        release.release(None, request)
    with pytest.raises(documents.DocumentError, match="Say why"):
        documents.resolve(None, finding, Resolution.FALSE_POSITIVE, " ")
    with pytest.raises(documents.DocumentError, match="no verified identity"):
        documents.resolve(None, finding, Resolution.REQUESTER_OWN, "their own")
    documents.resolve(None, finding, Resolution.FALSE_POSITIVE, "A sample number from the training manual")

    row = release.release(None, request)
    db.session.refresh(row)  # built by the job (inline here: no Redis)
    assert row.status.value == "ready" and row.progress_done == row.progress_total == 2
    series = f"SUN-{request.tracking_number}-"
    assert (row.page_count, row.first_bates, row.last_bates) == (2, f"{series}000001", f"{series}000002")
    with storage().open(row.storage_key) as handle:
        packet = PdfReader(io.BytesIO(handle.read()))
    assert request.tracking_number in packet.pages[0].extract_text()
    assert f"{series}000002" in packet.pages[1].extract_text()
    [disclosure] = db.session.scalars(select(Disclosure)).all()
    assert (
        disclosure.document_id == document.id
        and disclosure.originating_unit_id == factories.unit("PATROL").id
    )
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "request.released")) == 1


def test_a_box_drawn_over_text_is_not_a_redaction_but_removing_the_text_is(factories) -> None:
    request = _granted(factories)
    original = _receive(factories, request, pdf(["Incident report 26-1234", SSN_LINE]))
    boxed = _receive(
        factories,
        request,
        pdf([SSN_LINE, "Incident report 26-1234"], box_over_first=True),
        "boxed.pdf",
        replaces=original,
    )
    assert boxed.findings and original.findings[0].resolution is Resolution.UNRESOLVED

    with pytest.raises(records.RequestError, match="unresolved"):
        release.release(None, request)

    redacted = _receive(
        factories,
        request,
        pdf(["Incident report 26-1234", "Witness SSN: [REDACTED]"]),
        "redacted.pdf",
        replaces=boxed,
    )
    db.session.refresh(boxed)
    assert redacted.findings == [] and boxed.findings[0].resolution is Resolution.REDACTED
    assert [d.id for d in documents.active_documents("records_request", request.id)] == [redacted.id]
    row = release.release(None, request)
    db.session.refresh(row)
    assert row.page_count == 2


def test_no_two_released_pages_share_a_bates_number(factories) -> None:
    """Each request has its own series, and a later packet of a request carries on from the last."""
    first, second = _granted(factories), _granted(factories)
    _receive(factories, first, pdf(["Dispatch log"]))
    _receive(factories, second, pdf(["Crash report"]))
    one, other = release.release(None, first), release.release(None, second)
    _receive(factories, first, pdf(["Dispatch log, page 2"]), "more.pdf")
    again = release.release(None, first)
    for row in (one, other, again):
        db.session.refresh(row)
    assert (one.first_bates, one.last_bates) == (
        f"SUN-{first.tracking_number}-000001",
        f"SUN-{first.tracking_number}-000002",
    )
    assert (other.first_bates, other.last_bates) == (
        f"SUN-{second.tracking_number}-000001",
        f"SUN-{second.tracking_number}-000002",
    )
    # The second packet holds both records again, after its own cover: numbers 3 to 5.
    assert (again.first_bates, again.last_bates) == (
        f"SUN-{first.tracking_number}-000003",
        f"SUN-{first.tracking_number}-000005",
    )


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "photo.png", "web page"),
        (b"%PDF-1.7\n1 0 obj <<>>\ntrailer\n", "broken.pdf", "damaged"),
    ],
)
def test_hostile_uploads_are_refused_recorded_and_nothing_is_stored(
    factories, tmp_path: Path, data, name, message
) -> None:
    request = factories.request().request
    files_before = (
        sum(1 for _ in Path(storage().root).rglob("*") if _.is_file()) if Path(storage().root).exists() else 0
    )
    with pytest.raises(documents.DocumentError, match=message):
        _receive(factories, request, data, name)
    files_after = (
        sum(1 for _ in Path(storage().root).rglob("*") if _.is_file()) if Path(storage().root).exists() else 0
    )
    assert files_after == files_before
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "document.refused")) == 1


def test_an_encrypted_pdf_is_refused_with_a_message(factories) -> None:
    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(documents.DocumentError, match="password"):
        _receive(factories, factories.request().request, buffer.getvalue(), "locked.pdf")


def test_responsive_records_must_be_pdf(factories) -> None:
    with pytest.raises(documents.DocumentError, match="as PDF"):
        _receive(factories, factories.request().request, b"Plain text record\n", "note.txt")


def test_release_needs_a_grant_and_records(factories) -> None:
    request = factories.request().request
    with pytest.raises(records.RequestError, match="Grant the request"):
        release.release(None, request)
    records.grant(None, request)
    with pytest.raises(records.RequestError, match="Upload the responsive records"):
        release.release(None, request)


def test_a_second_release_waits_for_the_first_and_a_failed_build_says_why(factories) -> None:
    from sunshine.documents.models import Release, ReleaseStatus

    request = _granted(factories)
    _receive(factories, request, pdf(["Incident report 26-1234"]))
    building = Release(case_type="records_request", case_id=request.id, status=ReleaseStatus.BUILDING)
    db.session.add(building)
    db.session.commit()
    with pytest.raises(records.RequestError, match="already being built"):
        release.release(None, request)

    # A record whose stored bytes went bad since the check: the job records why it failed.
    building.status = ReleaseStatus.FAILED
    [document] = documents.active_documents("records_request", request.id)
    document.storage_key = storage().save(b"%PDF-1.7 damaged since it was checked").key
    db.session.commit()
    row = release.release(None, request)
    db.session.refresh(row)
    assert row.status is ReleaseStatus.FAILED and row.error
    assert db.session.scalars(select(Disclosure)).all() == []


@pytest.mark.parametrize(
    ("intake", "arrangements"),
    [
        ({}, "Download them from your status page, https://records.example.gov/requests/"),
        (
            {"delivery": Delivery.MAIL, "contact_address": "12 Birch Rd\nTest City"},
            "They are enclosed with this letter, posted to the address you gave.",
        ),
        ({"delivery": Delivery.PICKUP}, "They are ready to collect at the counter."),
    ],
)
def test_a_release_writes_its_cover_letter_saying_how_the_records_reach_the_requester(
    factories, intake, arrangements
) -> None:
    from docx import Document as Docx

    from sunshine.letters.services import letters_for
    from sunshine.notifications.models import OutboxMessage

    request = factories.request(**intake).request
    records.grant(None, request)
    _receive(factories, request, pdf(["Dispatch log"]))
    row = release.release(None, request)
    db.session.refresh(row)
    (letter,) = [lt for lt in letters_for("records_request", request.id) if lt.kind == "release_cover"]
    with storage().open(letter.storage_key) as handle:
        text = "\n".join(p.text for p in Docx(io.BytesIO(handle.read())).paragraphs)
    series = f"SUN-{request.tracking_number}-"
    assert f"are 2 pages, numbered {series}000001 to {series}000002" in text and arrangements in text
    email = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "request.released")).one()
    assert email.subject.endswith("records released") and f"{series}000002" in email.body
