"""Release packets: cover sheet, Bates numbers on every page, bounded memory (documents/packets.py)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, RectangleObject, TextStringObject
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.pdfgen.canvas import Canvas

from sunshine.documents.packets import (
    EnclosedRecord,
    PacketCover,
    PacketError,
    PacketOptions,
    PacketSource,
    WithheldItem,
    build_packet,
)

REPO = Path(__file__).resolve().parents[2]


def make_pdf(path: Path, pages: int, tag: str, size: tuple[float, float] = LETTER) -> Path:
    """A text PDF whose page n reads "<tag> page n" above a page of narrative."""
    canvas = Canvas(str(path), pagesize=size, invariant=1)
    for n in range(1, pages + 1):
        canvas.setFont("Helvetica", 10)
        canvas.drawString(72, size[1] - 72, f"{tag} page {n}")
        for line in range(40):
            canvas.drawString(
                72, size[1] - 90 - 14 * line, f"Line {line} of the narrative: the officer arrived."
            )
        canvas.showPage()
    canvas.save()
    return path


def make_source(tmp_path: Path, pages: int, tag: str) -> PacketSource:
    return PacketSource(make_pdf(tmp_path / f"{tag}.pdf", pages, tag), f"Report {tag}", "Patrol Division")


def make_cover(**overrides: object) -> PacketCover:
    values: dict = {
        "body_name": "Example City Police Department",
        "tracking_number": "2026-0042",
        "prepared_on": date(2026, 2, 12),
        "requester_label": "Alex Requester",
        "withheld": [
            WithheldItem("Names of juveniles in the narrative", ["211.321", "610.021(14)"]),
            WithheldItem("Dispatch radio access codes", ["610.021(20)"]),
        ],
        "enclosed": [EnclosedRecord("Body-worn camera video, one disc", "Patrol Division")],
        "notes": "Fees were waived.",
    }
    return PacketCover(**(values | overrides))


def text_of(path: Path, index: int) -> str:
    """The page's text with runs of white space made one space (table cells wrap)."""
    return " ".join(PdfReader(path).pages[index].extract_text().split())


SIZES = [130, 70, 50, 30, 19]  # 299 pages: with the cover, 300; the first crosses stamp chunks


@pytest.fixture(scope="module")
def packet(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp_path = tmp_path_factory.mktemp("packet")
    sources = [make_source(tmp_path, pages, f"R{i}") for i, pages in enumerate(SIZES)]
    calls: list[tuple[int, int]] = []
    options = PacketOptions(title="Release 2026-0042", author="Records Custodian", subject="Incident 17")
    result = build_packet(
        make_cover(), sources, tmp_path / "packet.pdf", options, progress=lambda *a: calls.append(a)
    )
    return {"path": tmp_path / "packet.pdf", "result": result, "calls": calls}


def test_packet_has_the_cover_and_every_source_page(packet: dict) -> None:
    result, reader = packet["result"], PdfReader(packet["path"])
    assert result.page_count == len(reader.pages) == 1 + sum(SIZES) == 300
    assert (result.first_bates, result.last_bates, result.next_number) == ("SUN000001", "SUN000300", 301)
    assert "R0 page 1" in reader.pages[1].extract_text()
    assert "R4 page 19" in reader.pages[299].extract_text()


def test_every_page_carries_its_own_bates_number(packet: dict) -> None:
    reader = PdfReader(packet["path"])
    # First, middle and last pages, both sides of each stamp chunk, and a sample of the rest.
    for index in sorted({0, 1, 64, 65, 66, 150, 298, 299, *range(0, 300, 9)}):
        text = reader.pages[index].extract_text()
        assert f"SUN{index + 1:06d}" in text.splitlines()[-1], index


def test_cover_lists_records_with_their_bates_ranges(packet: dict) -> None:
    cover = text_of(packet["path"], 0)
    for expected in ["Example City Police Department", "2026-0042", "12 February 2026", "Alex Requester"]:
        assert expected in cover
    assert "Report R0" in cover and "SUN000002 to SUN000131" in cover
    assert "Report R4" in cover and "SUN000282 to SUN000300" in cover
    assert "Body-worn camera video, one disc" in cover  # released outside the file
    assert "Fees were waived." in cover


def test_cover_describes_what_was_withheld_and_why(packet: dict) -> None:
    cover = text_of(packet["path"], 0)
    assert "610.024" in cover
    assert "Names of juveniles in the narrative" in cover and "211.321; 610.021(14)" in cover
    assert "Dispatch radio access codes" in cover and "610.021(20)" in cover


def test_metadata_and_digest_describe_the_file(packet: dict) -> None:
    metadata = PdfReader(packet["path"]).metadata
    assert (metadata.title, metadata.author, metadata.subject) == (
        "Release 2026-0042",
        "Records Custodian",
        "Incident 17",
    )
    assert metadata.producer == "Sunshine"
    assert packet["result"].sha256 == hashlib.sha256(packet["path"].read_bytes()).hexdigest()


def test_progress_runs_from_zero_to_every_page(packet: dict) -> None:
    calls = packet["calls"]
    assert calls[0] == (0, 300) and calls[-1] == (300, 300)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_metadata_defaults_come_from_the_cover(tmp_path: Path) -> None:
    build_packet(make_cover(), [], tmp_path / "p.pdf")
    metadata = PdfReader(tmp_path / "p.pdf").metadata
    assert "2026-0042" in metadata.title and metadata.author == "Example City Police Department"


def test_no_sources_gives_a_cover_only_packet(tmp_path: Path) -> None:
    result = build_packet(make_cover(withheld=[]), [], tmp_path / "p.pdf")
    assert result.page_count == len(PdfReader(tmp_path / "p.pdf").pages) == 1
    assert result.first_bates == result.last_bates == "SUN000001"
    cover = text_of(tmp_path / "p.pdf", 0)
    assert "Nothing was withheld" in cover and "SUN000001" in cover


def test_long_withheld_list_continues_onto_more_cover_pages(tmp_path: Path) -> None:
    withheld = [
        WithheldItem(f"Item {n}: " + "a long general description " * 12, ["610.100.3"]) for n in range(40)
    ]
    source = make_source(tmp_path, 3, "R")
    result = build_packet(make_cover(withheld=withheld), [source], tmp_path / "p.pdf")
    reader = PdfReader(tmp_path / "p.pdf")
    cover_pages = next(i for i, page in enumerate(reader.pages) if "R page 1" in page.extract_text())
    assert cover_pages > 1 and result.page_count == cover_pages + 3
    cover = " ".join(text_of(tmp_path / "p.pdf", index) for index in range(cover_pages))
    assert "Item 0:" in cover and "Item 39:" in cover
    first_record = f"SUN{cover_pages + 1:06d}"
    assert f"{first_record} to SUN{cover_pages + 3:06d}" in cover
    assert first_record in text_of(tmp_path / "p.pdf", cover_pages)


def test_start_number_continues_a_series(tmp_path: Path) -> None:
    options = PacketOptions(bates_prefix="CITY-PD")
    first = build_packet(make_cover(), [make_source(tmp_path, 4, "A")], tmp_path / "1.pdf", options)
    assert first.last_bates == "CITY-PD000005"
    later = PacketOptions(bates_prefix="CITY-PD", start_number=first.next_number)
    second = build_packet(make_cover(), [make_source(tmp_path, 2, "B")], tmp_path / "2.pdf", later)
    assert (second.first_bates, second.last_bates) == ("CITY-PD000006", "CITY-PD000008")
    assert "CITY-PD000006" in text_of(tmp_path / "2.pdf", 0)


@pytest.mark.parametrize("prefix", ["", "SUN 1", "SÜN", "SUN/", "SUN_", "ABCDEFGHIJKLMNOPQRSTUVWXY", "SUN\n"])
def test_bates_prefix_must_be_short_letters_digits_or_dashes(prefix: str) -> None:
    with pytest.raises(PacketError, match="prefix"):
        PacketOptions(bates_prefix=prefix)


@pytest.mark.parametrize("prefix", ["SUN", "CITY-PD", "A1", "ABCDEFGHIJKL"])
def test_reasonable_bates_prefixes_are_accepted(prefix: str) -> None:
    assert PacketOptions(bates_prefix=prefix).label(7) == f"{prefix}000007"


def test_numbers_that_would_outgrow_their_digits_are_refused(tmp_path: Path) -> None:
    options = PacketOptions(start_number=995, digits=3)
    with pytest.raises(PacketError, match="digits"):
        build_packet(make_cover(), [make_source(tmp_path, 10, "R")], tmp_path / "p.pdf", options)
    assert not list(tmp_path.glob("p.pdf*"))


def test_encrypted_source_is_refused_by_name(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "plain.pdf", 2, "S"))
    writer.encrypt("secret")
    writer.write(tmp_path / "locked.pdf")
    locked = PacketSource(tmp_path / "locked.pdf", "Sealed memo", "Internal Affairs")
    good = make_source(tmp_path, 2, "R")
    with pytest.raises(PacketError, match=r'"Sealed memo" is encrypted'):
        build_packet(make_cover(), [good, locked], tmp_path / "p.pdf")
    assert not list(tmp_path.glob("p.pdf*"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<html><body>not a pdf</body></html>", "not a readable PDF"),
        (b"", "not a readable PDF"),
        (None, "cannot be opened"),
    ],
)
def test_unreadable_source_is_refused_by_name(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "bad.pdf"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(PacketError, match=message) as refused:
        build_packet(make_cover(), [PacketSource(path, "Tow log", "Traffic")], tmp_path / "p.pdf")
    assert "Tow log" in str(refused.value)
    assert not list(tmp_path.glob("p.pdf*"))


def test_damaged_page_is_refused_by_page_and_record_leaving_nothing(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "R.pdf", 3, "R"))
    writer.pages[1].mediabox = RectangleObject([0, 0, 0, 0])
    writer.write(tmp_path / "damaged.pdf")
    sources = [make_source(tmp_path, 2, "A"), PacketSource(tmp_path / "damaged.pdf", "Tow log", "Traffic")]
    with pytest.raises(PacketError, match='Page 2 of "Tow log" cannot be copied'):
        build_packet(make_cover(), sources, tmp_path / "p.pdf")
    assert not list(tmp_path.glob("p.pdf*"))


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    source = make_source(tmp_path, 3, "R")
    one = build_packet(make_cover(), [source], tmp_path / "1.pdf")
    two = build_packet(make_cover(), [source], tmp_path / "2.pdf")
    assert one.sha256 == two.sha256


def test_filled_form_fields_are_drawn_and_links_and_actions_are_dropped(tmp_path: Path) -> None:
    canvas = Canvas(str(tmp_path / "form.pdf"))
    canvas.drawString(72, 700, "Property receipt")
    canvas.acroForm.textfield(
        name="officer", value="Officer Jane Q Public", x=72, y=600, width=300, height=20
    )
    canvas.linkURL("https://example.com", (72, 690, 200, 712))
    canvas.showPage()
    canvas.save()
    writer = PdfWriter(clone_from=tmp_path / "form.pdf")
    script = {
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject("app.alert(1)"),
    }
    writer.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): DictionaryObject(script)})
    writer.write(tmp_path / "active.pdf")
    build_packet(
        make_cover(), [PacketSource(tmp_path / "active.pdf", "Receipt", "Property")], tmp_path / "p.pdf"
    )
    reader = PdfReader(tmp_path / "p.pdf")
    page = reader.pages[1]
    assert "Officer Jane Q Public" in page.extract_text()
    assert "/Annots" not in page and "/AA" not in page
    assert "/AcroForm" not in reader.trailer["/Root"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_stamp_sits_bottom_right_of_rotated_and_landscape_pages(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=make_pdf(tmp_path / "upright.pdf", 4, "R"))
    for page, angle in zip(writer.pages, [0, 90, 180, 270], strict=True):
        page.rotate(angle)
    writer.write(tmp_path / "turned.pdf")
    sources = [
        PacketSource(tmp_path / "turned.pdf", "Turned", "Patrol"),
        PacketSource(make_pdf(tmp_path / "wide.pdf", 1, "W", landscape(LETTER)), "Wide", "Patrol"),
    ]
    build_packet(make_cover(), sources, tmp_path / "p.pdf")
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(tmp_path / "p.pdf"), "-"], capture_output=True, check=True
    )
    pages = bbox.stdout.decode().split("<page ")[1:]
    # pdftotext gives positions on the page as shown, measured from its top left.
    for index, (shown_width, shown_height) in enumerate(
        [(612, 792), (792, 612), (612, 792), (792, 612), (792, 612)]
    ):
        label = f"SUN{index + 2:06d}"
        (x_max, y_max), *_ = [
            (float(x), float(y)) for x, y, word in WORD.findall(pages[index + 1]) if word == label
        ]
        assert shown_width - 40 < x_max <= shown_width and shown_height - 30 < y_max <= shown_height, label


WORD = re.compile(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, resource, sys, time
    from datetime import date
    from pathlib import Path
    from sunshine.documents.packets import PacketCover, PacketSource, build_packet

    folder = Path(sys.argv[1])
    sources = [PacketSource(p, p.stem, "Records") for p in sorted(folder.glob("src*.pdf"))]
    started = time.perf_counter()
    result = build_packet(PacketCover("Example City", "T-1", date(2026, 2, 12)), sources, folder / "out.pdf")
    seconds = time.perf_counter() - started
    # VmHWM is this address space's own peak. ru_maxrss would not do: Linux carries it
    # across exec, so it would report the forking test runner's size, not ours.
    status = open("/proc/self/status").read()
    peak_kib = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
    print(json.dumps({"pages": result.page_count, "peak_mib": peak_kib / 1024, "seconds": seconds}))
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/status (Linux)")
def test_building_a_1000_page_packet_keeps_memory_bounded(tmp_path: Path) -> None:
    for n in range(4):
        make_pdf(tmp_path / f"src{n}.pdf", 250, f"S{n}")
    # The child reports its own peak: this process's RUSAGE_CHILDREN would also count other tests' children.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(tmp_path)],
        capture_output=True,
        check=True,
        env=env,
        timeout=300,
    )
    figures = json.loads(child.stdout.decode().splitlines()[-1])
    assert figures["pages"] == 1001 == len(PdfReader(tmp_path / "out.pdf").pages)
    assert figures["peak_mib"] < 300, figures  # measured about 100 MiB, most of it imports


@pytest.mark.parametrize("prefix", ["SUN-2026-000006-", "ABCDEFGHIJKLMNOPQRSTUVWX"])
def test_cover_prints_each_bates_number_on_one_line(tmp_path: Path, prefix: str) -> None:
    options = PacketOptions(bates_prefix=prefix, digits=10)
    build_packet(make_cover(), [make_source(tmp_path, 3, "A")], tmp_path / "p.pdf", options)
    cover = PdfReader(tmp_path / "p.pdf").pages[0].extract_text()
    # The summary line, the table's rows and the page's own stamp: each number whole, never wrapped.
    counts = {options.label(1): 3, options.label(2): 1, options.label(4): 2}
    assert {label: cover.count(label) for label in counts} == counts
