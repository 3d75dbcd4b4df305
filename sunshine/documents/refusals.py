"""The kinds of upload we accept, and how we refuse everything else (DESIGN.md idea 4).

Shared by ``filetypes`` (sniffing), ``docx_checks`` and the parsing child, so it sits
below all of them. Callers import these names from ``filetypes``.
Pure: no Flask, no database, standard library only (the parsing child imports this too).
"""

from __future__ import annotations

import enum

__all__ = [
    "ACCEPTED_TYPES",
    "FileKind",
    "RefusalReason",
    "RefusedFile",
    "archive_not_accepted",
    "damaged_file",
    "not_accepted",
]

ACCEPTED_TYPES = "We accept PDF, Word (.docx), PNG, JPEG and plain-text files."


class FileKind(enum.StrEnum):
    """The file types we accept, as decided by their content."""

    PDF = "pdf"
    DOCX = "docx"
    PNG = "png"
    JPEG = "jpeg"
    TEXT = "text"

    @property
    def content_type(self) -> str:
        """The Content-Type header to serve the stored file with."""
        return _KIND_DETAILS[self][0]

    @property
    def extension(self) -> str:
        """The extension a download should carry, whatever the original name said."""
        return _KIND_DETAILS[self][1]

    @property
    def label(self) -> str:
        """How messages to the public name the type ("This PDF is damaged")."""
        return _KIND_DETAILS[self][2]


_KIND_DETAILS = {
    FileKind.PDF: ("application/pdf", ".pdf", "PDF"),
    FileKind.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
        "Word document",
    ),
    FileKind.PNG: ("image/png", ".png", "PNG image"),
    FileKind.JPEG: ("image/jpeg", ".jpg", "JPEG image"),
    FileKind.TEXT: ("text/plain; charset=utf-8", ".txt", "text file"),
}


class RefusalReason(enum.StrEnum):
    """Why a file was refused: recorded in the audit log, never shown on its own."""

    EMPTY = "empty"
    UNSUPPORTED_TYPE = "unsupported_type"
    HTML = "html"
    SVG = "svg"
    EXECUTABLE = "executable"
    ARCHIVE = "archive"
    MACROS = "macros"
    ACTIVE_CONTENT = "active_content"
    TEXT_ENCODING = "text_encoding"
    ENCRYPTED = "encrypted"
    DAMAGED = "damaged"
    TOO_MANY_PAGES = "too_many_pages"
    ARCHIVE_BOMB = "archive_bomb"
    TOO_COMPLEX = "too_complex"


class RefusedFile(ValueError):
    """An upload we will not accept. ``str(error)`` is the message for the person.

    ``reason_code`` is stable, for the audit log and the JSON API; ``detail`` is for
    staff logs only (it may quote parser internals) and is never shown to the public.
    """

    def __init__(self, reason_code: RefusalReason, message: str, *, detail: str = "") -> None:
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message
        self.detail = detail


_NOT_ACCEPTED = "This file is {what}. " + ACCEPTED_TYPES + " Save or export it as one of those and try again."
_ARCHIVE = (
    "This file is a ZIP archive, or a format built on one that we don't accept. "
    "Upload the documents one at a time instead. " + ACCEPTED_TYPES
)


def damaged_file(kind: FileKind, *, detail: str = "") -> RefusedFile:
    """The refusal for a file of ``kind`` that cannot be read as one."""
    return RefusedFile(
        RefusalReason.DAMAGED,
        f"This {kind.label} is damaged or incomplete, so we can't read it. "
        "It may not have finished downloading or copying. Save a fresh copy and try again.",
        detail=detail,
    )


def not_accepted(what: str, reason: RefusalReason = RefusalReason.UNSUPPORTED_TYPE) -> RefusedFile:
    """The refusal for a file recognised as ``what`` ("a GIF image"), a type we don't take."""
    return RefusedFile(reason, _NOT_ACCEPTED.format(what=what))


def archive_not_accepted() -> RefusedFile:
    """The refusal for a ZIP, or a ZIP-based format, that is not a Word document."""
    return RefusedFile(RefusalReason.ARCHIVE, _ARCHIVE)
