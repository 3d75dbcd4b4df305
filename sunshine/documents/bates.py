"""Bates-stamped copies of pages: each page copied into a ``PdfOut`` with its number drawn on it.

Content streams are never rewritten: a page's /Contents becomes ``[q] + original + [Q, stamp]``,
where ``merge_page`` would parse and re-serialise each one. The stamp is a reportlab page made a Form
XObject, one per number (a cached overlay per page size cannot carry a changing number), drawn a
batch per canvas to share a font. The copy keeps no annotations, so what a printout shows of them is
drawn into the page first.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)
from reportlab.pdfgen.canvas import Canvas

from sunshine.documents.pdf_stream import Copier, PdfOut, dictionary, reference, stream

# Page entries carried over; annotations are drawn (see _annotations), the rest are dropped.
_PAGE_KEYS = ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox", "/Rotate", "/UserUnit", "/Group")
_NOT_DRAWN = ("/Link", "/Popup", "/Redact")  # a drawn /Redact would be a box over text still there
Place = tuple[float, float, tuple[float, ...]]  # shown width and height; shown-to-page matrix


def placement(page: PageObject) -> Place:
    """The page's size as shown, and the matrix from shown coordinates to its own (after /Rotate).

    Raises ``ValueError`` for a page with no area.
    """
    box = page.cropbox
    x0, x1 = sorted((float(box.left), float(box.right)))
    y0, y1 = sorted((float(box.bottom), float(box.top)))
    if x1 - x0 < 1 or y1 - y0 < 1:
        raise ValueError("page has no area")
    rotate = int(page.get("/Rotate", 0)) % 360
    matrix = {90: (0, 1, -1, 0, x1, y0), 180: (-1, 0, 0, -1, x1, y1), 270: (0, -1, 1, 0, x0, y1)}
    width, height = (y1 - y0, x1 - x0) if rotate in (90, 270) else (x1 - x0, y1 - y0)
    return width, height, matrix.get(rotate, (1, 0, 0, 1, x0, y0))


def stamps(out: PdfOut, labels: list[str], places: list[Place]) -> list[IndirectObject]:
    """Draw each label bottom right of a page of its page's shown size; write each as a Form XObject."""
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, pageCompression=0)
    for label, (width, height, _) in zip(labels, places, strict=True):
        canvas.setPageSize((width, height))
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(width - 18, 12, label)
        canvas.showPage()
    canvas.save()
    copier, forms = Copier(out), []
    for drawn, (width, height, _) in zip(PdfReader(buf).pages, places, strict=True):
        form = {
            "/Type": NameObject("/XObject"),
            "/Subtype": NameObject("/Form"),
            "/BBox": ArrayObject(FloatObject(v) for v in (0, 0, width, height)),
            "/Resources": copier.copy(drawn["/Resources"].get_object()),
        }
        forms.append(out.add(stream(drawn["/Contents"].get_object().get_data(), form)))
    copier.flush()
    return forms


def copy_page(
    out: PdfOut, copier: Copier, page: PageObject, stamp: IndirectObject, matrix: Sequence[float]
) -> int:
    """Write ``page`` with its printed annotations drawn in and ``stamp`` drawn on top through
    ``matrix`` (from ``placement``); return its object number. The caller flushes ``copier``."""
    new = dictionary({"/Type": NameObject("/Page"), "/Parent": reference(PdfOut.PAGES)})
    new.update({NameObject(k): copier.copy(page[k]) for k in _PAGE_KEYS if k in page})
    resources = _resolve(page.get("/Resources"), DictionaryObject)
    new_resources = dictionary({k: copier.copy(v) for k, v in resources.items() if k != "/XObject"})
    xobjects = dictionary(
        {k: copier.copy(v) for k, v in _resolve(resources.get("/XObject"), DictionaryObject).items()}
    )
    drawn = _annotations(page, copier, xobjects)
    name = _fresh_name(xobjects, "/SunshineBates")
    xobjects[NameObject(name)] = stamp
    new_resources[NameObject("/XObject")] = xobjects
    new[NameObject("/Resources")] = new_resources
    contents = page.get("/Contents")
    parts = _resolve(contents, ArrayObject) if isinstance(_resolve(contents), ArrayObject) else [contents]
    tail = out.add(stream(f"\nQ {drawn}q {_numbers(matrix)} cm {name} Do Q\n".encode()))
    originals = [copier.copy(p) for p in parts if p is not None]
    new[NameObject("/Contents")] = ArrayObject([out.open_state, *originals, tail])
    return out.add(new).idnum


def _annotations(page: PageObject, copier: Copier, xobjects: DictionaryObject) -> str:
    """Draw into the page what a printout shows of its annotations: filled-in form fields, stamps,
    markup. Links, actions, fields, notes that do not print and unapplied redactions are not carried."""
    ops = []
    for ref in _resolve(page.get("/Annots"), ArrayObject):
        annot = _resolve(ref, DictionaryObject)
        flags = int(annot.get("/F", 0))
        if annot.get("/Subtype") in _NOT_DRAWN or flags & 2 or not flags & 4:  # hidden, or not printed
            continue
        normal = _resolve(annot.get("/AP"), DictionaryObject).get("/N")
        if not isinstance(_resolve(normal), StreamObject):  # a dict of states, e.g. a check box
            normal = _resolve(normal, DictionaryObject).get(annot.get("/AS", "/Off"))
        appearance = _resolve(normal)
        if not isinstance(normal, IndirectObject) or not isinstance(appearance, StreamObject):
            continue
        a, b, c, d, e, f = (float(v) for v in appearance.get("/Matrix", (1, 0, 0, 1, 0, 0)))
        x0, y0, x1, y1 = (float(v) for v in appearance["/BBox"])
        corners = [(x * a + y * c + e, x * b + y * d + f) for x in (x0, x1) for y in (y0, y1)]
        left, bottom = min(p[0] for p in corners), min(p[1] for p in corners)
        right, top = max(p[0] for p in corners), max(p[1] for p in corners)
        r0, r1 = sorted(float(v) for v in annot["/Rect"][::2])
        s0, s1 = sorted(float(v) for v in annot["/Rect"][1::2])
        if right - left <= 0 or top - bottom <= 0:
            continue
        sx, sy = (r1 - r0) / (right - left), (s1 - s0) / (top - bottom)
        name = _fresh_name(xobjects, "/SunshineAnnot")
        xobjects[NameObject(name)] = copier.copy(normal)
        ops.append(f"q {_numbers((sx, 0, 0, sy, r0 - sx * left, s0 - sy * bottom))} cm {name} Do Q ")
    return "".join(ops)


def _resolve(value: Any, kind: type | None = None) -> Any:
    """``value`` with references followed; with ``kind``, an empty ``kind()`` if it is something else."""
    value = value.get_object() if isinstance(value, IndirectObject) else value
    return value if kind is None or isinstance(value, kind) else kind()


def _fresh_name(names: DictionaryObject, stem: str) -> str:
    return next(f"{stem}{n}" for n in range(len(names) + 1) if f"{stem}{n}" not in names)


def _numbers(values: Sequence[float]) -> str:
    return " ".join(f"{v:.4f}".rstrip("0").rstrip(".") for v in values)
