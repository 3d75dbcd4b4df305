"""A PDF written front to back, and the copying of another PDF's objects into it.

pypdf's ``PdfWriter`` keeps every object until ``write``; ``PdfOut`` writes each object as it is
made and keeps only its offset, so memory does not grow with the file. ``Copier`` brings one
reader's objects across, each once and renumbered, so shared fonts and images are written once per
source. Nothing here knows about packets or Bates numbers.
"""

from __future__ import annotations

import hashlib
from typing import Any, BinaryIO

from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)


def dictionary(entries: dict[str, Any]) -> DictionaryObject:
    """A PDF dictionary of ``entries``, its keys made names."""
    return DictionaryObject({NameObject(k): v for k, v in entries.items()})


def stream(data: bytes, entries: dict[str, Any] | None = None) -> StreamObject:
    """A stream of ``data`` as stored (no filter applied), with ``entries`` in its dictionary."""
    return StreamObject.initialize_from_dictionary({**dictionary(entries or {}), "__streamdata__": data})


def reference(number: int) -> IndirectObject:
    """A reference to object ``number`` of the file being written."""
    return IndirectObject(number, 0, None)


class PdfOut:
    """A PDF written front to back: each object goes out when made, the cross-reference table last."""

    CATALOG, PAGES, INFO = 1, 2, 3

    def __init__(self, fh: BinaryIO, version: str) -> None:
        self._fh, self._sha, self._pos = fh, hashlib.sha256(), 0
        self._offsets = [0, 0, 0]  # catalog, page tree and info: written by finish()
        self.kids: list[int] = []
        self.write(version.encode() + b"\n%\xe2\xe3\xcf\xd3\n")
        self.open_state = self.add(stream(b"q\n"))  # shared by every page

    def write(self, data: bytes) -> None:
        """Write raw bytes; pypdf's ``write_to_stream`` calls this, so the digest sees every byte."""
        self._fh.write(data)
        self._sha.update(data)
        self._pos += len(data)

    def allocate(self) -> int:
        """Reserve the next object number; ``put`` must write it before ``finish``."""
        self._offsets.append(0)
        return len(self._offsets)

    def put(self, number: int, obj: PdfObject) -> None:
        """Write ``obj`` as object ``number``."""
        self._offsets[number - 1] = self._pos
        self.write(b"%d 0 obj\n" % number)
        obj.write_to_stream(self)
        self.write(b"\nendobj\n")

    def add(self, obj: PdfObject) -> IndirectObject:
        """Write ``obj`` as a new object and return a reference to it."""
        number = self.allocate()
        self.put(number, obj)
        return reference(number)

    def finish(self, info: DictionaryObject) -> str:
        """Write the page tree, catalog, info, xref and trailer; return the file's SHA-256."""
        kids = ArrayObject(reference(k) for k in self.kids)
        self.put(
            self.PAGES,
            dictionary({"/Type": NameObject("/Pages"), "/Kids": kids, "/Count": NumberObject(len(kids))}),
        )
        self.put(self.CATALOG, dictionary({"/Type": NameObject("/Catalog"), "/Pages": reference(self.PAGES)}))
        self.put(self.INFO, info)
        xref, size = self._pos, len(self._offsets) + 1
        self.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        self.write(b"".join(b"%010d 00000 n \n" % offset for offset in self._offsets))
        file_id = ByteStringObject(self._sha.digest()[:16])  # same packet, same bytes, same id
        trailer = {
            "/Size": NumberObject(size),
            "/Root": reference(self.CATALOG),
            "/Info": reference(self.INFO),
            "/ID": ArrayObject([file_id, file_id]),
        }
        self.write(b"trailer\n")
        dictionary(trailer).write_to_stream(self)
        self.write(b"\nstartxref\n%d\n%%%%EOF\n" % xref)
        return self._sha.hexdigest()


class Copier:
    """Copies one reader's objects into the output, each once, renumbered; never another page tree."""

    def __init__(self, out: PdfOut) -> None:
        self._out = out
        self._numbers: dict[tuple[int, int], int] = {}
        self._pending: list[tuple[IndirectObject, int]] = []

    def copy(self, obj: PdfObject) -> PdfObject:
        """``obj`` for the output: references renumbered, their targets queued for ``flush``."""
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key not in self._numbers:
                self._numbers[key] = self._out.allocate()
                self._pending.append((obj, self._numbers[key]))
            return reference(self._numbers[key])
        if isinstance(obj, StreamObject):
            entries = {k: self.copy(v) for k, v in obj.items() if k != "/Length"}
            # The base class's get_data gives the bytes as stored, still encoded.
            return StreamObject.initialize_from_dictionary(
                {**entries, "__streamdata__": StreamObject.get_data(obj)}
            )
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({k: self.copy(v) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(v) for v in obj)
        return obj

    def flush(self) -> None:
        """Write every object referenced so far; pages and page trees become null objects."""
        while self._pending:
            ref, number = self._pending.pop()
            obj = ref.get_object()
            if obj is None or (isinstance(obj, DictionaryObject) and obj.get("/Type") in ("/Page", "/Pages")):
                obj = NullObject()
            self._out.put(number, self.copy(obj))
