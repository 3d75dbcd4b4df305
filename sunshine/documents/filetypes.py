"""Decide what an uploaded file is from its bytes, never from its name (DESIGN.md idea 4).

We accept PDF, Word (.docx), PNG, JPEG and UTF-8 plain text; everything else is refused
with a message a member of the public can act on. ``sniff`` is a quick look at the head
of the file (ZIPs are handed to ``docx_checks``); ``parsing.parse_document`` then reads
the whole file in a sandboxed child and re-checks what only the whole file can show (the
full ZIP directory, PDF actions). ``FileKind`` and the refusal types live in ``refusals``
and are imported from here.
Pure: no Flask, no database, standard library only (the parsing child imports this too).
"""

from __future__ import annotations

import codecs
import re
import struct
import unicodedata
import zlib

from sunshine.documents.docx_checks import sniff_zip
from sunshine.documents.refusals import (
    ACCEPTED_TYPES,
    FileKind,
    RefusalReason,
    RefusedFile,
    archive_not_accepted,
    damaged_file,
    not_accepted,
)

__all__ = [
    "ACCEPTED_TYPES",
    "SNIFF_BYTES",
    "FileKind",
    "RefusalReason",
    "RefusedFile",
    "decode_text",
    "safe_display_name",
    "sniff",
]

# How much of a file ``sniff`` reads for text and markup. Word files are the exception:
# see ``sniff``.
SNIFF_BYTES = 64 * 1024


# --- Messages -------------------------------------------------------------------------

_PROGRAM = (
    "This file is a program or script, which we never accept. "
    "If you meant to send a document, choose that file instead."
)
_OLD_OFFICE = (
    "This file is in an older Microsoft Office format (.doc, .xls or .ppt), or is a "
    "password-protected Office file. Save it as .docx without a password, or as PDF, and try again."
)
_PROTECTED_OFFICE = (
    "This Office document is password-protected, so we can't read it. "
    "Remove the password (or save it as PDF without one) and try again."
)
_TEXT_ENCODING = (
    "This text file isn't saved as UTF-8, so we can't read it reliably. Save it again choosing "
    "the UTF-8 encoding (in Notepad: File, Save As, Encoding: UTF-8), or save it as PDF, and try again."
)
_EMPTY = "This file is empty. Check that you chose the right file and try again."
_SVG = "This file is an SVG drawing, which can carry active content. Export it as PNG or PDF and try again."
_HTML = (
    "This file is a web page (HTML){claimed}. Web pages can carry active content, so we don't "
    "accept them. Save the page as PDF (in your browser: Print, then Save as PDF) and try again."
)


# --- Sniffing -------------------------------------------------------------------------

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A JPEG starts with SOI then another marker: APPn, DQT, DHT, SOFn, DRI or COM.
_JPEG = re.compile(rb"\xff\xd8\xff[\xc0-\xc7\xc9-\xcf\xdb\xdd\xe0-\xef\xfe]")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE2_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Windows (MZ with a binary header), ELF, Mach-O (both byte orders, 32/64-bit, universal)
# and scripts with an interpreter line.
_EXECUTABLE = re.compile(
    rb"MZ[^\x00]{0,62}\x00|\x7fELF|\xfe\xed\xfa[\xce\xcf]|[\xce\xcf]\xfa\xed\xfe|\xca\xfe\xba\xbe|#!\s*/"
)
# Formats people often try to send, named so the message can say what the file is.
_KNOWN_REFUSED = (
    (re.compile(rb"GIF8[79]a"), "a GIF image", RefusalReason.UNSUPPORTED_TYPE),
    (re.compile(rb"II\*\x00|MM\x00\*"), "a TIFF image", RefusalReason.UNSUPPORTED_TYPE),
    (re.compile(rb"RIFF.{4}WEBP", re.DOTALL), "a WebP image", RefusalReason.UNSUPPORTED_TYPE),
    (
        re.compile(rb".{4}ftyp(?:heic|heix|hevc|heim|heis|mif1|msf1)", re.DOTALL),
        "a HEIC photo",
        RefusalReason.UNSUPPORTED_TYPE,
    ),
    (re.compile(rb"\{\\rtf"), "a Rich Text (.rtf) document", RefusalReason.UNSUPPORTED_TYPE),
    (re.compile(rb"%!PS"), "a PostScript file", RefusalReason.UNSUPPORTED_TYPE),
    (re.compile(rb"\x1f\x8b"), "a compressed (gzip) archive", RefusalReason.ARCHIVE),
    (re.compile(rb"Rar!\x1a\x07"), "a RAR archive", RefusalReason.ARCHIVE),
    (re.compile(rb"7z\xbc\xaf\x27\x1c"), "a 7-Zip archive", RefusalReason.ARCHIVE),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = codecs.BOM_UTF8

# Markup a browser would run if it ever rendered the file. Looked for anywhere in the
# head, not only at the start, because browsers sniff past leading text.
_HTML_TAG = re.compile(
    r"<\s*(?:!doctype\s+html|html|head|body|script|iframe|frameset|object|embed|meta|base)\b",
    re.IGNORECASE,
)
_SVG_TAG = re.compile(r"<\s*svg\b", re.IGNORECASE)
# C0 controls and DEL, except tab, line feed, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MAX_CONTROL_RATIO = 0.02


def sniff(data_head: bytes, filename: str) -> FileKind:
    """Decide the type of an upload from its content; the name only words the messages.

    Pass the whole file (uploads are capped at 25 MB), or at least its first
    ``SNIFF_BYTES``: a head is enough for every type except a Word file that keeps its
    [Content_Types].xml at the end, as LibreOffice and Excel do, which is recognised
    only from the whole file. A file called ``photo.png`` holding a PDF is a PDF.
    Raises ``RefusedFile`` for anything we do not accept, including .docm and other
    macro-bearing Word files, HTML and SVG, programs, other archives and formats.
    """
    if not data_head:
        raise RefusedFile(RefusalReason.EMPTY, _EMPTY)
    if data_head.startswith(b"%PDF-"):
        return FileKind.PDF
    if data_head.startswith(_PNG_SIGNATURE):
        return _sniff_png(data_head)
    if _JPEG.match(data_head):
        return FileKind.JPEG
    if data_head.startswith(b"PK\x03\x04"):
        return sniff_zip(data_head)
    if data_head.startswith((b"PK\x05\x06", b"PK\x07\x08")):
        raise archive_not_accepted()
    if data_head.startswith(_OLE2):
        if _OLE2_ENCRYPTED_PACKAGE in data_head:
            raise RefusedFile(RefusalReason.ENCRYPTED, _PROTECTED_OFFICE)
        raise RefusedFile(RefusalReason.UNSUPPORTED_TYPE, _OLD_OFFICE)
    if _EXECUTABLE.match(data_head):
        raise RefusedFile(RefusalReason.EXECUTABLE, _PROGRAM)
    for pattern, what, reason in _KNOWN_REFUSED:
        if pattern.match(data_head):
            raise not_accepted(what, reason)
    if data_head.startswith(_UTF16_BOMS):
        raise RefusedFile(RefusalReason.TEXT_ENCODING, _TEXT_ENCODING)
    return _sniff_text(data_head, filename)


def _sniff_png(head: bytes) -> FileKind:
    # The first chunk must be a 13-byte IHDR with a correct CRC and non-zero dimensions.
    if len(head) < 33:
        raise damaged_file(FileKind.PNG, detail="shorter than a PNG header")
    length, chunk_type = struct.unpack_from(">I4s", head, 8)
    body = head[16:29]
    (crc,) = struct.unpack_from(">I", head, 29)
    width, height = struct.unpack_from(">II", body)
    if length != 13 or chunk_type != b"IHDR" or zlib.crc32(chunk_type + body) != crc or not width * height:
        raise damaged_file(FileKind.PNG, detail="bad IHDR chunk")
    return FileKind.PNG


def _sniff_text(head: bytes, filename: str) -> FileKind:
    text = decode_text(head[:SNIFF_BYTES], complete=False)
    is_html = _HTML_TAG.search(text) is not None
    if _SVG_TAG.search(text) and not is_html:
        raise RefusedFile(RefusalReason.SVG, _SVG)
    if is_html:
        raise RefusedFile(RefusalReason.HTML, _HTML.format(claimed=_claimed_suffix(filename)))
    return FileKind.TEXT


def decode_text(data: bytes, *, complete: bool = True) -> str:
    """The text of a plain-text file: UTF-8 (a BOM is allowed), no NUL, few control characters.

    With ``complete=False`` a character cut off at the end of ``data`` (a head) is dropped
    rather than refused. Raises ``RefusedFile`` for anything else.
    """
    data = data.removeprefix(_UTF8_BOM)
    if b"\x00" in data:
        raise not_accepted("in a format we don't recognise")
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=complete)
    except UnicodeDecodeError:
        raise RefusedFile(RefusalReason.TEXT_ENCODING, _TEXT_ENCODING) from None
    if _CONTROL.subn("", text)[1] > _MAX_CONTROL_RATIO * len(text):
        raise not_accepted("in a format we don't recognise")
    return text


_ACCEPTED_SUFFIXES = {".pdf", ".docx", ".png", ".jpg", ".jpeg", ".txt"}


def _claimed_suffix(filename: str) -> str:
    """ " even though its name ends in .png" when the name claims a type we accept."""
    stem, dot, suffix = safe_display_name(filename).rpartition(".")
    suffix = f".{suffix.lower()}"
    return f" even though its name ends in {suffix}" if stem and dot and suffix in _ACCEPTED_SUFFIXES else ""


# --- Display names --------------------------------------------------------------------

DISPLAY_NAME_MAX = 120
_FALLBACK_NAME = "document"


def safe_display_name(filename: str) -> str:
    """The original file name, made safe to show: display text only, never a path.

    Drops any directory part (``/`` or ``\\``), control and formatting characters
    (including the right-to-left override used to disguise ``exe.pdf``), folds other
    whitespace to single spaces, keeps letters in any script, and caps the length at
    ``DISPLAY_NAME_MAX`` characters while keeping a short extension.
    """
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rpartition("/")[2]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category[0] == "Z" or char in "\t\n\r\f\v":
            kept.append(" ")
        elif category[0] != "C":  # Cc control, Cf format, Cs surrogate, Co private, Cn unassigned
            kept.append(char)
    name = " ".join("".join(kept).split())
    if not name.strip("."):
        return _FALLBACK_NAME
    if len(name) > DISPLAY_NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and 0 < len(suffix) <= 10:
            name = stem[: DISPLAY_NAME_MAX - len(suffix) - 2].rstrip() + "…." + suffix
        else:
            name = name[: DISPLAY_NAME_MAX - 1].rstrip() + "…"
    return name
