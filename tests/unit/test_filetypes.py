"""Uploads are typed by their content, never their name (DESIGN.md idea 4, issue 5 "Uploads").

Every file here is built by the test itself; nothing binary is committed.
"""

import io
import zipfile

import docx
import pytest
from PIL import Image
from reportlab.pdfgen import canvas

from sunshine.documents.filetypes import (
    ACCEPTED_TYPES,
    DISPLAY_NAME_MAX,
    SNIFF_BYTES,
    FileKind,
    RefusalReason,
    RefusedFile,
    safe_display_name,
    sniff,
)

R = RefusalReason
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA_PROJECT = "application/vnd.ms-office.vbaProject"


# --- Files ----------------------------------------------------------------------------


def pdf_bytes(text: str = "Incident report 2026-0042") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


def docx_bytes(text: str = "Request for records") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def image_bytes(image_format: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buffer, format=image_format)
    return buffer.getvalue()


def rezip(
    package: bytes, *, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
) -> bytes:
    """A copy of a ZIP with some members replaced and others appended, in order."""
    replace, add = replace or {}, add or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, data in add.items():
            target.writestr(name, data)
    return out.getvalue()


def content_types(package: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return archive.read("[Content_Types].xml").decode()


def docm_bytes() -> bytes:
    """A python-docx document re-zipped as Word saves a .docm: macro-enabled main part, VBA."""
    package = docx_bytes()
    types = content_types(package).replace(WORD_MAIN, DOCM_MAIN)
    types = types.replace("</Types>", f'<Default Extension="bin" ContentType="{VBA_PROJECT}"/></Types>')
    return rezip(
        package,
        replace={"[Content_Types].xml": types.encode()},
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 attribute VB_Name"},
    )


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def ooxml_types(main_content_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Override PartName="/main.xml" ContentType="{main_content_type}"/></Types>'
    ).encode()


def refusal(data: bytes, filename: str = "upload") -> RefusedFile:
    with pytest.raises(RefusedFile) as caught:
        sniff(data, filename)
    return caught.value


# --- Accepted types -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (pdf_bytes, FileKind.PDF),
        (docx_bytes, FileKind.DOCX),
        (lambda: image_bytes("PNG"), FileKind.PNG),
        (lambda: image_bytes("JPEG"), FileKind.JPEG),
        (lambda: b"Please send the 2025 budget.\n", FileKind.TEXT),
    ],
    ids=["pdf", "docx", "png", "jpeg", "text"],
)
def test_each_accepted_type_is_recognised_from_its_head(make, kind):
    data = make()
    assert sniff(data[:SNIFF_BYTES], "upload") is kind
    assert sniff(data, "upload") is kind


def test_content_decides_when_the_name_disagrees():
    assert sniff(pdf_bytes(), "photo.png") is FileKind.PDF
    assert sniff(docx_bytes(), "scan.pdf") is FileKind.DOCX
    assert sniff(image_bytes("JPEG"), "letter.docx") is FileKind.JPEG
    assert sniff(b"plain words", "report.exe") is FileKind.TEXT


def test_a_word_document_is_recognised_from_the_first_few_kilobytes():
    assert sniff(docx_bytes()[:4096], "request.docx") is FileKind.DOCX


def test_a_word_document_with_its_content_types_last_is_recognised_from_the_whole_file():
    # LibreOffice and Excel write [Content_Types].xml after every other part.
    package = docx_bytes()
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        members = {member.filename: archive.read(member) for member in archive.infolist()}
    members["[Content_Types].xml"] = members.pop("[Content_Types].xml")
    assert sniff(zip_bytes(members), "libreoffice.docx") is FileKind.DOCX


def test_text_in_any_script_is_accepted_with_or_without_a_byte_order_mark():
    text = "Zoë asked for the Straße file; 東京 office; naïve café.\n".encode()
    assert sniff(text, "notes.txt") is FileKind.TEXT
    assert sniff(b"\xef\xbb\xbf" + text, "notes.txt") is FileKind.TEXT


def test_a_multibyte_character_cut_at_the_end_of_the_head_is_not_a_refusal():
    text = "é".encode() * SNIFF_BYTES
    assert sniff(text[: SNIFF_BYTES + 1], "long.txt") is FileKind.TEXT


def test_accepted_kinds_say_how_to_serve_them():
    assert FileKind.PDF.content_type == "application/pdf"
    assert FileKind.DOCX.extension == ".docx"
    assert FileKind.TEXT.content_type.startswith("text/plain")
    assert FileKind.JPEG.label == "JPEG image"


# --- Word files with macros and other ZIPs --------------------------------------------


def test_a_docm_is_refused_with_a_message_to_save_it_as_docx():
    error = refusal(docm_bytes(), "minutes.docx")
    assert error.reason_code is R.MACROS
    assert str(error) == (
        "This file is a macro-enabled Word document (.docm). "
        "Save it as an ordinary .docx or PDF and try again."
    )


def test_a_docm_is_refused_from_its_head_alone():
    head = docm_bytes()[:-1]  # no end-of-directory record: only the local headers can be read
    error = refusal(head)
    assert error.reason_code is R.MACROS
    assert str(error).startswith("This file is a macro-enabled Word document (.docm).")


def test_a_vba_project_inside_an_ordinary_docx_is_refused():
    package = rezip(docx_bytes(), add={"word/vbaProject.bin": b"macro"})
    error = refusal(package)
    assert error.reason_code is R.MACROS
    assert "contains macros" in str(error)


def test_a_macro_content_type_hidden_behind_character_references_is_still_seen():
    package = docx_bytes()
    hidden = DOCM_MAIN.replace("macroEnabled", "m&#97;croEnabled")
    types = content_types(package).replace(WORD_MAIN, hidden)
    error = refusal(rezip(package, replace={"[Content_Types].xml": types.encode()}))
    assert error.reason_code is R.MACROS
    assert str(error).startswith("This file is a macro-enabled Word document (.docm).")


def test_content_types_with_a_dtd_are_refused_as_damaged():
    package = docx_bytes()
    types = content_types(package).replace("<Types", '<!DOCTYPE Types [<!ENTITY a "b">]><Types', 1)
    error = refusal(rezip(package, replace={"[Content_Types].xml": types.encode()}))
    assert error.reason_code is R.DAMAGED
    assert "damaged" in str(error)


def test_activex_controls_in_a_word_document_are_refused():
    package = docx_bytes()
    activex = (
        '<Override PartName="/word/activeX/a1.xml" ContentType="application/vnd.ms-office.activeX+xml"/>'
    )
    types = content_types(package).replace("</Types>", activex + "</Types>")
    error = refusal(rezip(package, replace={"[Content_Types].xml": types.encode()}))
    assert error.reason_code is R.ACTIVE_CONTENT
    assert "ActiveX" in str(error)


def test_an_excel_workbook_is_refused_by_name():
    package = zip_bytes(
        {
            "[Content_Types].xml": ooxml_types(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
            )
        }
    )
    error = refusal(package, "budget.docx")
    assert error.reason_code is R.ARCHIVE
    assert str(error).startswith("This file is an Excel workbook. " + ACCEPTED_TYPES)


@pytest.mark.parametrize(
    "package",
    [
        zip_bytes({"report.pdf": b"%PDF-1.7", "notes.txt": b"hello"}),
        b"PK\x05\x06" + bytes(18),  # an empty ZIP
    ],
    ids=["zip", "empty-zip"],
)
def test_other_zip_archives_are_refused(package):
    error = refusal(package, "records.zip")
    assert error.reason_code is R.ARCHIVE
    assert "ZIP archive" in str(error)


def test_a_zip_member_that_climbs_out_of_its_folder_is_refused():
    package = rezip(docx_bytes(), add={"../../etc/cron.d/job": b"* * * * * root sh"})
    error = refusal(package)
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This Word document is damaged or incomplete")


# --- Markup, programs and other formats -----------------------------------------------


def test_a_png_named_file_that_is_really_html_is_refused():
    error = refusal(b"<html><body><script>fetch('/admin')</script></body></html>", "receipt.png")
    assert error.reason_code is R.HTML
    assert str(error) == (
        "This file is a web page (HTML) even though its name ends in .png. Web pages can carry active "
        "content, so we don't accept them. Save the page as PDF (in your browser: Print, then Save as "
        "PDF) and try again."
    )


@pytest.mark.parametrize(
    "markup",
    [
        b"\xef\xbb\xbf  \n<!DOCTYPE html><title>x</title>",
        b"Dear clerk,\n<SCRIPT src=//evil.example/x.js></SCRIPT>",
        b"<iframe src='https://evil.example'>",
        b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'/>",
    ],
    ids=["doctype-after-bom", "script-mid-text", "iframe", "xhtml"],
)
def test_html_anywhere_in_the_head_is_refused(markup):
    error = refusal(markup, "notes.txt")
    assert error.reason_code is R.HTML
    assert "ends in .txt" in str(error)


def test_svg_is_refused():
    error = refusal(b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    assert error.reason_code is R.SVG
    assert "Export it as PNG or PDF" in str(error)


@pytest.mark.parametrize(
    "program",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(48) + b"PE\x00\x00",
        b"\x7fELF\x02\x01\x01" + bytes(9),
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
        b"#!/bin/sh\nrm -rf ~\n",
    ],
    ids=["windows", "linux", "macos", "script"],
)
def test_programs_and_scripts_are_refused(program):
    error = refusal(program, "invoice.pdf")
    assert error.reason_code is R.EXECUTABLE
    assert "program or script" in str(error)


def test_text_that_merely_starts_with_mz_is_still_text():
    assert sniff(b"MZ Smith asks for the 2024 arrest log.", "request.txt") is FileKind.TEXT


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "a HEIC photo"),
        (b"{\\rtf1\\ansi {\\object\\objemb}}", "a Rich Text (.rtf) document"),
        (b"\x1f\x8b\x08\x00", "a compressed (gzip) archive"),
    ],
)
def test_formats_people_often_send_are_named_in_the_refusal(data, named):
    assert str(refusal(data)) == (
        f"This file is {named}. {ACCEPTED_TYPES} Save or export it as one of those and try again."
    )


def test_an_old_office_file_is_refused_with_a_way_forward():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    error = refusal(ole2, "statement.doc")
    assert error.reason_code is R.UNSUPPORTED_TYPE
    assert "Save it as .docx" in str(error)


def test_a_password_protected_office_file_says_so():
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    error = refusal(ole2, "statement.docx")
    assert error.reason_code is R.ENCRYPTED
    assert "password-protected" in str(error)


def test_unrecognised_binary_is_refused_with_the_accepted_types():
    error = refusal(bytes(range(256)) * 4, "data.bin")
    assert error.reason_code is R.UNSUPPORTED_TYPE
    assert ACCEPTED_TYPES in str(error)


@pytest.mark.parametrize(
    "data",
    ["Café résumé".encode("cp1252"), "\ufeffNotes".encode("utf-16")],
    ids=["windows-1252", "utf-16"],
)
def test_text_not_saved_as_utf8_is_refused_with_how_to_save_it(data):
    error = refusal(data, "notes.txt")
    assert error.reason_code is R.TEXT_ENCODING
    assert "UTF-8" in str(error)


def test_text_full_of_control_characters_is_refused():
    error = refusal(b"\x01\x02\x03\x04 binary-ish \x1b\x1b\x1b" * 20)
    assert error.reason_code is R.UNSUPPORTED_TYPE
    assert ACCEPTED_TYPES in str(error)


def test_an_empty_file_is_refused():
    error = refusal(b"", "blank.pdf")
    assert error.reason_code is R.EMPTY
    assert str(error) == "This file is empty. Check that you chose the right file and try again."


def test_a_png_with_a_broken_header_is_refused_as_damaged():
    png = bytearray(image_bytes("PNG"))
    png[20] ^= 0xFF  # corrupt the width, so the header's CRC no longer matches
    error = refusal(bytes(png), "photo.png")
    assert error.reason_code is R.DAMAGED
    assert str(error).startswith("This PNG image is damaged or incomplete")


def test_a_refusal_is_a_value_error_carrying_its_reason():
    error = refusal(b"", "x")
    assert isinstance(error, ValueError)
    assert error.message == str(error)
    assert error.reason_code == "empty"


# --- Display names --------------------------------------------------------------------


def test_display_name_keeps_letters_in_any_script():
    assert safe_display_name("Zoë’s résumé – 東京 (копия).pdf") == "Zoë’s résumé – 東京 (копия).pdf"


def test_display_name_is_normalised_so_equal_names_look_equal():
    assert safe_display_name("Zoe\u0308.txt") == "Zoë.txt"


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("/etc/passwd", "passwd"),
        ("C:\\Users\\clerk\\Desktop\\report.docx", "report.docx"),
        ("../../secret.pdf", "secret.pdf"),
        ("bad\x00name\r\n.pdf", "badname .pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override disguising .exe
        ("  spaced \t out  .txt ", "spaced out .txt"),
        ("", "document"),
        ("..", "document"),
        ("dir/", "document"),
    ],
)
def test_display_name_drops_paths_and_control_characters(uploaded, shown):
    assert safe_display_name(uploaded) == shown


def test_display_name_is_capped_keeping_its_extension():
    shown = safe_display_name("ä" * 500 + ".pdf")
    assert len(shown) <= DISPLAY_NAME_MAX
    assert shown.endswith("ä….pdf")
    assert len(safe_display_name("x" * 500)) <= DISPLAY_NAME_MAX
