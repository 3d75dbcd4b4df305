"""Benchmark: text extraction and scan of a 500-page PDF, and assembly of a 1,000-page release packet.

Each of our figures is printed beside ``pdftotext`` (poppler-utils) reading the same file, and their
ratio, ours / pdftotext. pdftotext is not doing the same work: it is a reference cost, the time and
memory an optimised C reader needs to read every page of that file once. Target: the packet's peak
memory under 300 MB (286.1 MiB).

    .venv/bin/python bench/documents.py [--pages 500] [--packet-pages 1000] [--sources 4] [--repeats 3]
    .venv/bin/python bench/documents.py --small    # CI smoke run: 50 pages, a 100-page packet, 1 run

The files are generated with reportlab, deterministically: police incident reports of about 3,000
characters a page (letter size, Helvetica, compressed page streams), with a date of birth on every
tenth page and a Social Security number on every twenty-fifth, so the scan has something to find.
The packet's sources are ``--sources`` such reports sharing ``--packet-pages`` pages; the packet
adds its cover sheet.

How time and memory are measured. Every measured run starts a fresh interpreter
(``python bench/documents.py --step ...``), which imports what a job process imports (the
``sunshine`` package: Flask, SQLAlchemy, pypdf, reportlab), does one step, and reports its own
wall time and VmHWM from /proc/self/status: the peak resident set of that process since its exec,
imports included (printed separately as "at start"). ru_maxrss is not used: Linux carries it
across exec, so a process started by vfork/exec reports its parent's peak if that was larger.

- Extraction and scan: the worker calls ``parse_document(path, FileKind.PDF)`` with the default
  limits, then ``scan_pages(pages)``. ``parse_document`` reads the PDF in a child interpreter of
  its own (512 MiB address space, 60 s CPU). That child's peak cannot be read after it exits;
  sampling it can miss its last milliseconds, when the reply is encoded, and a sample taken
  between fork and exec reads the worker's image, not the child's. So the worker appends two
  lines to the child's bootstrap (``parsing._CHILD_BOOTSTRAP``) that, after the child's ``main()``
  has answered, copy its VmHWM into a file in the scratch directory: the child's exact peak, its
  work unchanged (checked once against 1 ms sampling after exec: the same figure). Printed are
  the child's peak (the reader, compared with pdftotext's), the worker's own peak (the job
  process, which receives every page's text and scans it), and their sum, an upper bound on the
  two processes' peak together. Times are wall clock: ``parse_document`` (child start-up,
  extraction, reply) and ``scan_pages``, separately and together.
- Packet: the worker calls ``build_packet(cover, sources, out_path)`` and reports its VmHWM. The
  packet is built in the calling process, so this is the job process's peak, against the target.
  As a control, a packet of one source (a quarter of the pages) is built once: if memory is
  bounded, the two peaks are close.
- pdftotext: ``pdftotext FILE -`` under GNU ``/usr/bin/time -f %M`` (ru_maxrss of a process that
  ``time`` forked and exec'd; time's own image, about 2 MiB, is far below pdftotext's; checked
  once against polling: the same figure), or, without GNU time, by polling VmHWM in
  /proc/<pid>/status every millisecond until it exits. Its stdout goes to a pipe this script
  reads, to compare the amount of text found.

Times are the median of ``--repeats`` runs, peaks the largest. Figures are MiB (2**20 bytes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness import proc_status_kib, verdict, vmhwm_kib  # noqa: E402
from incident_reports import make_reports  # noqa: E402

SMALL = {"pages": 50, "packet_pages": 100, "repeats": 1}
TARGET_PACKET_BYTES = 300_000_000  # "packet peak memory under 300 MB"
MIB = 2**20
W = 28  # label width in the printed figures
GNU_TIME = Path("/usr/bin/time")
FINGERPRINT_KEY = b"bench-documents-fingerprint-key"  # scan as the app does, with a key


# ---- measured steps, each in a fresh interpreter ----------------------------------------------


# Appended to parse_document's child bootstrap: after main() has answered, record the child's peak.
_CHILD_PEAK_REPORT = """
with open({path!r}, "w") as _bench_out:
    _bench_out.write(next(_l for _l in open("/proc/self/status") if _l.startswith("VmHWM:")))
"""


def step_parse(spec: dict) -> dict:
    from sunshine.documents import parsing
    from sunshine.documents.refusals import FileKind
    from sunshine.documents.scanner import scan_pages

    start_kib = proc_status_kib("VmRSS")
    peak_file = Path(spec["peak_file"])
    if "main()" not in parsing._CHILD_BOOTSTRAP:
        raise SystemExit(
            "parsing._CHILD_BOOTSTRAP no longer ends by calling main(); update bench/documents.py"
        )
    parsing._CHILD_BOOTSTRAP += _CHILD_PEAK_REPORT.format(path=str(peak_file))
    started = time.perf_counter()
    parsed = parsing.parse_document(spec["path"], FileKind.PDF)
    parsed_at = time.perf_counter()
    findings = scan_pages(parsed.pages, fingerprint_key=FINGERPRINT_KEY)
    scanned_at = time.perf_counter()
    child_kib = int(peak_file.read_text().split()[1])
    return {
        "parse_s": parsed_at - started,
        "scan_s": scanned_at - parsed_at,
        "child_peak_kib": child_kib,
        "peak_kib": vmhwm_kib(),
        "start_kib": start_kib,
        "pages": parsed.page_count,
        "chars": sum(len(p) for p in parsed.pages),
        "findings": dict(Counter(str(f.kind) for f in findings)),
        "memory_limit": parsing.DEFAULT_LIMITS.memory_bytes,
        "cpu_limit": parsing.DEFAULT_LIMITS.cpu_seconds,
    }


def step_packet(spec: dict) -> dict:
    from sunshine.documents.packets import PacketCover, PacketSource, WithheldItem, build_packet

    start_kib = proc_status_kib("VmRSS")
    cover = PacketCover(
        body_name="Bench City",
        tracking_number="2026-000451",
        prepared_on=date(2026, 3, 4),
        requester_label="A. Requester",
        withheld=[
            WithheldItem("Names and addresses of juveniles", ["211.321 RSMo"]),
            WithheldItem("Social Security numbers and dates of birth", ["610.035 RSMo", "610.021(14) RSMo"]),
        ],
        notes="Generated by bench/documents.py.",
    )
    units = ("Records Unit", "Patrol Division", "Property Crimes Unit", "Crime Scene Investigation")
    sources = [
        PacketSource(Path(path), f"Incident report {n + 1} of {len(spec['sources'])}", units[n % len(units)])
        for n, path in enumerate(spec["sources"])
    ]
    started = time.perf_counter()
    result = build_packet(cover, sources, spec["out"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_kib": vmhwm_kib(),
        "start_kib": start_kib,
        "pages": result.page_count,
        "bytes": Path(spec["out"]).stat().st_size,
        "bates": f"{result.first_bates}..{result.last_bates}",
    }


STEPS = {"parse": step_parse, "packet": step_packet}


def run_step(name: str, spec: dict) -> dict:
    """Run one step in a fresh interpreter; its last line of output is the JSON result."""
    command = [sys.executable, str(Path(__file__).resolve()), "--step", json.dumps({"step": name, **spec})]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"step {name} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- pdftotext, the baseline ------------------------------------------------------------------


@dataclass
class Baseline:
    seconds: float
    peak_kib: int
    chars: int
    method: str


def pdftotext_once(path: Path, scratch: Path) -> Baseline:
    if GNU_TIME.exists():
        report = scratch / "time.out"
        command = [str(GNU_TIME), "-f", "%M", "-o", str(report), "pdftotext", str(path), "-"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=True)
        seconds = time.perf_counter() - started
        peak = int(report.read_text().split()[-1])
        return Baseline(seconds, peak, len(done.stdout.decode("utf-8", "replace")), "GNU time %M")
    # No GNU time: poll the peak (VmHWM only grows) until the process exits.
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(["pdftotext", str(path), "-"], stdout=out)
        peak = 0
        while child.poll() is None:
            with contextlib.suppress(FileNotFoundError, LookupError, ProcessLookupError):
                peak = max(peak, vmhwm_kib(child.pid))  # gone once it is exiting
            time.sleep(0.001)
        seconds = time.perf_counter() - started
        if child.returncode != 0:
            raise SystemExit(f"pdftotext failed on {path} ({child.returncode})")
        out.seek(0)
        return Baseline(seconds, peak, len(out.read().decode("utf-8", "replace")), "polled VmHWM")


def pdftotext(path: Path, scratch: Path, repeats: int) -> Baseline:
    runs = [pdftotext_once(path, scratch) for _ in range(repeats)]
    return Baseline(
        statistics.median(r.seconds for r in runs),
        max(r.peak_kib for r in runs),
        runs[0].chars,
        runs[0].method,
    )


# ---- the benchmark ----------------------------------------------------------------------------


def mib(kib: float) -> str:
    return f"{kib / 1024:7.1f} MiB"


def row(label: str, figures: str, indent: int = 2) -> None:
    print(f"{' ' * indent}{label:<{W + 2 - indent}}: {figures}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500, help="pages of the PDF extracted and scanned")
    parser.add_argument("--packet-pages", type=int, default=1_000, help="record pages in the packet")
    parser.add_argument("--sources", type=int, default=4, help="records sharing the packet's pages")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement (fresh processes)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files and print where")
    small = ", ".join(f"--{name.replace('_', '-')} {value:,}" for name, value in SMALL.items())
    parser.add_argument("--small", action="store_true", help=f"CI smoke run: {small} unless given")
    parser.add_argument("--step", help=argparse.SUPPRESS)  # internal: one measured step, as JSON
    args = parser.parse_args()
    if args.small:
        for name, value in SMALL.items():
            if getattr(args, name) == parser.get_default(name):
                setattr(args, name, value)
    return args


def main() -> None:
    args = parse_args()
    if args.step:
        spec = json.loads(args.step)
        print(json.dumps(STEPS[spec.pop("step")](spec)))
        return
    if not shutil.which("pdftotext"):
        raise SystemExit("pdftotext not found: install poppler-utils")
    scratch = Path(tempfile.mkdtemp(prefix="sunshine-bench-docs-"))
    try:
        run(args, scratch)
    finally:
        if args.keep:
            print(f"files kept in {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


def run(args: argparse.Namespace, scratch: Path) -> None:
    # -- generate
    started = time.perf_counter()
    reports = scratch / "reports.pdf"
    drawn, planted = make_reports(reports, args.pages, seed=1)
    per_source = args.packet_pages // args.sources
    sources = [scratch / f"source-{n + 1}.pdf" for n in range(args.sources)]
    for n, path in enumerate(sources):
        make_reports(path, per_source + (1 if n < args.packet_pages % args.sources else 0), seed=100 + n)
    planted_text = ", ".join(f"{count} {kind}" for kind, count in sorted(planted.items()))
    print(
        f"generated in {time.perf_counter() - started:.1f} s: {args.pages:,}-page report PDF "
        f"({reports.stat().st_size / MIB:.1f} MiB, {drawn:,} characters, {drawn / args.pages:,.0f} a page; "
        f"planted {planted_text}); {args.sources} packet sources, {args.packet_pages:,} pages "
        f"({sum(p.stat().st_size for p in sources) / MIB:.1f} MiB)"
    )

    # -- extraction + scan
    parse_runs = []
    for n in range(args.repeats):
        parse_runs.append(run_step("parse", {"path": str(reports), "peak_file": str(scratch / f"child-{n}")}))
    first = parse_runs[0]
    parse_s = statistics.median(r["parse_s"] for r in parse_runs)
    scan_s = statistics.median(r["scan_s"] for r in parse_runs)
    both_s = statistics.median(r["parse_s"] + r["scan_s"] for r in parse_runs)
    child_kib = max(r["child_peak_kib"] for r in parse_runs)
    worker_kib = max(r["peak_kib"] for r in parse_runs)
    worker_start = max(r["start_kib"] for r in parse_runs)
    found = ", ".join(f"{count} {kind}" for kind, count in sorted(first["findings"].items())) or "nothing"
    text_base = pdftotext(reports, scratch, args.repeats)
    limits = f"limits {first['memory_limit'] // MIB} MiB address space, {first['cpu_limit']} s CPU"
    print(f"extraction + scan, {first['pages']:,} pages, {args.repeats} run(s), each in a fresh process:")
    row("parse_document", f"{parse_s:7.2f} s   peak {mib(child_kib)} reader child ({limits})")
    row("scan_pages", f"{scan_s:7.2f} s   found {found}")
    row("job process", f"{'':12}peak {mib(worker_kib)} (at start, after imports, {mib(worker_start)})")
    row(
        "pdftotext, same file",
        f"{text_base.seconds:7.2f} s   peak {mib(text_base.peak_kib)} ({text_base.method})",
    )
    row(
        "text extracted",
        f"ours {first['chars']:,} characters, pdftotext {text_base.chars:,}, drawn {drawn:,}",
    )
    missed = [k for k, count in planted.items() if first["findings"].get(k, 0) < count]
    if missed:
        print(f"  WARNING: the scan found fewer than were planted: {', '.join(missed)}")

    # -- packet
    packet_runs = []
    packet = scratch / "packet.pdf"
    for _ in range(args.repeats):
        packet_runs.append(run_step("packet", {"sources": [str(p) for p in sources], "out": str(packet)}))
    control = run_step("packet", {"sources": [str(sources[0])], "out": str(scratch / "control.pdf")})
    pk = packet_runs[0]
    packet_s = statistics.median(r["seconds"] for r in packet_runs)
    packet_kib = max(r["peak_kib"] for r in packet_runs)
    packet_start = max(r["start_kib"] for r in packet_runs)
    packet_base = pdftotext(packet, scratch, args.repeats)
    print(
        f"packet: {pk['pages']:,} pages ({args.sources} records + cover), {pk['bytes'] / MIB:.1f} MiB, "
        f"Bates {pk['bates']}, {args.repeats} run(s), each in a fresh process:"
    )
    row(
        "build_packet",
        f"{packet_s:7.2f} s   peak {mib(packet_kib)} (at start, after imports, {mib(packet_start)})",
    )
    row(
        f"control, {control['pages']:,} pages",
        f"{control['seconds']:7.2f} s   peak {mib(control['peak_kib'])} (one record)",
    )
    row(
        "pdftotext, the packet",
        f"{packet_base.seconds:7.2f} s   peak {mib(packet_base.peak_kib)} ({packet_base.method})",
    )

    # -- summary
    target_kib = TARGET_PACKET_BYTES / 1024
    both_kib = child_kib + worker_kib
    print("== summary ==")
    row(
        f"extract + scan, {first['pages']:,} pages",
        f"{both_s:7.2f} s   peak {mib(child_kib)} reader child, {mib(worker_kib)} job process "
        f"(both <= {mib(both_kib).strip()})",
        indent=0,
    )
    row("pdftotext, same file", f"{text_base.seconds:7.2f} s   peak {mib(text_base.peak_kib)}", indent=0)
    row(
        "ratio ours / pdftotext, time",
        f"{both_s / text_base.seconds:7.1f} x   peak {child_kib / text_base.peak_kib:7.1f} x   reader child "
        f"({both_kib / text_base.peak_kib:.1f} x both processes)",
        indent=0,
    )
    row(
        f"packet build, {pk['pages']:,} pages",
        f"{packet_s:7.2f} s   peak {mib(packet_kib)} (control, {control['pages']:,} pages: "
        f"{mib(control['peak_kib']).strip()})",
        indent=0,
    )
    row("pdftotext, the packet", f"{packet_base.seconds:7.2f} s   peak {mib(packet_base.peak_kib)}", indent=0)
    row(
        "ratio ours / pdftotext, time",
        f"{packet_s / packet_base.seconds:7.1f} x   peak {packet_kib / packet_base.peak_kib:7.1f} x",
        indent=0,
    )
    scale = (
        "" if args.packet_pages >= 1_000 else f" (this run: {pk['pages']:,} pages; the target is for 1,000)"
    )
    print(
        f"target: packet peak < 300 MB ({target_kib / 1024:.1f} MiB): "
        f"{verdict(packet_kib < target_kib)} at {packet_kib / 1024:.1f} MiB{scale}"
    )


if __name__ == "__main__":
    main()
