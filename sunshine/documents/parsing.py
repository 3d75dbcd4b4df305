"""Read an upload's page count and text in a child process with hard limits (DESIGN.md idea 4).

``parse_document`` starts a fresh interpreter for every file, lowers its address-space,
CPU, core and file-size limits before any parser sees the file, and kills it when the
wall-clock limit passes. The child answers with one JSON object on stdout. Whatever the
file does to pypdf, python-docx or lxml (a bomb, a loop, a crash), the web or job
process only ever sees a ``ParsedDocument`` or a ``RefusedFile`` with a message the
uploader can act on.

Why a new interpreter (``subprocess``) rather than ``multiprocessing``: forking a
threaded web or RQ worker is unsafe, and a forked child would inherit the parent's
address space, so an address-space limit would measure the parent, not the file. A
``forkserver`` lives as long as the process that first used it, which under RQ's
fork-per-job model means one stray server per job. The child skips ``sunshine``'s
``__init__`` (Flask, SQLAlchemy, configuration and its secrets), loads only the
``sunshine.documents`` modules it needs, and gets an empty environment.

This module is the public API and the parent side. The child's side is ``parse_child``
(limits and dispatch), ``pdf_reader`` and ``docx_reader``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sunshine.documents.refusals import FileKind, RefusalReason, RefusedFile

__all__ = ["DEFAULT_LIMITS", "ParseLimits", "ParsedDocument", "parse_document"]


@dataclass(frozen=True)
class ParseLimits:
    """The caps one parse runs under. Defaults suit a 25 MB upload parsed in a job."""

    memory_bytes: int = 512 * 1024 * 1024  # the child's whole address space
    cpu_seconds: int = 60
    wall_seconds: float = 90.0
    max_pages: int = 5_000
    max_text_chars: int = 20_000_000  # all pages together; bounds the reply too
    max_pdf_stream_bytes: int = 50_000_000  # any one PDF stream, decoded
    max_docx_uncompressed_bytes: int = 100_000_000  # all members together
    max_docx_member_bytes: int = 40_000_000
    max_docx_ratio: int = 100  # uncompressed : compressed, for members over 1 MB
    max_docx_members: int = 1_000

    def __post_init__(self) -> None:
        # A zero would make every file "too complex": fail loudly at configuration time.
        for field in dataclasses.fields(self):
            if not getattr(self, field.name) > 0:
                raise ValueError(f"ParseLimits.{field.name} must be positive")


DEFAULT_LIMITS = ParseLimits()


@dataclass(frozen=True)
class ParsedDocument:
    """The text of each page, in order; ``page_count == len(pages)``."""

    page_count: int
    pages: list[str]


# Exit status the child uses when it runs out of memory outside a parser.
EXIT_OUT_OF_MEMORY = 3
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_STDERR_SHOWN = 2_000

_TOO_COMPLEX = (
    "This {label} is too complex for us to process safely: reading it needs more memory or time "
    "than we allow. Save it again as a simpler file (for example, print it to a new PDF) or split "
    "it into smaller files, and try again."
)


def too_complex(kind: FileKind, *, detail: str = "") -> RefusedFile:
    """The refusal for a file that hit a memory, CPU, time or structure limit."""
    return RefusedFile(RefusalReason.TOO_COMPLEX, _TOO_COMPLEX.format(label=kind.label), detail=detail)


def check_text_size(kind: FileKind, chars: int, limits: ParseLimits) -> None:
    """Refuse a file whose text, so far, is longer than ``limits`` allow."""
    if chars > limits.max_text_chars:
        raise too_complex(kind, detail=f"more than {limits.max_text_chars} characters of text")


# Stand-in ``sunshine`` and ``sunshine.documents`` packages (a path, no ``__init__``) let the
# child import any sunshine.documents module without loading Flask or the app.
_CHILD_BOOTSTRAP = """
import json, os, sys, types
sys.path[:] = json.loads(sys.argv[1])
for name in ("sunshine", "sunshine.documents"):
    package = types.ModuleType(name)
    package.__path__ = [os.path.join(sys.argv[2], *name.split("."))]
    sys.modules[name] = package
from sunshine.documents.parse_child import main
main()
"""


def parse_document(path: str | Path, kind: FileKind, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedDocument:
    """Count the pages of a stored upload and extract their text, safely.

    ``kind`` comes from ``filetypes.sniff``. Images are one page with no text and are
    not opened. Everything else is read in a child process under ``limits``. Raises
    ``RefusedFile`` for encrypted PDFs, PDFs with JavaScript or launch actions, damaged
    files, too many pages, ZIP bombs and macros in Word files, and for any file that
    exhausts a limit. Raises ``RuntimeError`` only if the child itself cannot run.
    """
    if kind in (FileKind.PNG, FileKind.JPEG):
        return ParsedDocument(page_count=1, pages=[""])
    resolved = Path(path).resolve(strict=True)  # a missing file is our bug, not a damaged upload
    request = {"path": str(resolved), "kind": kind.value, "limits": dataclasses.asdict(limits)}
    # -I: ignore PYTHON* variables, user site-packages and the working directory (the
    # bootstrap sets sys.path to ours); -B: write no .pyc files; -X utf8: UTF-8 file names.
    options = ["-I", "-B", "-X", "utf8"]
    command = [sys.executable, *options, "-c", _CHILD_BOOTSTRAP, json.dumps(sys.path), str(_PACKAGE_ROOT)]
    with (
        tempfile.TemporaryFile() as stderr,
        subprocess.Popen(  # noqa: S603  (a fixed command: our interpreter and our code)
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={},
            start_new_session=True,
        ) as child,
    ):
        try:
            stdout, _ = child.communicate(json.dumps(request).encode(), timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            raise too_complex(kind, detail=f"over {limits.wall_seconds} s wall clock") from None
        finally:
            if child.poll() is None:
                _kill(child)
        return _read_reply(kind, child.returncode, stdout, stderr)


def _kill(child: subprocess.Popen[bytes]) -> None:
    """Kill the child and anything it started (it leads its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _read_reply(kind: FileKind, returncode: int, stdout: bytes, stderr: IO[bytes]) -> ParsedDocument:
    if returncode < 0:
        name = signal.Signals(-returncode).name
        raise too_complex(kind, detail=f"child killed by {name}")
    if returncode == EXIT_OUT_OF_MEMORY:
        raise too_complex(kind, detail="child ran out of memory")
    try:
        if returncode != 0:
            raise ValueError(f"exit status {returncode}")
        reply = json.loads(stdout)
    except ValueError as error:
        stderr.seek(0)
        tail = stderr.read()[-_STDERR_SHOWN:].decode("utf-8", "replace")
        raise RuntimeError(f"document parser failed ({error}): {tail}") from None
    if "refused" in reply:
        refusal = reply["refused"]
        raise RefusedFile(RefusalReason(refusal["reason_code"]), refusal["message"], detail=refusal["detail"])
    return ParsedDocument(page_count=reply["page_count"], pages=reply["pages"])
