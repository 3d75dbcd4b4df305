"""Release packets: a cover sheet, then every responsive record, Bates-numbered (DESIGN.md idea 7).

The cover lists what is enclosed, with each record's originating unit and Bates range, and what was
withheld with its citations (610.024 RSMo: closed material separated, the rest released).

Memory stays bounded however long the packet: pypdf's ``PdfWriter`` keeps every page until
``write``, so the packet is written front to back by ``pdf_stream.PdfOut``. Each page is copied with
the objects it references (shared fonts and images once per source), stamped by ``bates``, written
and forgotten; a reader's object cache is emptied, and a canvas of stamps drawn, every ``_CHUNK``
pages.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, create_string_object
from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from sunshine.documents.bates import copy_page, placement, stamps
from sunshine.documents.pdf_stream import Copier, PdfOut, dictionary

_PREFIX = re.compile(r"[A-Za-z0-9-]{1,24}")
_VERSION = re.compile(r"%PDF-[12]\.\d")
_CHUNK = 64  # pages per stamp canvas and between clears of a reader's object cache
_WITHHELD_INTRO = (
    "Closed material was separated from open material, and the open material is enclosed. "
    "What was withheld or removed, and the law that closes it:"
)


class PacketError(ValueError):
    """A packet cannot be built; the message says which record or setting to fix."""


@dataclass(frozen=True)
class EnclosedRecord:
    """A record released alongside the packet but not inside this PDF (a disc, a paper original)."""

    title: str
    originating_unit: str
    pages: int | None = None


@dataclass(frozen=True)
class WithheldItem:
    """A general description of closed material withheld or removed, and the law closing it."""

    description: str
    citations: list[str]


@dataclass(frozen=True)
class PacketCover:
    """What the cover states. The records inside the PDF are listed from the sources themselves."""

    body_name: str
    tracking_number: str
    prepared_on: date
    requester_label: str | None = None
    enclosed: list[EnclosedRecord] = field(default_factory=list)
    withheld: list[WithheldItem] = field(default_factory=list)
    notes: str | None = None


@dataclass(frozen=True)
class PacketSource:
    """One responsive record: a PDF that has been through intake."""

    path: Path
    title: str
    originating_unit: str


@dataclass(frozen=True)
class PacketOptions:
    """Bates numbering and document metadata; metadata left unset is derived from the cover."""

    bates_prefix: str = "SUN"
    start_number: int = 1
    digits: int = 6
    title: str | None = None
    author: str | None = None
    subject: str | None = None

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.bates_prefix):
            raise PacketError('A Bates prefix is 1 to 24 letters, digits or dashes, such as "CITY-PD".')
        if not 3 <= self.digits <= 10:
            raise PacketError("Bates numbers must have between 3 and 10 digits.")
        if not 1 <= self.start_number < 10**self.digits:
            raise PacketError(f"The first Bates number must be between 1 and {10**self.digits - 1}.")

    def label(self, number: int) -> str:
        """The Bates number ``number`` as printed: the prefix, then the number zero-padded to ``digits``."""
        return f"{self.bates_prefix}{number:0{self.digits}d}"


@dataclass(frozen=True)
class PacketResult:
    """The packet as written; ``next_number`` is the ``start_number`` of the series' next packet."""

    page_count: int
    first_bates: str
    last_bates: str
    sha256: str
    next_number: int


def build_packet(
    cover: PacketCover,
    sources: Sequence[PacketSource],
    out_path: str | Path,
    options: PacketOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PacketResult:
    """Write the packet to ``out_path`` and describe it.

    Every page, the cover's included, carries its Bates number. ``out_path`` appears only once the
    packet is complete; the same inputs give the same bytes. ``progress(done, total)`` is called
    with 0, then every ``_CHUNK`` pages and at the end of each record. Raises ``PacketError`` naming
    the record when a source is missing, encrypted, unreadable, empty or changed while being read,
    and when the numbers would outgrow ``options.digits``.
    """
    options = options or PacketOptions()
    counts, version = _inspect(sources)
    cover_pdf, cover_pages = _render_cover(cover, sources, counts, options)
    total, first = cover_pages + sum(counts), options.start_number
    if first + total - 1 >= 10**options.digits:
        raise PacketError(
            f"{total} pages from {options.label(first)} need more than {options.digits} digits; "
            "start a new prefix or use more digits."
        )
    report = progress or (lambda done, total: None)
    report(0, total)
    # A unique partial file: a job run twice at once must not interleave two writers.
    handle, part = tempfile.mkstemp(dir=Path(out_path).parent, prefix=Path(out_path).name, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as fh:
            out = PdfOut(fh, version)
            for reader, name in _readers(cover_pdf, sources, counts):
                for done in _append(out, reader, options, name):
                    report(done, total)
            digest = out.finish(_info(cover, options))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, out_path)
    finally:
        Path(part).unlink(missing_ok=True)
    return PacketResult(total, options.label(first), options.label(first + total - 1), digest, first + total)


@contextlib.contextmanager
def _open(source: PacketSource) -> Iterator[PdfReader]:
    # An open file, not a path: given a path, PdfReader reads the whole file into memory.
    with contextlib.ExitStack() as stack:
        try:
            fh = stack.enter_context(Path(source.path).open("rb"))
        except OSError as exc:
            raise PacketError(f'The file for "{source.title}" cannot be opened; attach it again.') from exc
        try:
            reader = PdfReader(fh)
            pages = 0 if reader.is_encrypted else len(reader.pages)
        except Exception as exc:  # a hostile file can fail anywhere in pypdf
            raise PacketError(f'"{source.title}" is not a readable PDF; attach a good copy.') from exc
        if reader.is_encrypted:
            raise PacketError(f'"{source.title}" is encrypted or password-protected; attach an open copy.')
        if not pages:
            raise PacketError(f'"{source.title}" has no pages.')
        yield reader


def _readers(
    cover_pdf: bytes, sources: Sequence[PacketSource], counts: list[int]
) -> Iterator[tuple[PdfReader, str]]:
    yield PdfReader(io.BytesIO(cover_pdf)), "the cover sheet"
    for source, count in zip(sources, counts, strict=True):
        with _open(source) as reader:
            if len(reader.pages) != count:  # the cover already states its Bates range
                raise PacketError(
                    f'"{source.title}" changed while the packet was being built; build it again.'
                )
            yield reader, f'"{source.title}"'


def _inspect(sources: Sequence[PacketSource]) -> tuple[list[int], str]:
    """Each source's page count (the cover needs them first) and the newest PDF version among them."""
    counts, versions = [], ["%PDF-1.7"]
    for source in sources:
        with _open(source) as reader:
            counts.append(len(reader.pages))
            if match := _VERSION.match(reader.pdf_header):
                versions.append(match.group())
    return counts, max(versions)


def _append(out: PdfOut, reader: PdfReader, options: PacketOptions, name: str) -> Iterator[int]:
    """Copy and stamp every page of ``reader``, yielding the packet's page count after each chunk."""
    copier, pages = Copier(out), reader.pages
    for start in range(0, len(pages), _CHUNK):
        at, chunk, places = start, range(start, min(start + _CHUNK, len(pages))), []
        try:
            for at in chunk:
                places.append(placement(pages[at]))
            number = options.start_number + len(out.kids)
            labels = [options.label(number + i) for i in range(len(chunk))]
            for at, place, stamp in zip(chunk, places, stamps(out, labels, places), strict=True):
                out.kids.append(copy_page(out, copier, pages[at], stamp, place[2]))
                copier.flush()
        except OSError:  # the disk, not the record: let the job fail and be retried
            raise
        except Exception as exc:  # a hostile file can fail anywhere in pypdf
            raise PacketError(f"Page {at + 1} of {name} cannot be copied; attach a good copy.") from exc
        reader.resolved_objects.clear()  # re-read on demand: memory holds one chunk
        yield len(out.kids)


def _info(cover: PacketCover, options: PacketOptions) -> DictionaryObject:
    values = {
        "/Title": options.title or f"Records release {cover.tracking_number}",
        "/Author": options.author or cover.body_name,
        "/Subject": options.subject or "Records released under the Missouri Sunshine Law (chapter 610 RSMo)",
        "/Producer": "Sunshine",
        "/Creator": "Sunshine",
        "/CreationDate": f"D:{cover.prepared_on:%Y%m%d}",
    }
    return dictionary({k: create_string_object(v) for k, v in values.items()})


def _render_cover(
    cover: PacketCover, sources: Sequence[PacketSource], counts: list[int], options: PacketOptions
) -> tuple[bytes, int]:
    """Lay the cover out until the page count it assumes for its own Bates range is the one it has."""
    pages = 1
    for _ in range(5):  # a larger count only lengthens the text, so this settles in two or three passes
        pdf, actual = _draw_cover(cover, sources, counts, options, pages)
        if actual == pages:
            return pdf, pages
        pages = actual
    raise PacketError("The cover sheet could not be laid out; shorten its notes or descriptions.")


def _draw_cover(
    cover: PacketCover, sources: Sequence[PacketSource], counts: list[int], options: PacketOptions, pages: int
) -> tuple[bytes, int]:
    styles = getSampleStyleSheet()

    def text(value: str, style: str = "BodyText") -> Paragraph:
        return Paragraph(escape(value).replace("\n", "<br/>"), styles[style])

    def span(first: int, count: int) -> str:
        return options.label(first) + (f" to {options.label(first + count - 1)}" if count > 1 else "")

    def table(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
        cells = [[text(v, "Heading5") for v in header], *([text(v) for v in row] for row in rows)]
        grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")])
        return Table(cells, colWidths=[w * inch for w in widths], repeatRows=1, splitInRow=1, style=grid)

    total, number = pages + sum(counts), options.start_number + pages
    story: list[Flowable] = [text(cover.body_name, "Title"), text("Records released under chapter 610 RSMo")]
    story += [text(f"Tracking number: {cover.tracking_number}")]
    story += [text(f"Date: {cover.prepared_on.day} {cover.prepared_on:%B %Y}")]
    story += [text(f"Prepared for: {cover.requester_label}")] if cover.requester_label else []
    story += [text(f"Pages in this file: {total}, numbered {span(options.start_number, total)}")]
    rows = [["This cover sheet", cover.body_name, str(pages), span(options.start_number, pages)]]
    for source, count in zip(sources, counts, strict=True):
        rows.append([source.title, source.originating_unit, str(count), span(number, count)])
        number += count
    # A Bates number is never broken across lines: its column widens to the longest, the record's narrows.
    body = styles["BodyText"]
    bates = max(1.8, (stringWidth(options.label(number), body.fontName, body.fontSize) + 14) / inch)
    story += [text("Records enclosed", "Heading2")]
    story += [
        table(["Record", "Originating unit", "Pages", "Bates numbers"], rows, [4.2 - bates, 1.7, 0.6, bates])
    ]
    if cover.enclosed:
        extra = [[r.title, r.originating_unit, str(r.pages or "")] for r in cover.enclosed]
        story += [text("Also released, outside this file", "Heading2")]
        story += [table(["Record", "Originating unit", "Pages"], extra, [3.4, 2.5, 0.6])]
    story += [text("Material withheld (section 610.024 RSMo)", "Heading2")]
    if cover.withheld:
        story += [text(_WITHHELD_INTRO)]
        withheld = [[item.description, "; ".join(item.citations)] for item in cover.withheld]
        story += [table(["What was withheld or removed", "Closed under"], withheld, [4.6, 1.9])]
    else:
        story += [text("Nothing was withheld or removed.")]
    if cover.notes:
        story += [text("Notes", "Heading2"), text(cover.notes)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=LETTER, bottomMargin=0.75 * inch, invariant=1)
    doc.build(story)
    return buf.getvalue(), doc.page
