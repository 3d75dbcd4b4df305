"""Read a PDF's pages and text with pypdf, in the parsing child only (DESIGN.md idea 4).

pypdf runs under its own stream, page-tree and decoder limits, below the child's memory
and CPU limits. Encrypted PDFs, PDFs with JavaScript or launch actions anywhere a viewer
could reach them, and PDFs with (or claiming) too many pages are refused before any
text is extracted.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sunshine.documents.parsing import ParsedDocument, ParseLimits, check_text_size, too_complex
from sunshine.documents.refusals import FileKind, RefusalReason, RefusedFile, damaged_file

__all__ = ["read_pdf"]

# How many PDF objects the active-content search may visit before giving up.
_MAX_PDF_OBJECTS = 1_000_000

_ENCRYPTED = (
    "This PDF is password-protected, so we can't read it. Upload a copy without a password or "
    "other security: open it, print it to a new PDF (choose Save as PDF or Microsoft Print to PDF) "
    "and upload that copy."
)
_ACTIVE_CONTENT = (
    "This PDF contains active content (JavaScript, or an action that opens another program), "
    "which we don't accept. Print it to a new PDF (choose Save as PDF or Microsoft Print to PDF) "
    "and upload that copy."
)
_TOO_MANY_PAGES = (
    "This PDF has, or says it has, more than {limit:,} pages, which is more than we take in one "
    "file. Split it into files of up to {limit:,} pages and upload them separately."
)

_ACTIVE_ACTIONS = {"/JavaScript", "/Launch"}


class _LimitWatcher(logging.Handler):
    """Remembers a limit pypdf hit but only logged (it skips a form it cannot decode)."""

    def __init__(self, limit_error: type[Exception]) -> None:
        super().__init__(logging.WARNING)
        self.limit_error = limit_error
        self.reached = ""

    def emit(self, record: logging.LogRecord) -> None:
        values = record.args.values() if isinstance(record.args, dict) else ()
        if not self.reached and any(isinstance(value, self.limit_error) for value in values):
            self.reached = record.getMessage()[:500]


def read_pdf(path: Path, limits: ParseLimits) -> ParsedDocument:
    """The text of each page of the PDF at ``path``; raises ``RefusedFile`` (see module)."""
    import pypdf  # imported in the child only, after the limits are set
    from pypdf.errors import LimitReachedError

    watcher = _LimitWatcher(LimitReachedError)
    pypdf_logger = logging.getLogger("pypdf")
    pypdf_logger.addHandler(watcher)
    pypdf_logger.propagate = False
    stream_limit = limits.max_pdf_stream_bytes
    try:
        with pypdf.apply_configuration(
            maximum_declared_stream_length=stream_limit,
            array_based_stream_maximum_output_length=stream_limit,
            zlib_maximum_output_length=stream_limit,
            lzw_maximum_output_length=stream_limit,
            run_length_maximum_output_length=stream_limit,
            brotli_maximum_output_length=stream_limit,
            jbig2_maximum_output_length=stream_limit,
            image_maximum_buffer_size=stream_limit,
            page_tree_maximum_entries=2 * limits.max_pages + 100,  # /Pages nodes count too
            jbig2dec_binary=None,  # never start another program
        ):
            parsed = _read_pdf_pages(pypdf.PdfReader(path, strict=False), limits)
    except LimitReachedError as error:
        raise too_complex(FileKind.PDF, detail=str(error)[:500]) from None
    if watcher.reached:
        raise too_complex(FileKind.PDF, detail=watcher.reached)
    return parsed


def _read_pdf_pages(reader: Any, limits: ParseLimits) -> ParsedDocument:
    if reader.is_encrypted:
        raise RefusedFile(RefusalReason.ENCRYPTED, _ENCRYPTED)
    catalog = reader.root_object
    # Refuse a huge claimed /Count before pypdf walks the page tree.
    claimed = catalog["/Pages"].get("/Count")
    claimed = claimed.get_object() if claimed is not None else 0
    if isinstance(claimed, int) and claimed > limits.max_pages:
        raise _too_many_pages(limits, f"/Count {claimed}")
    active = _active_content(catalog)
    if active:
        raise RefusedFile(RefusalReason.ACTIVE_CONTENT, _ACTIVE_CONTENT, detail=active)
    pages = reader.pages
    if len(pages) > limits.max_pages:
        raise _too_many_pages(limits, f"{len(pages)} pages")
    if not len(pages):
        raise damaged_file(FileKind.PDF, detail="no pages")
    texts, chars = [], 0
    for page in pages:
        texts.append(page.extract_text())
        chars += len(texts[-1])
        check_text_size(FileKind.PDF, chars, limits)
    return ParsedDocument(page_count=len(texts), pages=texts)


def _too_many_pages(limits: ParseLimits, detail: str) -> RefusedFile:
    message = _TOO_MANY_PAGES.format(limit=limits.max_pages)
    return RefusedFile(RefusalReason.TOO_MANY_PAGES, message, detail=detail)


def _active_content(catalog: Any) -> str:
    """Describe the first JavaScript or launch action reachable from the catalog, or ''.

    Every object a viewer could reach is visited once (names trees, OpenAction, /AA on
    the document, pages, annotations and form fields, link actions), so an action
    cannot hide behind an unusual path. pypdf has already decoded #xx escapes in names.
    """
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack: list[Any] = [catalog]
    seen: set[tuple[int, int]] = set()
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            if (node.idnum, node.generation) in seen:
                continue
            seen.add((node.idnum, node.generation))
            node = node.get_object()
        visited += 1
        if visited > _MAX_PDF_OBJECTS:
            raise too_complex(FileKind.PDF, detail=f"more than {_MAX_PDF_OBJECTS} objects")
        if isinstance(node, DictionaryObject):
            if "/JS" in node or "/JavaScript" in node:
                return "JavaScript"
            action = node.get("/S")
            if isinstance(action, IndirectObject):
                action = action.get_object()
            if action in _ACTIVE_ACTIONS:
                return f"{action} action"
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return ""
