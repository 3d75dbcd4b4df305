"""The live citations table (LAW.md section 4): what an administrator keeps, and what denials cite.

The ``citation`` table is the source of truth; the shipped ``citations.json`` only seeds it (the
migration, ``sync_shipped``). It is deployment-wide: citations are state law, the same for every
public body. ``current_table`` reads it afresh on each call, so an edit applies to the very next
request. Each change here records an audit event and commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from sunshine.audit.services import record
from sunshine.extensions import db
from sunshine.records.citations import (
    Citation,
    CitationDataError,
    CitationTable,
    shipped_citations,
    statute_sort_key,
)
from sunshine.records.models import CITATION_LIMITS, MAX_CITATION_EXAMPLES, CitationEntry, DenialCitation


class CitationError(ValueError):
    """A citation an administrator entered that cannot be saved; the message says what to fix."""


@dataclass(frozen=True)
class CitationFields:
    """What an administrator writes about a citation (everything but ``retired``)."""

    code: str
    short_name: str
    description: str
    statute: str
    requires_written_finding: bool = False
    verified: bool = False
    finding_guidance: str = ""
    examples: tuple[str, ...] = field(default=())
    note: str = ""


# What each field is called on the administrator's page, for messages.
LABELS = {
    "code": "Code",
    "short_name": "Short name",
    "description": "Description",
    "statute": "Statute",
    "finding_guidance": "Guidance for the written finding",
    "note": "Note",
}
_REQUIRED = ("code", "short_name", "description", "statute")
_EDITABLE = tuple(f for f in CitationFields.__dataclass_fields__)


def _citation(entry: CitationEntry) -> Citation:
    return Citation(**{name: getattr(entry, name) for name in _EDITABLE})


def current_table() -> CitationTable:
    """The citations as they stand now, retired ones included (``CitationTable.active`` leaves them out)."""
    entries = list(db.session.scalars(select(CitationEntry).execution_options(populate_existing=True)))
    return CitationTable((_citation(e) for e in entries), retired=(e.code for e in entries if e.retired))


def hold(codes: Iterable[str]) -> None:
    """Keep the citations ``codes`` as they are until this transaction ends: for a denial citing them.

    An administrator's change to one of them (``_locked``) waits for the denial to commit, and
    then sees it; a denial that comes second waits for the change, and then checks its codes
    against the table as changed. (PostgreSQL; SQLite has one writer at a time.)
    """
    held = select(CitationEntry.id).where(CitationEntry.code.in_(list(codes)))
    db.session.execute(held.with_for_update(read=True))


def _locked(entry: CitationEntry) -> CitationEntry:
    """``entry`` read afresh under its row lock, so no denial citing it commits while it changes."""
    locked = select(CitationEntry).where(CitationEntry.id == entry.id).with_for_update()
    return db.session.execute(locked.execution_options(populate_existing=True)).scalar_one()


def entries() -> list[CitationEntry]:
    """Every row, in statute order, for the administrator's page."""
    return sorted(db.session.scalars(select(CitationEntry)), key=lambda e: statute_sort_key(e.code))


def find(citation_id: int) -> CitationEntry | None:
    return db.session.get(CitationEntry, citation_id)


def denials_citing(code: str) -> int:
    """How many denials and partial grants cite ``code``."""
    return db.session.scalar(select(func.count(DenialCitation.id)).where(DenialCitation.code == code)) or 0


def _cleaned(fields: CitationFields) -> CitationFields:
    """``fields`` with text trimmed and checked; raises CitationError naming what to fix."""
    text = {name: (getattr(fields, name) or "").strip() for name in LABELS}
    examples = tuple(e.strip() for e in fields.examples if e and e.strip())
    for name in _REQUIRED:
        if not text[name]:
            raise CitationError(f"{LABELS[name]}: write it; it cannot be blank.")
    if any(mark in text["code"] for mark in ",:\r\n"):
        # The case page's denial form separates codes with commas and a finding from its code with a colon.
        raise CitationError("Code: leave out commas and colons; a denial lists codes separated by commas.")
    for name, value in text.items():
        if len(value) > CITATION_LIMITS[name]:
            raise CitationError(f"{LABELS[name]}: keep it to {CITATION_LIMITS[name]:,} characters.")
    if len(examples) > MAX_CITATION_EXAMPLES:
        raise CitationError(f"Examples: give at most {MAX_CITATION_EXAMPLES}, one a line.")
    if any(len(e) > CITATION_LIMITS["example"] for e in examples):
        raise CitationError(f"Examples: keep each to {CITATION_LIMITS['example']:,} characters.")
    if any("\x00" in value for value in (*text.values(), *examples)):
        raise CitationError("Remove the invisible NUL character from the text.")
    cleaned = CitationFields(
        **text,
        requires_written_finding=bool(fields.requires_written_finding),
        verified=bool(fields.verified),
        examples=examples,
    )
    try:
        Citation(**asdict(cleaned))  # the pure module's own checks, so the table always builds
    except CitationDataError as exc:
        raise CitationError(str(exc)) from exc
    return cleaned


def _by_code(code: str) -> CitationEntry | None:
    return db.session.scalar(select(CitationEntry).where(CitationEntry.code == code))


def _snapshot(entry: CitationEntry) -> dict:
    """The row's fields, JSON-safe, for the audit log."""
    values = {name: getattr(entry, name) for name in (*_EDITABLE, "retired")}
    return {**values, "examples": list(values["examples"])}


def add(actor, fields: CitationFields, *, actor_kind: str | None = None) -> CitationEntry:
    """Add a citation new denials may cite; commits. Raises CitationError (nothing saved)."""
    cleaned = _cleaned(fields)
    if _by_code(cleaned.code) is not None:
        raise CitationError(f"Code: {cleaned.code} is already in the table; edit that citation instead.")
    entry = CitationEntry(**{**asdict(cleaned), "examples": list(cleaned.examples)}, retired=False)
    db.session.add(entry)
    try:
        db.session.flush()  # the unique code decides between two administrators adding it at once
    except IntegrityError:
        db.session.rollback()
        raise CitationError(
            f"Code: {cleaned.code} was added to the table a moment ago; edit that citation instead."
        ) from None
    record(actor, "citation.added", entry, details={"after": _snapshot(entry)}, actor_kind=actor_kind)
    db.session.commit()
    return entry


def edit(actor, entry: CitationEntry, fields: CitationFields) -> bool:
    """Change a citation's wording, statute, guidance, examples, note or flags; commits.

    The code may change only while no denial cites it. Returns False when nothing changed (and
    records nothing). Raises CitationError (nothing saved).
    """
    cleaned = _cleaned(fields)
    entry = _locked(entry)  # a denial citing it commits before this counts, or after this commits
    if cleaned.code != entry.code:
        cited = denials_citing(entry.code)
        if cited:
            raise CitationError(
                f"Code: {cited} denial{'s' if cited != 1 else ''} already cite{'' if cited != 1 else 's'} "
                f"{entry.code}, so its code cannot change. Retire it and add the corrected code instead."
            )
        if _by_code(cleaned.code) is not None:
            raise CitationError(f"Code: {cleaned.code} is already in the table; choose another code.")
    before = _snapshot(entry)
    for name, value in asdict(cleaned).items():
        setattr(entry, name, list(value) if name == "examples" else value)
    after = _snapshot(entry)
    if after == before:
        return False
    changed = sorted(name for name in after if after[name] != before[name])
    record(
        actor,
        "citation.edited",
        entry,
        details={
            "code": entry.code,
            "before": {n: before[n] for n in changed},
            "after": {n: after[n] for n in changed},
        },
    )
    db.session.commit()
    return True


def set_retired(actor, entry: CitationEntry, retired: bool) -> bool:
    """Retire a citation (new denials cannot cite it) or restore it; commits.

    Denials that already cite a retired citation keep it and still show its name. Returns False
    when it already was so (and records nothing).
    """
    entry = _locked(entry)  # a denial citing it at this moment commits first, or sees it retired
    if entry.retired == retired:
        return False
    entry.retired = retired
    record(actor, "citation.retired" if retired else "citation.restored", entry, details={"code": entry.code})
    db.session.commit()
    return True


def sync_shipped(shipped: Iterable[Citation] | None = None) -> list[str]:
    """Add the shipped citations the table lacks, by code; commits. Returns the codes added.

    Never touches a citation already there: an administrator's wording, flags and retirement
    stand. ``shipped`` defaults to the package's citations.json.
    """
    added = []
    present = set(db.session.scalars(select(CitationEntry.code)))
    for citation in shipped if shipped is not None else shipped_citations().all():
        if citation.code in present:
            continue
        entry = CitationEntry(**{**asdict(citation), "examples": list(citation.examples)}, retired=False)
        db.session.add(entry)
        db.session.flush()
        record(None, "citation.added", entry, details={"after": _snapshot(entry)}, actor_kind="cli")
        added.append(citation.code)
    db.session.commit()
    return added
