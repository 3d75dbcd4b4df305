"""Whether a ZIP is an ordinary Word document, without unpacking it (DESIGN.md idea 4).

``sniff_zip`` answers from the bytes of an upload in the web process; ``docx_reader``
re-runs the same content-type and member-name checks on the whole archive in the
parsing child, before python-docx reads it. Macro-bearing (.docm, vbaProject),
ActiveX-bearing, other Office and path-climbing packages are refused here.
Pure: no Flask, no database, standard library only (the parsing child imports this too).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import NamedTuple
from xml.etree import ElementTree

from sunshine.documents.refusals import (
    FileKind,
    RefusalReason,
    RefusedFile,
    archive_not_accepted,
    damaged_file,
    not_accepted,
)

__all__ = [
    "CONTENT_TYPES_MAX_BYTES",
    "check_docx_content_types",
    "check_docx_member_name",
    "sniff_zip",
]

_MACRO_DOCM = (
    "This file is a macro-enabled Word document (.docm). Save it as an ordinary .docx or PDF and try again."
)
_MACRO_DOCX = (
    "This Word document contains macros, which we don't accept. "
    "Save it as an ordinary .docx or PDF and try again."
)
_ACTIVEX = (
    "This Word document contains ActiveX controls (active content), which we don't accept. "
    "Save it as PDF and try again."
)

_LOCAL_HEADER = struct.Struct("<4s2xHH8xI4xHH")  # signature, flags, method, size, name, extra
_END_OF_DIRECTORY = struct.Struct("<4s8xIIH")  # signature, directory size and offset, comment
_FLAG_DATA_DESCRIPTOR = 0x08
_FLAG_UTF8 = 0x800
_STORED, _DEFLATED = 0, 8
# Bounds on the work sniff does in the web process, whatever the archive claims.
_SNIFF_MAX_MEMBERS = 5_000
_SNIFF_MAX_DIRECTORY_BYTES = 1024 * 1024
# [Content_Types].xml is a few KB; anything near this is not a real Word file.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
_CONTENT_TYPES = "[Content_Types].xml"

WORD_MAIN_DOCUMENT = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_MACRO_MARKERS = ("macroenabled", "vbaproject", "vbadata")
_OTHER_OFFICE = (
    ("spreadsheetml", "an Excel workbook"),
    ("presentationml", "a PowerPoint presentation"),
    ("wordprocessingml.template", "a Word template (.dotx)"),
)


def sniff_zip(data: bytes) -> FileKind:
    """``FileKind.DOCX`` if ``data`` (a ZIP) is an ordinary Word document; else raise ``RefusedFile``."""
    names, content_types = _zip_contents(data)
    if content_types is None:
        raise archive_not_accepted()
    # Content types before names: they tell a .docm from a .docx carrying a stray macro.
    check_docx_content_types(content_types)
    for name in names:
        check_docx_member_name(name)
    return FileKind.DOCX


def _zip_contents(data: bytes) -> tuple[list[str], bytes | None]:
    """Member names and [Content_Types].xml (None if absent).

    From the central directory when ``data`` is the whole archive, since LibreOffice and
    Excel write the content types last; otherwise from the local headers in the head.
    """
    archive = _whole_archive(data)
    if archive is None:
        entries = list(_local_entries(data))
        found = next((entry for entry in entries if entry.name == _CONTENT_TYPES), None)
        return [entry.name for entry in entries], _local_member(data, found) if found else None
    with archive:
        names = [member.orig_filename for member in archive.infolist()]
        if _CONTENT_TYPES not in names:
            return names, None
        if archive.getinfo(_CONTENT_TYPES).file_size >= CONTENT_TYPES_MAX_BYTES:
            raise damaged_file(FileKind.DOCX, detail="[Content_Types].xml too large")
        try:
            return names, archive.read(_CONTENT_TYPES)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
            raise damaged_file(FileKind.DOCX, detail=f"[Content_Types].xml: {error}") from None


def _whole_archive(data: bytes) -> zipfile.ZipFile | None:
    """The archive, if ``data`` ends with its (small, comment-free) central directory."""
    if len(data) < _END_OF_DIRECTORY.size:
        return None
    signature, directory_size, _, comment_length = _END_OF_DIRECTORY.unpack_from(
        data, len(data) - _END_OF_DIRECTORY.size
    )
    if signature != b"PK\x05\x06" or comment_length or directory_size > _SNIFF_MAX_DIRECTORY_BYTES:
        return None
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None


class _LocalEntry(NamedTuple):
    name: str
    flags: int
    method: int
    data_start: int
    compressed_size: int


def _local_entries(head: bytes) -> Iterator[_LocalEntry]:
    """The members whose local headers lie in ``head``, in file order."""
    offset = 0
    for _ in range(_SNIFF_MAX_MEMBERS):
        if not head.startswith(b"PK\x03\x04", offset) or offset + _LOCAL_HEADER.size > len(head):
            return
        _, flags, method, size, name_length, extra_length = _LOCAL_HEADER.unpack_from(head, offset)
        name_start = offset + _LOCAL_HEADER.size
        raw_name = head[name_start : name_start + name_length]
        name = raw_name.decode("utf-8" if flags & _FLAG_UTF8 else "cp437", "replace")
        data_start = name_start + name_length + extra_length
        yield _LocalEntry(name, flags, method, data_start, size)
        if flags & _FLAG_DATA_DESCRIPTOR:
            return  # the size follows the data, so the next header cannot be found
        offset = data_start + size


def _local_member(head: bytes, entry: _LocalEntry) -> bytes:
    end = len(head) if entry.flags & _FLAG_DATA_DESCRIPTOR else entry.data_start + entry.compressed_size
    raw = head[entry.data_start : end]
    if entry.method == _STORED:
        return raw[:CONTENT_TYPES_MAX_BYTES]
    if entry.method == _DEFLATED:
        try:
            return zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, CONTENT_TYPES_MAX_BYTES)
        except zlib.error:
            raise damaged_file(FileKind.DOCX, detail="[Content_Types].xml does not inflate") from None
    raise damaged_file(FileKind.DOCX, detail=f"compression method {entry.method}")


def check_docx_member_name(name: str) -> None:
    """Refuse a package member that holds macros, or whose name could escape a folder."""
    parts = name.replace("\\", "/").split("/")
    if parts[-1].lower() == "vbaproject.bin":
        raise RefusedFile(RefusalReason.MACROS, _MACRO_DOCX)
    if "\x00" in name or not parts[0] or ".." in parts or re.match(r"[A-Za-z]:", parts[0]):
        raise damaged_file(FileKind.DOCX, detail=f"unsafe member name {name!r}")


def check_docx_content_types(xml: bytes) -> None:
    """Refuse a ZIP unless its [Content_Types].xml declares an ordinary Word document.

    Macro-enabled (.docm) and macro- or ActiveX-bearing packages, Excel, PowerPoint and
    other ZIPs are refused. The XML is parsed, not searched, so character references
    cannot hide a content type; a DTD (forbidden in OPC packages) is refused unread.
    """
    if len(xml) >= CONTENT_TYPES_MAX_BYTES or re.search(rb"<!(?:DOCTYPE|ENTITY)", xml, re.IGNORECASE):
        raise damaged_file(FileKind.DOCX, detail="[Content_Types].xml too large or has a DTD")
    try:
        root = ElementTree.fromstring(xml)  # noqa: S314  (no DTD, so no entity expansion)
    except ElementTree.ParseError as error:
        raise damaged_file(FileKind.DOCX, detail=f"[Content_Types].xml: {error}") from None
    types = [(element.get("ContentType") or "").strip().lower() for element in root.iter()]
    if any(marker in content_type for content_type in types for marker in _MACRO_MARKERS):
        is_docm = any("ms-word.document.macroenabled" in content_type for content_type in types)
        raise RefusedFile(RefusalReason.MACROS, _MACRO_DOCM if is_docm else _MACRO_DOCX)
    if any("activex" in content_type for content_type in types):
        raise RefusedFile(RefusalReason.ACTIVE_CONTENT, _ACTIVEX)
    if WORD_MAIN_DOCUMENT in types:
        return
    for marker, what in _OTHER_OFFICE:
        if any(marker in content_type for content_type in types):
            raise not_accepted(what, RefusalReason.ARCHIVE)
    raise archive_not_accepted()
