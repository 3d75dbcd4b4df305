"""Patterns, context words and check-digit rules for the sensitive-data scanner.

Kept apart from ``scanner.py`` so the detection pipeline reads on its own; nothing here
knows about findings, pages or masking. Every pattern is compiled once, uses bounded
quantifiers with no nested repetition (so matching stays linear in the text), and is
ASCII-only: ``scanner`` folds no-break spaces and Unicode dashes before matching.
"""

from __future__ import annotations

import re

_FLAGS = re.ASCII
_WORDS = re.ASCII | re.IGNORECASE

# A value stands alone: not glued to letters or digits, and not the head or tail of a
# longer dotted/dashed number (2026-000123, 10.0.0.1, $1234567.89, a time's fraction).
_LB = r"(?<![A-Za-z0-9])(?<![0-9][-./])"
_RB = r"(?![A-Za-z0-9])(?![-./][0-9])"
# Testing the first character before the look-behinds lets ``re`` skip ahead quickly
# (about twice as fast on prose).
_LB_DIGIT = r"(?=[0-9])" + _LB

# --- Values -------------------------------------------------------------------------

# 123-45-6789, 123 45 6789 or 123456789; the separator must be the same both times.
SSN = re.compile(
    _LB_DIGIT + r"(?P<area>\d{3})(?P<sep>[- ]?)(?P<group>\d{2})(?P=sep)(?P<serial>\d{4})" + _RB,
    _FLAGS,
)

# Card numbers as printed: one run of 13-19 digits, 4-4-4-4 (up to 19 with a tail group)
# or Amex 4-6-5, with one consistent separator.
CARD = re.compile(
    _LB_DIGIT
    + r"(?:\d{13,19}"
    + r"|\d{4}(?P<sep>[ -])\d{4}(?P=sep)\d{4}(?P=sep)\d{1,4}(?:(?P=sep)\d{1,3})?"
    + r"|\d{4}(?P<amex_sep>[ -])\d{6}(?P=amex_sep)\d{4,5})"
    + _RB,
    _FLAGS,
)

CARD_SECURITY_CODE = re.compile(_LB_DIGIT + r"\d{3,4}" + _RB, _FLAGS)

# Bank accounts (6-17 digits), routing numbers (9), DoD IDs (10), plain 9-digit licences.
DIGIT_RUN = re.compile(_LB_DIGIT + r"\d{6,17}" + _RB, _FLAGS)

# Missouri driver licence and nondriver (state ID) numbers. Sources: NTSI's table of
# state licence formats (ntsi.com/drivers-license-format), which lists for Missouri
# "1 alpha + 5-9 numeric, 1 alpha + 6 numeric + R, 8 numeric + 2 alpha, 9 numeric +
# 1 alpha, 9 numeric"; the TRACS Florida wiki's copy of that table adds "3 numeric +
# 1 alpha + 6 numeric"; screening vendors name letter + 9 digits as the current common
# form. No 15-digit Missouri format is documented (the 16-digit "DD" on the card is a
# document discriminator, not the licence number), so none is matched.
# The distinctive shapes below are flagged on their own; letter + 5-8 digits and plain
# 9 digits look like report, badge and case numbers, so they need a licence word nearby.
LICENCE_DISTINCT = re.compile(
    _LB + r"(?:[A-Z]\d{9}|[A-Z]\d{6}R|\d{8}[A-Z]{2}|\d{9}[A-Z]|\d{3}[A-Z]\d{6})" + _RB,
    _WORDS,
)
LICENCE_NEEDS_CONTEXT = re.compile(_LB + r"[A-Z]\d{5,8}" + _RB, _WORDS)

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTH_NUM = r"(?:0?[1-9]|1[0-2])"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR4 = r"(?:18|19|20)\d{2}"
_YEAR = rf"(?:{_YEAR4}|\d{{2}})"
# 01/05/1980, 1-5-80, 25.12.1980, 1980-01-05, January 5th, 1980, Jan. 5 1980, 5 Jan 1980,
# 05-JAN-1980. A date may run straight into an ISO time ("1980-01-05T00:00").
DATE = re.compile(
    r"(?=[0-9ADFJMNOS])"  # a digit or a month's initial
    + _LB
    + rf"(?:{_MONTH_NUM}(?P<sep1>[-/.]){_DAY}(?P=sep1){_YEAR}"
    + rf"|{_DAY}(?P<sep2>[-/.]){_MONTH_NUM}(?P=sep2){_YEAR}"
    + rf"|{_YEAR4}(?P<sep3>[-/.]){_MONTH_NUM}(?P=sep3){_DAY}"
    + rf"|{_MONTH}\.?[ \t]{{1,3}}{_DAY}{_ORDINAL},?[ \t]{{1,3}}{_YEAR4}"
    + rf"|{_DAY}{_ORDINAL}[ \t-]{{0,3}}{_MONTH}\.?[ \t,-]{{0,3}}{_YEAR})"
    + r"(?:(?![A-Za-z0-9])(?![-./][0-9])|(?=T\d))",
    _WORDS,
)

# --- Context words that must sit near a value ---------------------------------------

SSN_WORDS = re.compile(
    r"\bSSN\b|\bSS\s?#|\bS\.S\.N\b|\bSS\s?No\b|\bsocial\s+security\b|\bsoc\.?\s?sec\b",
    _WORDS,
)
CARD_SECURITY_WORDS = re.compile(r"\b(?:CVV2?|CVC2?|CVN|card\s+verification|security\s+code)\b", _WORDS)
ACCOUNT_WORDS = re.compile(r"\b(?:accounts?|acct|routing|checking|savings|banks?|banking)\b", _WORDS)
ROUTING_WORDS = re.compile(r"\b(?:routing|ABA|RTN|transit)\b", _WORDS)
LICENCE_WORDS = re.compile(
    r"\b(?:drivers?|driver's|licen[cs]es?|DLN?|OLN?|state\s+ID|operator'?s?|non-?driver)\b",
    _WORDS,
)
MILITARY_WORDS = re.compile(
    r"\b(?:DoD\s?ID|DoD\s+identification|EDI-?PI|military\s+ID|CAC|common\s+access\s+card"
    r"|DBIDS)\b",
    _WORDS,
)
BIRTH_WORDS = re.compile(
    r"\bDOB\b|\bD\.O\.B\b|\bdate\s+of\s+birth\b|\bbirth\s?-?date\b|\bbirthday\b|\bborn\b",
    _WORDS,
)

# --- Markers: words and codes that say a passage holds medical or juvenile information

MEDICAL_TERMS = re.compile(
    r"\b(?:diagnos(?:is|es|ed)|prescri(?:ptions?|bed)|medications?|HIPAA|ICD-?10"
    r"|protected\s+health\s+information|mental\s+(?:health|illness)|psychiatri(?:c|st)"
    r"|psychological|behavioral\s+health|medical\s+(?:records?|history|condition)"
    r"|substance\s+abuse|overdosed?|HIV|pregnan(?:t|cy)|schizophreni[ac]|bipolar|PTSD"
    r"|suicidal|suicide\s+attempt|involuntary\s+commitment|96[- ]hour\s+(?:hold|detention))\b",
    _WORDS,
)
# ICD-10-CM: letter (not U), digit, digit or A/B, a dot and 1-4 more characters (F32.1).
# The dot is required: without it "I70" or "B52" would match highways and aircraft.
MEDICAL_CODE = re.compile(r"\b[A-TV-Z]\d[0-9AB]\.[0-9A-Z]{1,4}\b", _FLAGS)

# RSMo chapter 211 is the juvenile code; 211.321 closes juvenile court records.
JUVENILE_TERMS = re.compile(
    r"\b(?:juvenile\s+(?:court|office|officer|division|records?|case)|juveniles?"
    r"|minor\s+(?:child|children|victim|suspect)|delinquen(?:t|cy)|children'?s\s+division"
    r"|chapter\s+211|211\.\d{3})\b",
    _WORDS,
)
_UNDER_18 = r"(?:1[0-7]|[1-9])"
JUVENILE_AGE = re.compile(
    rf"\b(?:age[sd]?:?[ \t]{{0,3}}{_UNDER_18}|{_UNDER_18}[ -]?(?:years?[ -]old|y/o|yoa))\b",
    _WORDS,
)
# JUV-2024-00123, or a Missouri Case.net juvenile case number such as 24JA-JU00123.
JUVENILE_CASE = re.compile(r"\bJUV-?\d[A-Z0-9-]{1,20}|\b\d{2,4}[A-Z]{0,3}-JU\d{3,8}\b", _WORDS)

# --- Check digits and number ranges -------------------------------------------------

# Advertising and test numbers the SSA says were never valid for a person.
_SSN_NEVER_ISSUED = frozenset({"078051120", "219099999"})


def ssn_is_valid(area: str, group: str, serial: str) -> bool:
    """Whether the three parts could be an issued SSN (not 000/666/9xx, 00, 0000)."""
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        return False
    return area + group + serial not in _SSN_NEVER_ISSUED


def luhn_is_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by every payment card number."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand_is_plausible(digits: str) -> bool:
    """Whether the prefix (IIN) and length fit Visa, Mastercard, Amex or Discover."""
    length = len(digits)
    if digits.startswith("4"):
        return length in (13, 16, 19)
    if digits[:2] in ("34", "37"):
        return length == 15
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return length == 16
    if digits.startswith(("6011", "65")) or 644 <= int(digits[:3]) <= 649:
        return 16 <= length <= 19
    return False


def aba_routing_is_valid(digits: str) -> bool:
    """ABA routing number: a Federal Reserve prefix and the 3-7-1 weighted checksum."""
    prefix = int(digits[:2])
    if not (prefix <= 12 or 21 <= prefix <= 32 or 61 <= prefix <= 72 or prefix == 80):
        return False
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 10 == 0
