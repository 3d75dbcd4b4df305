"""The parsing child: confine this process, read one file, answer in JSON (DESIGN.md idea 4).

``parsing.parse_document`` starts a fresh interpreter that imports this module and
calls ``main``. The limits are set before pypdf, python-docx or lxml is imported, and
every outcome, including a parser crashing on a malformed file, becomes one JSON reply
on stdout; only running out of memory outside a parser ends the process with a status.
Never imported by the web or job process.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sunshine.documents.docx_reader import read_docx
from sunshine.documents.filetypes import decode_text
from sunshine.documents.parsing import (
    EXIT_OUT_OF_MEMORY,
    ParsedDocument,
    ParseLimits,
    check_text_size,
    too_complex,
)
from sunshine.documents.pdf_reader import read_pdf
from sunshine.documents.refusals import FileKind, RefusedFile, damaged_file

__all__ = ["main"]

_STDERR_LIMIT = 1024 * 1024
_MAX_REQUEST_BYTES = 1024 * 1024


def main() -> None:
    """Read one request from stdin, apply the limits, answer with one JSON object."""
    try:
        request = json.loads(sys.stdin.buffer.read(_MAX_REQUEST_BYTES))
        limits = ParseLimits(**request["limits"])
        _confine(limits)
        reply = _reply(Path(request["path"]), FileKind(request["kind"]), limits)
        sys.stdout.buffer.write(reply)
        sys.stdout.buffer.flush()
    except MemoryError:
        os._exit(EXIT_OUT_OF_MEMORY)


def _confine(limits: ParseLimits) -> None:
    # At the soft CPU limit the kernel sends SIGXCPU; a second later, SIGKILL.
    _lower_limit(resource.RLIMIT_CPU, limits.cpu_seconds, limits.cpu_seconds + 1)
    _lower_limit(resource.RLIMIT_AS, limits.memory_bytes, limits.memory_bytes)
    _lower_limit(resource.RLIMIT_CORE, 0, 0)  # no core files full of someone's records
    _lower_limit(resource.RLIMIT_FSIZE, _STDERR_LIMIT, _STDERR_LIMIT)  # stderr is the only file
    warnings.simplefilter("ignore")
    logging.disable(logging.INFO)  # pypdf's warnings still reach pdf_reader's watcher


def _lower_limit(which: int, soft: int, hard: int) -> None:
    _, current_hard = resource.getrlimit(which)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(which, (soft, hard))


def _reply(path: Path, kind: FileKind, limits: ParseLimits) -> bytes:
    try:
        parsed = _READERS[kind](path, limits)
    except RefusedFile as error:
        refusal = error
    except MemoryError:
        raise
    except RecursionError:
        refusal = too_complex(kind, detail="recursion limit")
    except Exception as error:  # a parser choking on a malformed file
        refusal = damaged_file(kind, detail=f"{type(error).__name__}: {error}"[:500])
    else:
        # JSON and the database need valid Unicode without NUL; PDF text can hold both.
        pages = [page.encode("utf-8", "replace").decode("utf-8").replace("\x00", "") for page in parsed.pages]
        return _encode({"page_count": parsed.page_count, "pages": pages})
    fields = {"reason_code": refusal.reason_code, "message": refusal.message, "detail": refusal.detail}
    return _encode({"refused": fields})


def _encode(reply: dict[str, Any]) -> bytes:
    return json.dumps(reply, ensure_ascii=False).encode("utf-8")


def _read_text(path: Path, limits: ParseLimits) -> ParsedDocument:
    if path.stat().st_size > 4 * limits.max_text_chars:  # UTF-8 takes at most 4 bytes a character
        raise too_complex(FileKind.TEXT, detail="file larger than the text limit")
    text = decode_text(path.read_bytes())
    check_text_size(FileKind.TEXT, len(text), limits)
    return ParsedDocument(page_count=1, pages=[text])


_READERS: dict[FileKind, Callable[[Path, ParseLimits], ParsedDocument]] = {
    FileKind.PDF: read_pdf,
    FileKind.DOCX: read_docx,
    FileKind.TEXT: _read_text,
}
