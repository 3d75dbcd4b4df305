"""The provisions of law a Sunshine Law denial may cite (LAW.md section 4).

Pure: no Flask, no database. The shipped table (``citations.json``) seeds the
database, which is then the source of truth: an administrator adds, corrects and
retires citations there (``records.citation_settings`` builds a ``CitationTable``
from its rows). A denial stores structured citations, never free text alone, and
``validate_denial`` says what is missing.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from importlib import resources
from typing import Any

__all__ = [
    "Citation",
    "CitationDataError",
    "CitationTable",
    "UnknownCitation",
    "load_citations",
    "statute_sort_key",
    "validate_denial",
]


class UnknownCitation(KeyError):
    """A citation code that is not in the table."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    def __str__(self) -> str:
        # KeyError's own str() is the repr of its argument; say something a person can act on.
        return f"Unknown citation {self.code!r}: it is not in the citations table."


class CitationDataError(ValueError):
    """Citation data (the shipped file or an administrator's entry) that cannot be used."""


@dataclass(frozen=True)
class Citation:
    """One provision of law a denial may cite.

    ``verified`` is False when the wording or numbering has not been checked
    against the current statute. ``finding_guidance`` says what the written
    finding must state when ``requires_written_finding`` is True.
    """

    code: str
    short_name: str
    description: str
    statute: str
    requires_written_finding: bool
    verified: bool
    finding_guidance: str = ""
    examples: tuple[str, ...] = field(default=())
    note: str = ""

    def __post_init__(self) -> None:
        label = f"Citation {self.code!r}" if isinstance(self.code, str) else "A citation"
        for name in ("code", "short_name", "description", "statute"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise CitationDataError(f"{label}: {name!r} must be non-blank text, got {value!r}.")
        if self.code != self.code.strip():
            raise CitationDataError(f"{label}: the code must not start or end with spaces.")
        for name in ("requires_written_finding", "verified"):
            if not isinstance(getattr(self, name), bool):
                raise CitationDataError(
                    f"{label}: {name!r} must be true or false, got {getattr(self, name)!r}."
                )
        for name in ("finding_guidance", "note"):
            if not isinstance(getattr(self, name), str):
                raise CitationDataError(f"{label}: {name!r} must be text.")
        examples = self.examples
        if isinstance(examples, str) or not all(
            isinstance(example, str) and example.strip() for example in examples
        ):
            raise CitationDataError(f"{label}: 'examples' must be a list of non-blank texts.")
        object.__setattr__(self, "examples", tuple(examples))


_FIELDS = {f.name for f in fields(Citation)}
_REQUIRED = {"code", "short_name", "description", "statute", "requires_written_finding", "verified"}


def statute_sort_key(code: str) -> tuple[str | int, ...]:
    """Sort key putting codes in statute order: numbers compare as numbers.

    So 610.021(2) sorts before 610.021(10), and 610.021(18) before 610.021(18)(d).
    """
    # re.split with a capture group alternates text and digits, so the tuples
    # always compare text with text and numbers with numbers.
    parts = re.split(r"(\d+)", code)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


class CitationTable:
    """An immutable set of citations, looked up by code, listed in statute order.

    ``retired`` names citations a new denial may no longer cite; they stay in the table so
    that denials which already cite them still show their names.
    """

    def __init__(self, citations: Iterable[Citation], retired: Iterable[str] = ()) -> None:
        by_code: dict[str, Citation] = {}
        for citation in citations:
            if citation.code in by_code:
                raise CitationDataError(f"Citation {citation.code!r} appears more than once.")
            by_code[citation.code] = citation
        retired = frozenset(retired)
        unknown = sorted(retired - by_code.keys())
        if unknown:
            raise CitationDataError(f"Retired citations not in the table: {', '.join(unknown)}.")
        ordered = sorted(by_code.values(), key=lambda c: statute_sort_key(c.code))
        self._by_code = by_code
        self._ordered = tuple(ordered)
        self._retired = retired

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> CitationTable:
        """Build a table from dicts (the JSON file's entries, or rows an administrator added).

        Raises CitationDataError naming the entry and the field at fault.
        """
        citations = []
        for position, record in enumerate(records, start=1):
            if not isinstance(record, Mapping):
                raise CitationDataError(f"Citation entry {position} is not an object.")
            label = f"Citation entry {position} ({record.get('code', 'no code')!r})"
            missing = sorted(_REQUIRED - record.keys())
            if missing:
                raise CitationDataError(f"{label} is missing: {', '.join(missing)}.")
            unknown = sorted(set(record) - _FIELDS)
            if unknown:
                raise CitationDataError(
                    f"{label} has unknown fields: {', '.join(unknown)} "
                    f"(allowed: {', '.join(sorted(_FIELDS))})."
                )
            citations.append(Citation(**record))
        return cls(citations)

    def get(self, code: str) -> Citation:
        """The citation for ``code``; raises UnknownCitation if there is none."""
        try:
            return self._by_code[code]
        except KeyError:
            raise UnknownCitation(code) from None

    def all(self) -> tuple[Citation, ...]:
        """Every citation, retired ones included, in statute order (see ``statute_sort_key``)."""
        return self._ordered

    def active(self) -> tuple[Citation, ...]:
        """The citations a new denial may cite, in statute order."""
        return tuple(c for c in self._ordered if c.code not in self._retired)

    def is_retired(self, code: str) -> bool:
        """True when ``code`` is in the table but a new denial may no longer cite it."""
        return code in self._retired

    def short_name(self, code: str) -> str:
        """The short name of ``code``, retired or not; "" for a code not in the table."""
        citation = self._by_code.get(code)
        return citation.short_name if citation is not None else ""

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._ordered)


def load_citations(path: str | os.PathLike[str] | None = None) -> CitationTable:
    """Load a citations file: ``{"citations": [ {...}, ... ]}``.

    With no ``path``, the table shipped with the package. Raises
    CitationDataError if the file is not valid JSON of that shape.
    """
    if path is None:
        text = resources.files(__package__).joinpath("citations.json").read_text("utf-8")
        source = "the shipped citations.json"
    else:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        source = os.fspath(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CitationDataError(f"{source} is not valid JSON: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("citations"), list):
        raise CitationDataError(f'{source} must be an object with a "citations" list.')
    return CitationTable.from_records(data["citations"])


@cache
def shipped_citations() -> CitationTable:
    """The table shipped with the package, read and checked once per process.

    Only the seed of the database's table (the migration, ``flask citations sync``): what
    denials may cite is the database's, which an administrator may have changed.
    """
    return load_citations()


def validate_denial(
    citations: Sequence[str],
    findings: Mapping[str, str],
    *,
    table: CitationTable,
) -> list[str]:
    """Problems with a new denial's citations, as sentences a custodian can act on; [] means ok.

    ``findings`` maps a citation code to its written finding. Checks: at least
    one citation; each is in ``table``, not retired there and verified (an unchecked
    entry's wording may be a placeholder, and it would reach the requester's letter);
    none is repeated; each citation that requires a written finding has a non-blank one.
    """
    if not citations:
        return ["A denial must cite at least one specific provision of law (RSMo 610.023.4)."]
    problems: list[str] = []
    seen: set[str] = set()
    for code in citations:
        if not code.strip():
            problems.append("One of the citations is blank; choose a provision from the list.")
            continue
        if code in seen:
            problems.append(f"{code} is cited more than once; cite each provision once.")
            continue
        seen.add(code)
        if code not in table:
            problems.append(str(UnknownCitation(code)))
            continue
        citation = table.get(code)
        if table.is_retired(code):
            problems.append(
                f"{code} ({citation.short_name}) is retired from the citations table, so a new denial "
                "cannot cite it; choose a current provision."
            )
            continue
        if not citation.verified:
            problems.append(
                f"{code} ({citation.short_name}) has not been checked against the statute, so it cannot "
                "be cited yet: an administrator confirms its wording on the citations page first."
            )
            continue
        if citation.requires_written_finding and not findings.get(code, "").strip():
            problem = f"{code} ({citation.short_name}) needs a written finding"
            if citation.finding_guidance:
                problem += f": {citation.finding_guidance}"
            problems.append(problem + ".")
    return problems
