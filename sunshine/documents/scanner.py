"""Find sensitive personal data in document text before it is released.

LAW.md section 5 (KCPD PI 20-02) lists the sensitive data; DESIGN.md core idea 5 blocks a
release until every finding is redacted or marked as the verified requester's own, and a
re-scan proves it. Pure: no Flask, no database. A ``Finding`` never holds the value it
points at, so findings can be stored, logged and shown to staff without spreading it.
"""

from __future__ import annotations

import bisect
import enum
import hmac
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from sunshine.documents import scanner_rules as rules

__all__ = [
    "NEAR_WINDOW",
    "SNIPPET_CONTEXT",
    "Finding",
    "FindingKind",
    "scan_pages",
    "scan_text",
]

# How many characters either side of a value a context word ("DOB", "account") may sit.
NEAR_WINDOW = 40
# How many characters of surrounding text a snippet shows either side of the value.
SNIPPET_CONTEXT = 24

# A masked value shows at most its last four letters or digits, and always hides at
# least five, so a six-digit account number shows one and a CVV shows none.
_KEEP_LAST = 4
_MIN_HIDDEN = 5
_MASK = "*"
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


class FindingKind(enum.StrEnum):
    """What a finding is. Declaration order breaks ties between overlapping findings."""

    SSN = "ssn"
    PAYMENT_CARD = "payment_card"
    ROUTING_NUMBER = "routing_number"
    MILITARY_ID = "military_id"
    DRIVER_LICENCE_OR_STATE_ID = "driver_licence_or_state_id"
    BANK_ACCOUNT = "bank_account"
    DATE_OF_BIRTH = "date_of_birth"
    CARD_SECURITY_CODE = "card_security_code"
    JUVENILE_INFORMATION = "juvenile_information"
    MEDICAL_INFORMATION = "medical_information"

    @property
    def is_marker(self) -> bool:
        """True when the finding flags a topic (medical, juvenile), not an identifier."""
        return self in (FindingKind.JUVENILE_INFORMATION, FindingKind.MEDICAL_INFORMATION)

    @property
    def label(self) -> str:
        """What staff read: "Social Security number", not "ssn"."""
        return FINDING_LABELS[self]


FINDING_LABELS = {
    FindingKind.SSN: "Social Security number",
    FindingKind.PAYMENT_CARD: "payment card number",
    FindingKind.ROUTING_NUMBER: "bank routing number",
    FindingKind.MILITARY_ID: "military ID number",
    FindingKind.DRIVER_LICENCE_OR_STATE_ID: "driver's licence or state ID number",
    FindingKind.BANK_ACCOUNT: "bank account number",
    FindingKind.DATE_OF_BIRTH: "date of birth",
    FindingKind.CARD_SECURITY_CODE: "card security code",
    FindingKind.JUVENILE_INFORMATION: "information about a juvenile",
    FindingKind.MEDICAL_INFORMATION: "medical information",
}


def finding_label(kind: str) -> str:
    """The words for a stored finding kind; an unknown one (a rule since retired) in its own words."""
    try:
        return FindingKind(kind).label
    except ValueError:
        return kind.replace("_", " ")


# Confidence: formatting, check digits and context words each add evidence.
_SSN_FORMATTED = 0.85
_SSN_BARE = 0.4
_SSN_WITH_WORDS = 0.95
_SSN_BARE_WITH_WORDS = 0.9
_CARD = 0.9
_ROUTING = 0.9
_CARD_SECURITY_CODE = 0.7
_BANK_ACCOUNT = 0.6
_LICENCE_DISTINCT = 0.5
_LICENCE_WITH_WORDS = 0.9
_LICENCE_NEEDS_WORDS = 0.85
_MILITARY_ID = 0.85
_DATE_OF_BIRTH = 0.9
_DATE_NEAR_BIRTH_WORD = 0.5
_MARKER_WORD = 0.3
_MARKER_CODE = 0.4


@dataclass(frozen=True)
class Finding:
    """One piece of sensitive data on one page.

    ``start``/``end`` are character offsets into that page's text; ``snippet`` is the
    surrounding text with this and every other detected value masked; ``fingerprint``
    is a keyed hash of kind, page and normalised value that a later scan reproduces
    while the value is still there. Identical values on one page share a fingerprint,
    so compare re-scans as multisets (``collections.Counter``).
    """

    kind: FindingKind
    page: int
    start: int
    end: int
    snippet: str
    confidence: float
    fingerprint: str = field(default="", repr=False)


class _Candidate(NamedTuple):
    kind: FindingKind
    start: int
    end: int
    confidence: float
    distance: int  # _Page.distance to the nearest context word; no_context if none
    keep: int | None  # characters left visible when masked; None = a topic word, shown


class _Page:
    """One page's text, with context-word positions found once per word list."""

    def __init__(self, text: str, window: int) -> None:
        self.text = text
        self.window = window
        self.no_context = 2 * window + 2  # ranks after any distance() result
        self._words: dict[re.Pattern[str], tuple[list[int], list[int]]] = {}

    def words(self, pattern: re.Pattern[str]) -> tuple[list[int], list[int]]:
        """Starts and ends of the matches of ``pattern``, both sorted (matches never overlap)."""
        if pattern not in self._words:
            spans = [m.span() for m in pattern.finditer(self.text)]
            self._words[pattern] = ([s for s, _ in spans], [e for _, e in spans])
        return self._words[pattern]

    def distance(self, pattern: re.Pattern[str], start: int, end: int) -> int | None:
        """How near a match of ``pattern`` is to [start, end); None if beyond the window.

        Twice the gap in characters, plus one when the word follows the value: labels
        usually come before values, so of two equally near words the one before wins.
        """
        starts, ends = self.words(pattern)
        best = None
        i = bisect.bisect_left(ends, start - self.window)
        while i < len(starts) and starts[i] <= end + self.window:
            before = start - ends[i]
            rank = 2 * before if before >= 0 else 2 * max(0, starts[i] - end) + 1
            best = rank if best is None else min(best, rank)
            i += 1
        return best


def _ssns(page: _Page) -> Iterator[_Candidate]:
    for m in rules.SSN.finditer(page.text):
        if not rules.ssn_is_valid(m["area"], m["group"], m["serial"]):
            continue
        near = page.distance(rules.SSN_WORDS, m.start(), m.end())
        if m["sep"]:
            confidence = _SSN_FORMATTED if near is None else _SSN_WITH_WORDS
        else:
            confidence = _SSN_BARE if near is None else _SSN_BARE_WITH_WORDS
        distance = page.no_context if near is None else near
        yield _Candidate(FindingKind.SSN, m.start(), m.end(), confidence, distance, _KEEP_LAST)


def _cards(page: _Page) -> Iterator[_Candidate]:
    for m in rules.CARD.finditer(page.text):
        ends = [m.end()]
        # "4111 1111 1111 1111 12/27": the expiry month may have been read as a tail group.
        if m["sep"] and m.group().count(m["sep"]) == 4:
            ends.append(m.start() + m.group().rindex(m["sep"]))
        for end in ends:
            digits = _NOT_ALNUM.sub("", page.text[m.start() : end])
            if rules.luhn_is_valid(digits) and rules.card_brand_is_plausible(digits):
                kind = FindingKind.PAYMENT_CARD
                yield _Candidate(kind, m.start(), end, _CARD, page.no_context, _KEEP_LAST)
                break


def _card_security_codes(page: _Page) -> Iterator[_Candidate]:
    # Only the first 3-4 digit number after the word: the card digits often come before it.
    text = page.text
    for word in rules.CARD_SECURITY_WORDS.finditer(text):
        limit = min(len(text), word.end() + page.window + 4)
        m = rules.CARD_SECURITY_CODE.search(text, word.end(), limit)
        if m and m.start() - word.end() <= page.window:
            # Re-match without the search limit so a longer number cut at it is refused.
            whole = rules.CARD_SECURITY_CODE.match(text, m.start())
            if whole and whole.end() == m.end():
                kind = FindingKind.CARD_SECURITY_CODE
                rank = 2 * (m.start() - word.end())  # as _Page.distance ranks a word before
                yield _Candidate(kind, m.start(), m.end(), _CARD_SECURITY_CODE, rank, 0)


def _digit_runs(page: _Page) -> Iterator[_Candidate]:
    """Bank accounts, routing numbers, DoD IDs and plain 9-digit licences: all need words."""
    for m in rules.DIGIT_RUN.finditer(page.text):
        digits, start, end = m.group(), m.start(), m.end()
        checks: list[tuple[FindingKind, re.Pattern[str], float]] = [
            (FindingKind.BANK_ACCOUNT, rules.ACCOUNT_WORDS, _BANK_ACCOUNT)
        ]
        if len(digits) == 9:
            checks.append((FindingKind.DRIVER_LICENCE_OR_STATE_ID, rules.LICENCE_WORDS, _LICENCE_NEEDS_WORDS))
            if rules.aba_routing_is_valid(digits):
                checks.append((FindingKind.ROUTING_NUMBER, rules.ROUTING_WORDS, _ROUTING))
        elif len(digits) == 10:
            checks.append((FindingKind.MILITARY_ID, rules.MILITARY_WORDS, _MILITARY_ID))
        for kind, words, confidence in checks:
            near = page.distance(words, start, end)
            if near is not None:
                yield _Candidate(kind, start, end, confidence, near, _KEEP_LAST)


def _licences(page: _Page) -> Iterator[_Candidate]:
    kind = FindingKind.DRIVER_LICENCE_OR_STATE_ID
    for m in rules.LICENCE_DISTINCT.finditer(page.text):
        near = page.distance(rules.LICENCE_WORDS, m.start(), m.end())
        confidence = _LICENCE_DISTINCT if near is None else _LICENCE_WITH_WORDS
        distance = page.no_context if near is None else near
        yield _Candidate(kind, m.start(), m.end(), confidence, distance, _KEEP_LAST)
    for m in rules.LICENCE_NEEDS_CONTEXT.finditer(page.text):
        near = page.distance(rules.LICENCE_WORDS, m.start(), m.end())
        if near is not None:
            yield _Candidate(kind, m.start(), m.end(), _LICENCE_NEEDS_WORDS, near, _KEEP_LAST)


def _dates_of_birth(page: _Page) -> Iterator[_Candidate]:
    """Dates near a birth word; the one the word labels is confident, the others less so.

    A birth word labels the first date after it, or failing that the last date before
    it, so in "DOB 01/05/1980, arrested 02/10/2026" the arrest date is only a suspect.
    """
    dates = [
        (m.start(), m.end(), near)
        for m in rules.DATE.finditer(page.text)
        if (near := page.distance(rules.BIRTH_WORDS, m.start(), m.end())) is not None
    ]
    if not dates:
        return
    starts = [start for start, _, _ in dates]
    labelled = set()
    for word_start, word_end in zip(*page.words(rules.BIRTH_WORDS), strict=True):
        i = bisect.bisect_left(starts, word_end)
        if i < len(dates) and dates[i][0] - word_end <= page.window:
            labelled.add(i)
        elif i > 0 and 0 <= word_start - dates[i - 1][1] <= page.window:
            labelled.add(i - 1)
    kind = FindingKind.DATE_OF_BIRTH
    for i, (start, end, near) in enumerate(dates):
        confidence = _DATE_OF_BIRTH if i in labelled else _DATE_NEAR_BIRTH_WORD
        yield _Candidate(kind, start, end, confidence, near, 0)


# (pattern, kind, confidence, characters kept visible; None = a topic word, not masked)
_MARKERS: tuple[tuple[re.Pattern[str], FindingKind, float, int | None], ...] = (
    (rules.MEDICAL_TERMS, FindingKind.MEDICAL_INFORMATION, _MARKER_WORD, None),
    (rules.MEDICAL_CODE, FindingKind.MEDICAL_INFORMATION, _MARKER_CODE, 0),
    (rules.JUVENILE_TERMS, FindingKind.JUVENILE_INFORMATION, _MARKER_WORD, None),
    (rules.JUVENILE_AGE, FindingKind.JUVENILE_INFORMATION, _MARKER_WORD, None),
    (rules.JUVENILE_CASE, FindingKind.JUVENILE_INFORMATION, _MARKER_CODE, _KEEP_LAST),
)


def _markers(page: _Page) -> Iterator[_Candidate]:
    for pattern, kind, confidence, keep in _MARKERS:
        for m in pattern.finditer(page.text):
            yield _Candidate(kind, m.start(), m.end(), confidence, page.no_context, keep)


_DETECTORS: tuple[Callable[[_Page], Iterator[_Candidate]], ...] = (
    _ssns,
    _cards,
    _card_security_codes,
    _digit_runs,
    _licences,
    _dates_of_birth,
    _markers,
)
_ORDER = {kind: index for index, kind in enumerate(FindingKind)}
_CHECK_DIGIT_KINDS = frozenset({FindingKind.PAYMENT_CARD, FindingKind.ROUTING_NUMBER})


def _rank(c: _Candidate) -> tuple[int, int, float, int, int]:
    # Check digits beat context words, identifiers beat topic markers; then the nearest
    # context word decides what a bare number is ("Acct 123456789, SSN ..." is an account).
    tier = 0 if c.kind in _CHECK_DIGIT_KINDS else 2 if c.kind.is_marker else 1
    return (tier, c.distance, -c.confidence, _ORDER[c.kind], c.start - c.end)


def _resolve(candidates: list[_Candidate]) -> list[_Candidate]:
    """Keep the best candidate for each stretch of text; the result does not overlap."""
    chosen: list[_Candidate] = []
    starts: list[int] = []
    for c in sorted(candidates, key=_rank):
        i = bisect.bisect_left(starts, c.start)
        if (i > 0 and chosen[i - 1].end > c.start) or (i < len(chosen) and chosen[i].start < c.end):
            continue
        starts.insert(i, c.start)
        chosen.insert(i, c)
    return chosen


def _masked(text: str, candidates: list[_Candidate]) -> str:
    """The page with every detected value masked (overlapping ones too), same length.

    Each value keeps at most its last few letters or digits visible.
    """
    chars = list(text)
    for c in candidates:
        if c.keep is None:
            continue
        alnum = [i for i in range(c.start, c.end) if text[i].isalnum()]
        keep = min(c.keep, max(0, len(alnum) - _MIN_HIDDEN))
        for i in alnum[: len(alnum) - keep]:
            chars[i] = _MASK
    return "".join(chars)


def _snippet(masked: str, c: _Candidate) -> str:
    window = masked[max(0, c.start - SNIPPET_CONTEXT) : c.end + SNIPPET_CONTEXT]
    return " ".join(window.split())


def _fingerprint(key: bytes, kind: FindingKind, page: int, value: str) -> str:
    normalised = _NOT_ALNUM.sub("", value).upper()
    message = f"{kind.value}\x1f{page}\x1f{normalised}".encode()
    return hmac.digest(key, message, "sha256").hex()


# Text extracted from PDFs and Word files carries no-break spaces and Unicode dashes
# inside numbers. Each folds to one ASCII character, so offsets are unchanged.
_FOLDABLE = re.compile("[\u00a0\u2007\u202f\u2010-\u2015\u2212]")
_FOLD = str.maketrans(
    {ch: " " for ch in "\u00a0\u2007\u202f"}
    | {chr(code): "-" for code in range(0x2010, 0x2016)}
    | {"\u2212": "-"}
)


def scan_text(
    text: str,
    page: int = 1,
    *,
    near_window: int = NEAR_WINDOW,
    fingerprint_key: bytes = b"",
) -> list[Finding]:
    """Find sensitive data in one page's text.

    Returns findings sorted by start offset, none overlapping another. Pass the
    application's secret as ``fingerprint_key`` so a fingerprint cannot be reversed by
    hashing every possible SSN; the same key gives the same fingerprints on every scan.
    """
    if page < 1:
        raise ValueError("Page numbers start at 1.")
    if near_window < 0:
        raise ValueError("The near-word window cannot be negative.")
    folded = text.translate(_FOLD) if _FOLDABLE.search(text) else text
    context = _Page(folded, near_window)
    candidates = [c for detect in _DETECTORS for c in detect(context)]
    masked = _masked(text, candidates)
    return [
        Finding(
            kind=c.kind,
            page=page,
            start=c.start,
            end=c.end,
            snippet=_snippet(masked, c),
            confidence=c.confidence,
            fingerprint=_fingerprint(fingerprint_key, c.kind, page, folded[c.start : c.end]),
        )
        for c in _resolve(candidates)
    ]


def scan_pages(
    pages: Iterable[str],
    *,
    near_window: int = NEAR_WINDOW,
    fingerprint_key: bytes = b"",
) -> list[Finding]:
    """Scan each page's text (numbered from 1); findings sorted by (page, start)."""
    findings: list[Finding] = []
    for number, text in enumerate(pages, start=1):
        findings.extend(scan_text(text, number, near_window=near_window, fingerprint_key=fingerprint_key))
    return findings
