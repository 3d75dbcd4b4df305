"""Read a Word document's pages and text, in the parsing child only (DESIGN.md idea 4).

The whole ZIP directory is checked first (member count and sizes, compression ratio,
encryption, duplicate or path-climbing names, macros, content types) so python-docx
never inflates a bomb or opens a macro-bearing package. Pages are split at explicit
page and section breaks; headers, footers, notes and comments are appended to the last
page so the scanner sees them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from sunshine.documents.docx_checks import (
    CONTENT_TYPES_MAX_BYTES,
    check_docx_content_types,
    check_docx_member_name,
)
from sunshine.documents.parsing import ParsedDocument, ParseLimits, check_text_size
from sunshine.documents.refusals import FileKind, RefusalReason, RefusedFile, damaged_file

__all__ = ["read_docx"]

# Members smaller than this may compress well (XML does); only big ones are bombs.
_RATIO_CHECK_FROM_BYTES = 1_000_000
_ZIP_ENCRYPTED = 0x1
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)

_ARCHIVE_BOMB = (
    "This Word document expands to far more data than its size suggests (a 'zip bomb'), so we "
    "can't open it safely. If it is a genuine document, save it as PDF and try again."
)

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_TEXT_TAGS = {f"{_W}t", f"{_W}delText"}  # deleted text is still in the file, so it is scanned
_OFF = {"0", "false", "off"}
_WORD_STORIES = {  # text outside the body: appended to the last page so it is scanned
    f"application/vnd.openxmlformats-officedocument.wordprocessingml.{name}+xml"
    for name in ("header", "footer", "footnotes", "endnotes", "comments")
}


def read_docx(path: Path, limits: ParseLimits) -> ParsedDocument:
    """The text of the Word document at ``path``, page by page; raises ``RefusedFile`` (see module)."""
    _prescan_docx(path, limits)
    import docx  # imported in the child only, after the limits are set
    from docx.oxml.parser import parse_xml  # lxml without entity resolution

    document = docx.Document(str(path))
    pages = _word_pages(document.element.body)
    stories = [
        "".join(_word_pages(parse_xml(part.blob), split=False)[0]).strip()
        for part in document.part.package.iter_parts()
        if part.content_type in _WORD_STORIES
    ]
    texts = ["".join(page) for page in pages]
    if any(stories):
        texts[-1] += "\n" + "\n".join(story for story in stories if story)
    check_text_size(FileKind.DOCX, sum(map(len, texts)), limits)
    return ParsedDocument(page_count=len(texts), pages=texts)


def _prescan_docx(path: Path, limits: ParseLimits) -> None:
    """Check the whole ZIP directory before python-docx reads a byte of any member.

    The sizes come from the central directory; ``zipfile`` never inflates a member past
    its declared size, so they bound what python-docx can be made to hold in memory.
    """
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
        if len(members) > limits.max_docx_members:
            raise _archive_bomb(f"{len(members)} members")
        names: set[str] = set()
        total = 0
        for member in members:
            if member.orig_filename.lower() in names:
                raise damaged_file(FileKind.DOCX, detail=f"duplicate member {member.orig_filename!r}")
            names.add(member.orig_filename.lower())
            if member.flag_bits & _ZIP_ENCRYPTED or member.compress_type not in _ZIP_METHODS:
                raise damaged_file(FileKind.DOCX, detail=f"member {member.orig_filename!r} encrypted or odd")
            total += member.file_size
            if member.file_size > limits.max_docx_member_bytes or total > limits.max_docx_uncompressed_bytes:
                raise _archive_bomb(f"{member.orig_filename!r} makes {total} bytes uncompressed")
            ratio = member.file_size / max(member.compress_size, 1)
            if member.file_size > _RATIO_CHECK_FROM_BYTES and ratio > limits.max_docx_ratio:
                raise _archive_bomb(f"{member.orig_filename!r} compressed {ratio:.0f}:1")
        content_types = next((m for m in members if m.orig_filename == "[Content_Types].xml"), None)
        if content_types is None or content_types.file_size >= CONTENT_TYPES_MAX_BYTES:
            raise damaged_file(FileKind.DOCX, detail="no usable [Content_Types].xml")
        check_docx_content_types(archive.read(content_types))
        for member in members:
            check_docx_member_name(member.orig_filename)


def _archive_bomb(detail: str) -> RefusedFile:
    return RefusedFile(RefusalReason.ARCHIVE_BOMB, _ARCHIVE_BOMB, detail=detail)


def _word_pages(element: Any, *, split: bool = True) -> list[list[str]]:
    """The text under ``element``, split at explicit page and section breaks if ``split``."""
    from lxml import etree

    pages: list[list[str]] = [[]]
    section_ends_here = False

    def new_page() -> None:
        if split:
            pages.append([])

    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if event == "end":
            if tag == f"{_W}p":
                pages[-1].append("\n")
                if section_ends_here:
                    section_ends_here = False
                    new_page()
        elif tag in _TEXT_TAGS:
            pages[-1].append(node.text or "")
        elif tag == f"{_W}tab":
            pages[-1].append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            if node.get(f"{_W}type") == "page":
                new_page()
            else:
                pages[-1].append("\n")
        elif tag == f"{_W}pPr":
            before = node.find(f"{_W}pageBreakBefore")
            if before is not None and before.get(f"{_W}val", "true") not in _OFF and pages[-1]:
                new_page()
            section = node.find(f"{_W}sectPr")
            if section is not None:
                kind = section.find(f"{_W}type")
                section_ends_here = kind is None or kind.get(f"{_W}val") != "continuous"
            walker.skip_subtree()  # its w:tabs are tab stops, not text
        elif tag == _MC_FALLBACK:  # repeats the text of its AlternateContent's Choice
            walker.skip_subtree()
    return pages
