"""Letter templates: placeholders found, validated at upload and filled (DESIGN.md idea 7, issue 5)."""

from __future__ import annotations

import io
import random
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

import docx
import pytest
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from hypothesis import given, settings
from hypothesis import strategies as st

from sunshine.documents.docx_template import (
    MAX_UNPACKED_BYTES,
    Properties,
    TemplateError,
    placeholders,
    render,
    validate_template,
)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(build: Callable[[Document], object]) -> bytes:
    """A .docx built by ``build`` on a fresh python-docx document."""
    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def letter(*paragraphs: str) -> bytes:
    """A .docx with one body paragraph per argument, each a single run."""
    return make_docx(lambda d: [d.add_paragraph(text) for text in paragraphs])


def reopen(doc_bytes: bytes) -> Document:
    return docx.Document(io.BytesIO(doc_bytes))


def body_text(doc_bytes: bytes) -> list[str]:
    return [p.text for p in reopen(doc_bytes).paragraphs]


def table_text(doc_bytes: bytes, index: int = 0) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in reopen(doc_bytes).tables[index].rows]


def split_placeholder(paragraph: Paragraph) -> None:
    """``{{ tracking_number }}`` as Word often stores it: three runs, three formats."""
    first = paragraph.add_run("Ref: {{ trac")
    first.bold = True
    first.font.name = "Garamond"
    paragraph.add_run("king_num").italic = True
    paragraph.add_run("ber }} filed").underline = True


def rezip(doc_bytes: bytes, change: Callable[[str, bytes], bytes], extra: dict[str, bytes]) -> bytes:
    """A copy of a .docx archive with members changed by ``change`` and ``extra`` added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(doc_bytes)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info)))
        for name, data in extra.items():
            dst.writestr(name, data)
    return out.getvalue()


# --- finding placeholders ----------------------------------------------------------------


def test_placeholders_found_with_or_without_spaces_and_dotted() -> None:
    doc = letter("Dear {{ requester_name }},", "Request {{request.tracking_number}} of {{ date }}.")

    assert placeholders(doc) == {"requester_name", "request.tracking_number", "date"}


def test_placeholder_split_across_three_runs_is_found() -> None:
    doc = make_docx(lambda d: split_placeholder(d.add_paragraph()))

    assert placeholders(doc) == {"tracking_number"}


def test_placeholders_found_in_tables_nested_tables_headers_and_footers() -> None:
    def build(d: Document) -> None:
        table = d.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "{{ in_table }}"
        inner = table.cell(0, 1).add_table(rows=1, cols=1)
        inner.cell(0, 0).text = "{{ in_nested_table }}"
        section = d.sections[0]
        section.header.paragraphs[0].text = "{{ in_header }}"
        section.footer.paragraphs[0].text = "Page footer {{ in_footer }}"
        section.different_first_page_header_footer = True
        section.first_page_header.paragraphs[0].text = "{{ in_first_page_header }}"

    assert placeholders(make_docx(build)) == {
        "in_table",
        "in_nested_table",
        "in_header",
        "in_footer",
        "in_first_page_header",
    }


def test_text_without_placeholders_has_none() -> None:
    assert placeholders(letter("A plain letter with {single} braces.")) == set()


# --- validation at upload ------------------------------------------------------------------


def test_template_using_only_allowed_placeholders_is_accepted() -> None:
    validate_template(letter("Dear {{ requester_name }}"), ["requester_name", "date"])


def test_unknown_placeholder_is_refused_naming_it_and_the_allowed_ones() -> None:
    doc = letter("Dear {{ requester_name }}, fee {{ fee_totl }}, {{ signature }}")

    with pytest.raises(TemplateError) as caught:
        validate_template(doc, ["requester_name", "fee_total"])

    message = str(caught.value)
    assert "{{ fee_totl }}, {{ signature }}" in message
    assert "Placeholders you can use: {{ fee_total }}, {{ requester_name }}" in message


def test_unknown_placeholder_split_across_runs_in_a_footer_is_refused() -> None:
    doc = make_docx(lambda d: split_placeholder(d.sections[0].footer.paragraphs[0]))

    with pytest.raises(TemplateError, match=r"\{\{ tracking_number \}\}"):
        validate_template(doc, ["requester_name"])


@pytest.mark.parametrize(
    "text",
    [
        "Dear {{ requester_name,",  # never closed
        "Dear requester_name }},",  # never opened
        "Dear {{ Requester Name }},",  # not a name
        "Dear {{ requester-name }},",
        "Dear {{ }},",
    ],
)
def test_malformed_braces_are_refused_quoting_the_text(text: str) -> None:
    with pytest.raises(TemplateError, match="braces that are not a placeholder") as caught:
        validate_template(letter(text), ["requester_name"])

    assert "Dear" in str(caught.value)


def test_placeholder_broken_by_a_line_break_is_malformed() -> None:
    def build(d: Document) -> None:
        run = d.add_paragraph().add_run("{{ requester")
        run.add_break()
        run.add_text("_name }}")

    with pytest.raises(TemplateError, match="braces"):
        validate_template(make_docx(build), ["requester_name"])


def test_opening_and_closing_in_different_paragraphs_is_malformed() -> None:
    with pytest.raises(TemplateError, match="braces"):
        validate_template(letter("{{ requester", "_name }}"), ["requester_name"])


def test_placeholder_in_a_footnote_is_refused_because_it_would_not_be_filled() -> None:
    footnotes = (
        f'<w:footnotes xmlns:w="{W_NS}"><w:footnote w:id="1"><w:p><w:r>'
        "<w:t>See {{ requester_name }}</w:t></w:r></w:p></w:footnote></w:footnotes>"
    ).encode()

    def build(d: Document) -> None:
        d.add_paragraph("Dear {{ requester_name }}")
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, footnotes, d.part.package)
        d.part.relate_to(part, RT.FOOTNOTES)

    with pytest.raises(TemplateError, match="a footnote has “See {{ requester_name }}”"):
        validate_template(make_docx(build), ["requester_name"])


# --- files that are not a plain .docx --------------------------------------------------------


def test_random_bytes_are_refused() -> None:
    junk = random.Random(5).randbytes(4096)

    for call in (placeholders, lambda b: validate_template(b, []), lambda b: render(b, {})):
        with pytest.raises(TemplateError, match=r"not a Word document \(.docx\)"):
            call(junk)


@pytest.mark.parametrize(
    "doc_bytes",
    [
        b"",
        b"PK\x03\x04 truncated",
        rezip(letter("x"), lambda name, data: data, {"notes.txt": b"hello"})[:200],
    ],
    ids=["empty", "truncated-zip-header", "truncated-docx"],
)
def test_broken_archives_are_refused(doc_bytes: bytes) -> None:
    with pytest.raises(TemplateError, match="not a Word document"):
        placeholders(doc_bytes)


def test_zip_that_is_not_a_word_document_is_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("letter.txt", "{{ requester_name }}")

    with pytest.raises(TemplateError, match="not a Word document"):
        validate_template(out.getvalue(), ["requester_name"])


def test_macro_enabled_document_is_refused() -> None:
    def as_docm(name: str, data: bytes) -> bytes:
        if name != "[Content_Types].xml":
            return data
        return data.replace(
            CT.WML_DOCUMENT_MAIN.encode(), b"application/vnd.ms-word.document.macroEnabled.main+xml"
        )

    docm = rezip(letter("Dear {{ requester_name }}"), as_docm, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})

    with pytest.raises(TemplateError, match="contains macros"):
        validate_template(docm, ["requester_name"])
    with pytest.raises(TemplateError, match="contains macros"):
        render(docm, {"requester_name": "Ann"})


def test_vba_project_part_alone_is_refused() -> None:
    doc = rezip(letter("Hello"), lambda name, data: data, {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})

    with pytest.raises(TemplateError, match="contains macros"):
        placeholders(doc)


def test_archive_that_unpacks_too_large_is_refused_before_parsing() -> None:
    padding = b"\0" * (MAX_UNPACKED_BYTES + 1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/media/padding.bin", padding)

    with pytest.raises(TemplateError, match="unpacks to more than 20 MB"):
        placeholders(out.getvalue())


# --- rendering --------------------------------------------------------------------------------


def test_render_fills_placeholders_with_and_without_spaces() -> None:
    doc = letter("Dear {{ requester_name }},", "Request {{request.tracking_number}}{{ suffix }} received.")

    rendered = render(doc, {"requester_name": "Ann Lee", "request.tracking_number": "25-0042", "suffix": "A"})

    assert body_text(rendered) == ["Dear Ann Lee,", "Request 25-0042A received."]
    assert placeholders(rendered) == set()


def test_split_placeholder_takes_the_first_runs_formatting_and_keeps_the_other_text() -> None:
    doc = make_docx(lambda d: split_placeholder(d.add_paragraph()))

    paragraph = reopen(render(doc, {"tracking_number": "25-0042"})).paragraphs[0]

    assert paragraph.text == "Ref: 25-0042 filed"
    first, middle, last = paragraph.runs
    assert (first.text, first.bold, first.font.name) == ("Ref: 25-0042", True, "Garamond")
    assert middle.text == ""
    assert (last.text, last.bold, last.underline) == (" filed", None, True)


def test_two_split_placeholders_sharing_a_run_are_both_filled() -> None:
    def build(d: Document) -> None:
        p = d.add_paragraph()
        p.add_run("{{ first")
        p.add_run("_name }} {{ last").bold = True
        p.add_run("_name }}!")

    paragraph = reopen(render(make_docx(build), {"first_name": "Ann", "last_name": "Lee"})).paragraphs[0]

    assert paragraph.text == "Ann Lee!"
    assert [(r.text, r.bold) for r in paragraph.runs] == [("Ann", None), (" Lee", True), ("!", None)]


def test_render_fills_tables_nested_tables_headers_and_footers() -> None:
    def build(d: Document) -> None:
        table = d.add_table(rows=1, cols=2)
        table.cell(0, 0).text = "Unit: {{ unit }}"
        table.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "{{ unit }} (nested)"
        d.sections[0].header.paragraphs[0].text = "City of Example - {{ unit }}"
        split_placeholder(d.sections[0].footer.paragraphs[0])

    rendered = reopen(render(make_docx(build), {"unit": "Records", "tracking_number": "25-7"}))

    assert rendered.tables[0].cell(0, 0).text == "Unit: Records"
    assert rendered.tables[0].cell(0, 1).tables[0].cell(0, 0).text == "Records (nested)"
    assert rendered.sections[0].header.paragraphs[0].text == "City of Example - Records"
    footer_run = rendered.sections[0].footer.paragraphs[0].runs[0]
    assert (footer_run.text, footer_run.bold) == ("Ref: 25-7", True)


def test_text_box_is_filled_without_disturbing_the_paragraph_it_sits_in() -> None:
    box = parse_xml(
        f'<w:r xmlns:w="{W_NS}" xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
        "<w:txbxContent><w:p><w:r><w:t>Boxed {{ unit }}</w:t></w:r></w:p></w:txbxContent>"
        "</v:textbox></v:shape></w:pict></w:r>"
    )

    def build(d: Document) -> None:
        p = d.add_paragraph("Before {{ unit }} ")
        p._p.append(box)
        p.add_run("after")

    doc = make_docx(build)
    assert placeholders(doc) == {"unit"}
    rendered = render(doc, {"unit": "Records"})

    with zipfile.ZipFile(io.BytesIO(rendered)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "Boxed Records" in xml
    assert body_text(rendered)[0] == "Before Records after"


def citations_table(d: Document) -> None:
    d.add_paragraph("Request {{ request.tracking_number }} is denied under:")
    table = d.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ["Code", "Provision", "Request"], strict=True):
        cell.text = text
    row = table.rows[1].cells
    row[0].paragraphs[0].add_run("{{ citations.code }}").bold = True
    row[1].text = "{{ citations.short_name }}"
    row[2].text = "{{ request.tracking_number }}"


def test_table_row_repeats_once_per_list_item_in_order() -> None:
    citations = [
        {"code": "610.021(1)", "short_name": "Litigation"},
        {"code": "610.100", "short_name": "Investigative reports"},
    ]

    rendered = render(make_docx(citations_table), {"citations": citations, "request.tracking_number": "25-9"})

    assert table_text(rendered) == [
        ["Code", "Provision", "Request"],
        ["610.021(1)", "Litigation", "25-9"],
        ["610.100", "Investigative reports", "25-9"],
    ]
    assert all(row.cells[0].paragraphs[0].runs[0].bold for row in reopen(rendered).tables[0].rows[1:])
    assert body_text(rendered) == ["Request 25-9 is denied under:"]


def test_empty_list_removes_the_repeating_row() -> None:
    rendered = render(make_docx(citations_table), {"citations": [], "request.tracking_number": "25-9"})

    assert table_text(rendered) == [["Code", "Provision", "Request"]]


def test_list_item_without_a_field_is_a_missing_value() -> None:
    values = {"citations": [{"code": "610.100"}], "request.tracking_number": "25-9"}

    with pytest.raises(TemplateError, match=r"\{\{ citations.short_name \}\}"):
        render(make_docx(citations_table), values)


def test_row_repeating_for_two_lists_is_refused() -> None:
    doc = make_docx(lambda d: setattr(d.add_table(rows=1, cols=1).cell(0, 0), "text", "{{ a.x }} {{ b.y }}"))

    with pytest.raises(TemplateError, match="one list only"):
        render(doc, {"a": [{"x": 1}], "b": [{"y": 2}]})


def test_value_markup_and_braces_appear_literally() -> None:
    doc = letter("Name: {{ requester_name }}; other: {{ other }}")
    hostile = "<script>alert(1)</script> & <b>bold</b> {{ other }}"

    rendered = render(doc, {"requester_name": hostile, "other": "SHOULD APPEAR ONCE"})

    assert body_text(rendered) == [f"Name: {hostile}; other: SHOULD APPEAR ONCE"]
    with zipfile.ZipFile(io.BytesIO(rendered)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in xml
    assert "<script>" not in xml


def test_value_in_a_repeating_row_is_not_read_as_a_placeholder() -> None:
    citations = [{"code": "{{ request.tracking_number }}", "short_name": "x"}]

    rendered = render(make_docx(citations_table), {"citations": citations, "request.tracking_number": "25-9"})

    assert table_text(rendered)[1] == ["{{ request.tracking_number }}", "x", "25-9"]


def test_newlines_in_values_become_line_breaks_in_the_same_run() -> None:
    doc = letter("To: {{ address }} (by mail)")

    paragraph = reopen(render(doc, {"address": "1 Main St\nSpringfield\r\nMO 65801"})).paragraphs[0]

    assert paragraph.text == "To: 1 Main St\nSpringfield\nMO 65801 (by mail)"
    assert len(paragraph.runs) == 1
    assert len(paragraph.runs[0]._r.findall(qn("w:br"))) == 2


def test_control_characters_in_values_are_dropped() -> None:
    rendered = render(letter("{{ name }}"), {"name": "A\x00n\x07n\x1b\x0c \x7fLee\ufffe"})

    assert body_text(rendered) == ["Ann Lee"]


def test_values_are_converted_with_str() -> None:
    rendered = render(letter("{{ pages }} pages, {{ fee }}"), {"pages": 12, "fee": 3.5})

    assert body_text(rendered) == ["12 pages, 3.5"]


def test_missing_and_none_values_are_refused_naming_each() -> None:
    doc = letter("{{ requester_name }} {{ date }} {{ request.tracking_number }}")

    with pytest.raises(TemplateError) as caught:
        render(doc, {"requester_name": "Ann", "date": None})

    assert "{{ date }}, {{ request.tracking_number }}" in str(caught.value)


def test_missing_value_in_a_header_is_refused() -> None:
    doc = make_docx(lambda d: setattr(d.sections[0].header.paragraphs[0], "text", "{{ body_name }}"))

    with pytest.raises(TemplateError, match=r"\{\{ body_name \}\}"):
        render(doc, {})


def test_render_refuses_malformed_braces_too() -> None:
    with pytest.raises(TemplateError, match="braces"):
        render(letter("Dear {{ requester_name"), {"requester_name": "Ann"})


def test_render_leaves_the_template_bytes_reusable() -> None:
    doc = letter("{{ name }}")

    assert body_text(render(doc, {"name": "Ann"})) == ["Ann"]
    assert body_text(render(doc, {"name": "Bo"})) == ["Bo"]


def test_repeated_renders_of_one_template_do_not_leak_into_each_other() -> None:
    def build(d: Document) -> None:
        d.add_paragraph("{{ name }}")
        table = d.add_table(rows=2, cols=1)
        table.cell(0, 0).text = "Fee"
        table.cell(1, 0).text = "{{ fees.amount }}"
        d.sections[0].header.paragraphs[0].text = "Request {{ number }}"

    doc = make_docx(build)
    with pytest.raises(TemplateError, match="number"):  # a failed rendering leaves nothing behind
        render(doc, {"name": "Ann", "fees": [{"amount": "$1"}]})
    three = render(doc, {"name": "Ann", "number": "1", "fees": [{"amount": f"${n}"} for n in (1, 2, 3)]})
    one = render(doc, {"name": "Bo", "number": "2", "fees": [{"amount": "$9"}]})

    assert body_text(three)[0] == "Ann" and table_text(three) == [["Fee"], ["$1"], ["$2"], ["$3"]]
    assert body_text(one)[0] == "Bo" and table_text(one) == [["Fee"], ["$9"]]
    assert reopen(one).sections[0].header.paragraphs[0].text == "Request 2"


def test_render_rewrites_only_the_parts_it_fills() -> None:
    doc = make_docx(lambda d: d.add_paragraph("{{ name }}"))
    original = zipfile.ZipFile(io.BytesIO(doc))
    rendered = zipfile.ZipFile(io.BytesIO(render(doc, {"name": "Ann"})))

    assert rendered.namelist() == original.namelist()
    changed = [n for n in original.namelist() if original.read(n) != rendered.read(n)]
    assert changed == ["word/document.xml"]


BRACKETED = letter("[{{ v }}]")


@settings(max_examples=40, deadline=None)
@given(value=st.text(max_size=40))
def test_any_text_value_reads_back_as_written(value: str) -> None:
    rendered = reopen(render(BRACKETED, {"v": value})).paragraphs[0].text

    allowed = "".join(c for c in value if c in "\t\n\r" or (c >= " " and not "\x7f" <= c <= "\x9f"))
    allowed = "".join(c for c in allowed if not ("\ud800" <= c <= "\udfff" or c in "\ufffe\uffff"))
    assert rendered == "[" + allowed.replace("\r\n", "\n").replace("\r", "\n") + "]"


def _authored(document: Document) -> None:
    """A template as a member of staff saved it: their name, a comment, keywords, a revision count."""
    props = document.core_properties
    props.author, props.last_modified_by = "Jane Q. Clerk", "Jane Q. Clerk"
    props.comments, props.keywords, props.revision = "Draft: check with legal", "internal", 7
    props.created = datetime(2019, 5, 1, 9, 30)
    document.add_paragraph("Request {{ n }}")


def test_properties_replace_everything_the_template_said_about_itself() -> None:
    template = make_docx(_authored)
    properties = Properties(
        "Records request received", "Custodian of Records, Test City\x07", datetime(2026, 3, 3, 18, 5)
    )
    rendered = render(template, {"n": "2026-000001"}, properties)
    props = reopen(rendered).core_properties
    assert (props.title, props.author, props.last_modified_by, props.language) == (
        "Records request received",
        "Custodian of Records, Test City",  # the control character is dropped, not an error
        "Custodian of Records, Test City",
        "en-US",
    )
    assert props.created == props.modified == datetime(2026, 3, 3, 18, 5, tzinfo=UTC)
    assert (props.comments, props.keywords, props.revision) == ("", "", 0)
    assert body_text(rendered) == ["Request 2026-000001"]
    # Without properties the template's stay, as a caller that wants them asked for.
    assert reopen(render(template, {"n": "1"})).core_properties.author == "Jane Q. Clerk"


def test_a_template_without_core_properties_renders_without_them() -> None:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(letter("Request {{ n }}"))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/core.xml":
                continue
            if item.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", data)
            target.writestr(item, data)
    rendered = render(out.getvalue(), {"n": "7"}, Properties("T", "A", datetime(2026, 1, 1)))
    assert "docProps/core.xml" not in zipfile.ZipFile(io.BytesIO(rendered)).namelist()
    assert body_text(rendered) == ["Request 7"]


def test_properties_also_empty_the_templates_company_manager_and_custom_properties() -> None:
    custom = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Case officer">'
        b"<vt:lpwstr>Det. J. Smith, internal</vt:lpwstr></property></Properties>"
    )
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(letter("Request {{ n }}"))) as source,
        zipfile.ZipFile(out, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "docProps/app.xml":
                data = data.replace(
                    b"<Template>", b"<Company>Internal Affairs</Company><Manager>Lt. Doe</Manager><Template>"
                )
            elif item.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdCustom" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    b'relationships/custom-properties" Target="docProps/custom.xml"/></Relationships>',
                )
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
                )
            target.writestr(item, data)
        target.writestr("docProps/custom.xml", custom)
    template = out.getvalue()
    assert b"Internal Affairs" in zipfile.ZipFile(io.BytesIO(template)).read("docProps/app.xml")

    rendered = render(template, {"n": "7"}, Properties("T", "A", datetime(2026, 1, 1)))
    parts = zipfile.ZipFile(io.BytesIO(rendered))
    everything = b"".join(parts.read(name) for name in parts.namelist())
    assert b"Internal Affairs" not in everything and b"Lt. Doe" not in everything
    assert b"Det. J. Smith" not in everything and b"Case officer" not in everything
    assert body_text(rendered) == ["Request 7"]  # and Word still opens it: python-docx reads it back
    assert reopen(rendered).core_properties.title == "T"
