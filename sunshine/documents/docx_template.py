"""Fill the placeholders of a letter template an administrator uploaded as a .docx.

Pure: python-docx and the standard library, no Flask, no database (DESIGN.md core idea 7).

A placeholder is ``{{ name }}`` or ``{{name}}``. A name is lowercase letters, digits and
underscores, starting with a letter, and may be dotted (``request.tracking_number``).
Placeholders are found in body paragraphs, tables (nested too), text boxes, headers and
footers, even when Word has split one across runs with different formatting. Values are
looked up by the whole name in a flat mapping, e.g. ``{"request.tracking_number": "25-0042"}``.

Repeating rows: a table row using ``{{ key.field }}``, where ``values[key]`` is a list or
tuple of mappings, is written once per item, in order, with ``{{ key.field }}`` read from
``item["field"]``; its other placeholders come from ``values`` as usual. An empty list
removes the row, so keep a heading row in such a table. A row may repeat for one list
only, and a repeating row may not sit inside another.

The letter's document properties (what File > Info shows) are written afresh when
``render`` is given ``Properties``: a template's own carry its author's name, comments and
dates, which are not for the letter's reader.

Limits: braces have no escape, so a template cannot show a literal ``{{`` or ``}}``.
Footnotes, endnotes and comments are not filled, so a template with a placeholder there
is refused rather than sent with the braces showing.
"""

from __future__ import annotations

import copy
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import docx
from docx.document import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import XmlPart
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from lxml import etree
from lxml.etree import _Element

__all__ = ["MAX_UNPACKED_BYTES", "Properties", "TemplateError", "placeholders", "render", "validate_template"]

# A letter template is a few pages; anything that unpacks larger is refused before parsing.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024

_PLACEHOLDER = re.compile(r"\{\{ *([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*) *\}\}")
_BRACES = re.compile(r"\{\{|\}\}")
# Stands for a tab or line break in a paragraph's text, so no placeholder can span one.
_BARRIER = "\x00"
# Characters XML 1.0 cannot carry (and C1 controls): dropped from values, never an error.
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SEPARATORS = re.compile(r"(\r\n|\r|\n|\t)")

_W_P, _W_R, _W_T, _W_TR = qn("w:p"), qn("w:r"), qn("w:t"), qn("w:tr")
_W_BREAKS = (qn("w:tab"), qn("w:br"), qn("w:cr"))
_FILLED = {CT.WML_DOCUMENT_MAIN, CT.WML_HEADER, CT.WML_FOOTER}
_NOT_FILLED = {CT.WML_FOOTNOTES: "a footnote", CT.WML_ENDNOTES: "an endnote", CT.WML_COMMENTS: "a comment"}

_NOT_DOCX = (
    "This file is not a Word document (.docx) that can be read. "
    "Save it from Word as “Word Document (*.docx)” and upload it again."
)
_MACROS = (
    "This Word document contains macros (.docm), which are never accepted. "
    "Save it from Word as “Word Document (*.docx)” and upload it again."
)


class TemplateError(ValueError):
    """A template that cannot be used, or values that cannot fill it; the message says why."""


def placeholders(doc_bytes: bytes) -> set[str]:
    """Every placeholder name used in the body, tables, text boxes, headers and footers.

    Raises ``TemplateError`` if the bytes are not a macro-free .docx.
    """
    return _names(_open(doc_bytes))


def validate_template(doc_bytes: bytes, allowed: Iterable[str]) -> None:
    """Refuse, at upload time, a template that could not be filled completely.

    Raises ``TemplateError`` if the bytes are not a macro-free .docx, if a paragraph has a
    ``{{`` or ``}}`` that is not part of a well-formed placeholder, if a footnote, endnote
    or comment holds braces, or if any placeholder name is not in ``allowed``.
    """
    document = _open(doc_bytes)
    _check_braces(document)
    allowed = set(allowed)
    unknown = _names(document) - allowed
    if unknown:
        raise TemplateError(
            f"This template uses placeholders that letters cannot fill: {_listed(unknown)}. "
            f"Placeholders you can use: {_listed(allowed) or 'none'}."
        )


@dataclass(frozen=True)
class Properties:
    """What a rendered document says about itself: its title, who it is from, when it was made.

    They replace the template's core properties whole, so none of the template's own
    (its author's name, last editor, comments, keywords, revision count, dates) is kept; its
    extended and custom properties (company, manager, anything custom) are emptied.
    """

    title: str
    author: str
    created: datetime  # UTC
    language: str = "en-US"


_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_DC = "http://purl.org/dc/elements/1.1/"
_DCTERMS = "http://purl.org/dc/terms/"
_XSI = "http://www.w3.org/2001/XMLSchema-instance"


# The other document properties a template carries (Word's company, manager, template name and
# statistics; anything custom), written back empty: a valid part, with nothing of the template's.
_EMPTIED = {
    RT.EXTENDED_PROPERTIES: b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    b"<Application>Sunshine</Application></Properties>",
    RT.CUSTOM_PROPERTIES: b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
    b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>',
}
_PROPERTIES = {RT.CORE_PROPERTIES, *_EMPTIED}


def _core_properties(properties: Properties) -> bytes:
    root = etree.Element(
        f"{{{_CP}}}coreProperties", nsmap={"cp": _CP, "dc": _DC, "dcterms": _DCTERMS, "xsi": _XSI}
    )
    stamp = properties.created.strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag, text in (
        (f"{{{_DC}}}title", properties.title),
        (f"{{{_DC}}}creator", properties.author),
        (f"{{{_CP}}}lastModifiedBy", properties.author),
        (f"{{{_DC}}}language", properties.language),
        (f"{{{_DCTERMS}}}created", stamp),
        (f"{{{_DCTERMS}}}modified", stamp),
    ):
        element = etree.SubElement(root, tag)
        element.text = _UNSAFE.sub("", text)
        if tag.startswith(f"{{{_DCTERMS}}}"):
            element.set(f"{{{_XSI}}}type", "dcterms:W3CDTF")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def render(doc_bytes: bytes, values: Mapping[str, object], properties: Properties | None = None) -> bytes:
    """Return a copy of the template with every placeholder filled from ``values``.

    The filled text takes the formatting of the run where its placeholder starts; text the
    placeholder shared runs with is kept as it was. Values go through ``str()`` (format
    dates before calling); newlines become line breaks and tabs become tabs; characters
    XML cannot carry are dropped; anything else, ``<b>`` or ``{{ x }}`` included, appears
    literally. Raises ``TemplateError`` naming every placeholder whose value is missing or
    ``None``, and for anything ``validate_template`` refuses except unknown names.

    With ``properties``, the document's core properties are those; a template without a
    core properties part (it is optional) is left without one, so has none to give away.
    """
    prepared = _prepare(_Template(doc_bytes))
    missing: set[str] = set()
    filled: dict[str, bytes] = {}
    for name, pristine in prepared.filled.items():
        root = copy.deepcopy(pristine)
        _render_part(root, values, missing)
        filled[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    if missing:
        raise TemplateError(f"No value was given for {_listed(missing)}, which the template uses.")
    if properties is not None:
        for reltype, name in prepared.properties.items():
            filled[name] = (
                _core_properties(properties) if reltype == RT.CORE_PROPERTIES else _EMPTIED[reltype]
            )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in prepared.members:
            archive.writestr(name, filled.get(name, data))
    return out.getvalue()


class _Template:
    """Template bytes as a cache key: hashed and compared by their SHA-256, not byte by byte."""

    __slots__ = ("data", "digest")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.digest = hashlib.sha256(data).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Template) and other.digest == self.digest


@dataclass(frozen=True)
class _Prepared:
    """A checked template: every member of its archive, and the parsed parts placeholders fill."""

    members: list[tuple[str, bytes]]
    filled: dict[str, _Element]  # member name -> pristine XML root, copied for each rendering
    properties: dict[str, str]  # relationship type -> the member holding those document properties


@lru_cache(maxsize=16)
def _prepare(template: _Template) -> _Prepared:
    """Open and check a template once; later renderings of the same bytes start from here.

    Only the parts placeholders fill are rewritten; every other member of the archive is
    written back exactly as it was.
    """
    document = _open(template.data)
    _check_braces(document)
    with zipfile.ZipFile(io.BytesIO(template.data)) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist() if not info.is_dir()]
    by_lower_name = {name.lower(): name for name, _ in members}
    filled = {}
    for part in document.part.package.iter_parts():
        if part.content_type in _FILLED:
            name = by_lower_name.get(str(part.partname).lstrip("/").lower())
            if name is None:  # never write a letter with its placeholders left in
                raise TemplateError(_NOT_DOCX)
            filled[name] = part.element if isinstance(part, XmlPart) else parse_xml(part.blob)
    properties = {
        rel.reltype: name
        for rel in document.part.package.rels.values()
        if rel.reltype in _PROPERTIES
        and not rel.is_external
        and (name := by_lower_name.get(str(rel.target_part.partname).lstrip("/").lower())) is not None
    }
    return _Prepared(members, filled, properties)


def _open(doc_bytes: bytes) -> Document:
    try:
        with zipfile.ZipFile(io.BytesIO(doc_bytes)) as archive:
            members = archive.infolist()
            if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
                raise TemplateError(f"This file unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB.")
            content_types = archive.read("[Content_Types].xml").lower()
    except TemplateError:
        raise
    except Exception as exc:  # whatever breaks on reading untrusted bytes means "not a .docx"
        raise TemplateError(_NOT_DOCX) from exc
    names = {member.filename.lower().rsplit("/", 1)[-1] for member in members}
    if "vbaproject.bin" in names or b"macroenabled" in content_types:
        raise TemplateError(_MACROS)
    try:
        return docx.Document(io.BytesIO(doc_bytes))
    except Exception as exc:  # python-docx raises many kinds; all mean the same to a person
        raise TemplateError(_NOT_DOCX) from exc


def _roots(document: Document, content_types: Iterable[str]) -> Iterator[tuple[str, _Element]]:
    """The XML root of each part of the given content types, with the part's content type."""
    for part in document.part.package.iter_parts():
        if part.content_type in content_types:
            root = part.element if isinstance(part, XmlPart) else parse_xml(part.blob)
            yield part.content_type, root


class _Paragraph:
    """One paragraph's text as Word stored it, with the offset of each ``w:t`` in it."""

    def __init__(self, p: _Element) -> None:
        self.texts: list[tuple[int, _Element]] = []
        pieces: list[str] = []
        offset = 0
        for el in p.iter(_W_T, *_W_BREAKS):
            # Skip tab stops in w:pPr and the paragraphs of text boxes anchored in this one.
            if el.getparent().tag != _W_R or next(el.iterancestors(_W_P)) is not p:
                continue
            piece = (el.text or "") if el.tag == _W_T else _BARRIER
            if el.tag == _W_T:
                self.texts.append((offset, el))
            pieces.append(piece)
            offset += len(piece)
        self.text = "".join(pieces)


def _names(document: Document) -> set[str]:
    paragraphs = (_Paragraph(p) for _, root in _roots(document, _FILLED) for p in root.iter(_W_P))
    return {m[1] for para in paragraphs for m in _PLACEHOLDER.finditer(para.text)}


def _check_braces(document: Document) -> None:
    problems = []
    for content_type, root in _roots(document, _FILLED | set(_NOT_FILLED)):
        for p in root.iter(_W_P):
            text = _Paragraph(p).text
            # Blank out the well-formed placeholders; any brace pair left over is a mistake.
            rest = _PLACEHOLDER.sub(lambda m: _BARRIER * len(m[0]), text)
            if content_type in _NOT_FILLED and _BRACES.search(text):
                problems.append(f"{_NOT_FILLED[content_type]} has “{_snippet(text, 0)}”")
            elif found := _BRACES.search(rest):
                problems.append(f"“{_snippet(text, found.start())}”")
    if problems:
        raise TemplateError(
            "This template has braces that are not a placeholder Sunshine can fill: "
            + "; ".join(problems)
            + ". Write each placeholder as {{ name }}, in lowercase, within one paragraph "
            "of the body, a table, a header or a footer."
        )


def _snippet(text: str, at: int) -> str:
    return text[max(0, at - 20) : at + 30].replace(_BARRIER, " ").strip()


def _listed(names: Iterable[str]) -> str:
    return ", ".join(f"{{{{ {name} }}}}" for name in sorted(names))


def _render_part(root: _Element, values: Mapping[str, object], missing: set[str]) -> None:
    repeating = {row: key for row in root.iter(_W_TR) if (key := _list_key(row, values))}
    for row in repeating:
        if any(outer in repeating for outer in row.iterancestors(_W_TR)):
            raise TemplateError("A table row that repeats for a list cannot sit inside another one.")
    # Collect before filling, so text a value brought in is never read as a placeholder.
    plain = [p for p in root.iter(_W_P) if not any(r in repeating for r in p.iterancestors(_W_TR))]
    for p in plain:
        _fill(p, _resolver(values, missing))
    for row, key in repeating.items():
        for item in values[key]:  # type: ignore[attr-defined]  # _list_key found a list there
            clone = copy.deepcopy(row)
            for p in list(clone.iter(_W_P)):
                _fill(p, _resolver(values, missing, key, item))
            row.addprevious(clone)
        row.getparent().remove(row)


def _list_key(row: _Element, values: Mapping[str, object]) -> str | None:
    """The list a row repeats for: the prefix of a dotted name in it whose value is a list."""
    keys = set()
    for p in row.iter(_W_P):
        if next(p.iterancestors(_W_TR)) is not row:
            continue  # a nested table's rows decide for themselves
        for m in _PLACEHOLDER.finditer(_Paragraph(p).text):
            parts = m[1].split(".")
            prefixes = (".".join(parts[:i]) for i in range(1, len(parts)))
            keys.update(k for k in prefixes if isinstance(values.get(k), list | tuple))
    if len(keys) > 1:
        raise TemplateError(f"A table row can repeat for one list only; this one uses {_listed(keys)}.")
    return keys.pop() if keys else None


def _resolver(
    values: Mapping[str, object], missing: set[str], key: str | None = None, item: object = None
) -> Callable[[str], str]:
    def resolve(name: str) -> str:
        if key is not None and name.startswith(key + "."):
            value = item.get(name[len(key) + 1 :]) if isinstance(item, Mapping) else None
        else:
            value = values.get(name)
        if value is None:
            missing.add(name)
            return ""
        return _UNSAFE.sub("", str(value))

    return resolve


def _fill(p: _Element, resolve: Callable[[str], str]) -> None:
    """Put each value in the ``w:t`` where its placeholder starts; cut the rest from later ones."""
    para = _Paragraph(p)
    found = [(m, resolve(m[1])) for m in _PLACEHOLDER.finditer(para.text)]
    if not found:
        return
    for start, t in para.texts:
        end = start + len(t.text or "")
        pieces, pos = [], start
        for m, value in found:
            if m.end() <= start or m.start() >= end:
                continue
            if m.start() >= start:
                pieces += [para.text[pos : m.start()], value]
            pos = min(m.end(), end)
        if pos != start or pieces:
            _write(t, "".join(pieces) + para.text[pos:end])


def _write(t: _Element, text: str) -> None:
    """Set a ``w:t``'s text, turning newlines and tabs into sibling break and tab elements."""
    first, *rest = _SEPARATORS.split(text)
    _set_text(t, first)
    anchor = t
    for i, piece in enumerate(rest):
        if i % 2 == 0:
            el = OxmlElement("w:tab" if piece == "\t" else "w:br")
        elif piece:
            el = OxmlElement("w:t")
            _set_text(el, piece)
        else:
            continue
        anchor.addnext(el)
        anchor = el


def _set_text(t: _Element, text: str) -> None:
    t.text = text
    t.set(qn("xml:space"), "preserve")  # or Word drops the spaces at either end
