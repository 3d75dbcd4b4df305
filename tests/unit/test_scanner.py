"""The sensitive-data scanner run before any release (LAW.md section 5, DESIGN.md idea 5)."""

import re
from collections import Counter
from dataclasses import FrozenInstanceError

import pytest

from sunshine.documents.scanner import (
    NEAR_WINDOW,
    Finding,
    FindingKind,
    scan_pages,
    scan_text,
)

K = FindingKind


def values(text: str, kind: FindingKind | None = None) -> list[str]:
    """The matched text of each finding (of ``kind``, if given), read back from the page."""
    return [text[f.start : f.end] for f in scan_text(text) if kind is None or f.kind is kind]


def kinds(text: str) -> list[FindingKind]:
    return [f.kind for f in scan_text(text)]


def only(text: str) -> Finding:
    findings = scan_text(text)
    assert len(findings) == 1, findings
    return findings[0]


def alnum(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


# --- Social Security numbers --------------------------------------------------------


@pytest.mark.parametrize("ssn", ["401-22-6789", "401 22 6789", "401226789"])
def test_ssn_is_found_with_dashes_spaces_or_bare(ssn):
    text = f"Subject SSN: {ssn} on file."
    assert values(text) == [ssn]
    assert only(text).kind is K.SSN


def test_ssn_confidence_rises_with_dashes_and_ssn_words():
    bare = only("Reference 401226789 noted.").confidence
    dashed = only("Reference 401-22-6789 noted.").confidence
    labelled = only("Social Security number 401-22-6789 noted.").confidence
    bare_labelled = only("SSN 401226789 noted.").confidence
    assert bare < dashed < labelled
    assert bare < bare_labelled


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "999-12-3456",
        "401-00-6789",
        "401-22-0000",
        "078-05-1120",
        "219-09-9999",
    ],
)
def test_invalid_or_advertising_ssns_are_not_flagged(ssn):
    assert scan_text(f"SSN {ssn}") == []


@pytest.mark.parametrize(
    "text",
    [
        "Call 816-555-1234 after five.",
        "Call (816) 555-1234 after five.",
        "Call 8165551234 after five.",
        "Call +1 816 555 1234 after five.",
    ],
)
def test_phone_numbers_are_not_flagged_as_ssn(text):
    assert scan_text(text) == []


def test_ssn_shaped_digits_inside_a_longer_number_are_not_flagged():
    assert scan_text("Item 2026-401-22-6789-A and serial 4012267890 logged.") == []


def test_ssn_separators_must_match():
    assert scan_text("Part 401-22 6789 shipped.") == []


# --- Payment cards and security codes -----------------------------------------------


@pytest.mark.parametrize(
    "card",
    [
        "4111111111111111",  # Visa
        "4111 1111 1111 1111",
        "4222222222222",  # Visa, 13 digits
        "5555-5555-5555-4444",  # Mastercard 51-55
        "2223 0031 2200 3222",  # Mastercard 2-series
        "3782 822463 10005",  # Amex 4-6-5
        "371449635398431",
        "6011111111111117",  # Discover
        "6500000000000002",
        "6445644564456445",
    ],
)
def test_luhn_valid_cards_with_known_prefixes_are_found(card):
    text = f"Paid with {card} at the counter."
    assert values(text) == [card]
    assert only(text).kind is K.PAYMENT_CARD


def test_sixteen_digits_failing_luhn_are_not_flagged():
    assert scan_text("Paid with 4111111111111112 at the counter.") == []


def test_luhn_valid_number_with_no_card_prefix_is_not_flagged():
    assert scan_text("Evidence tag 1234567812345670 logged.") == []


def test_card_followed_by_expiry_is_still_found():
    text = "Card 4111 1111 1111 1111 12/27 declined."
    assert values(text) == ["4111 1111 1111 1111"]


def test_card_near_account_words_is_reported_once_as_a_card():
    text = "Bank account 4111111111111111 was charged."
    assert kinds(text) == [K.PAYMENT_CARD]


@pytest.mark.parametrize("words", ["CVV", "CVV2:", "CVC", "security code"])
def test_security_code_after_cvv_words_is_found_and_fully_masked(words):
    text = f"Visa ending 1111, {words} 382, expires soon."
    finding = only(text)
    assert finding.kind is K.CARD_SECURITY_CODE
    assert text[finding.start : finding.end] == "382"
    assert "382" not in finding.snippet
    assert f"{words} ***" in finding.snippet


def test_three_digits_without_cvv_words_are_not_flagged():
    assert scan_text("Unit 382 responded to 1200 Main St.") == []


def test_security_code_ignores_longer_numbers():
    assert scan_text("CVV not given; caller 81655512345 hung up.") == []


# --- Bank accounts and routing numbers ----------------------------------------------


@pytest.mark.parametrize(
    "text, number",
    [
        ("Checking account 00012345678 closed.", "00012345678"),
        ("Acct# 9876543210123 frozen.", "9876543210123"),
        ("Savings 123456 at First Bank.", "123456"),
    ],
)
def test_digit_runs_near_account_words_are_bank_accounts(text, number):
    finding = only(text)
    assert finding.kind is K.BANK_ACCOUNT
    assert text[finding.start : finding.end] == number


def test_digit_runs_without_account_words_are_not_flagged():
    assert scan_text("Property tag 00012345678 returned to owner.") == []


def test_money_amounts_near_bank_words_are_not_flagged():
    assert scan_text("The bank reported a loss of $1234567.89 last week.") == []


def test_routing_number_with_valid_checksum_near_routing_words():
    text = "Routing 101000695, account 00012345678."
    findings = scan_text(text)
    assert [(f.kind, text[f.start : f.end]) for f in findings] == [
        (K.ROUTING_NUMBER, "101000695"),
        (K.BANK_ACCOUNT, "00012345678"),
    ]


def test_routing_number_failing_checksum_is_only_an_account_number():
    assert kinds("Routing 101000696 given.") == [K.BANK_ACCOUNT]


def test_bare_number_is_classified_by_the_word_labelling_it():
    text = "Acct 123456789 and SSN 401226789 noted."
    assert [f.kind for f in scan_text(text)] == [K.BANK_ACCOUNT, K.SSN]


# --- Missouri driver licence and nondriver ID numbers -------------------------------


@pytest.mark.parametrize("number", ["A123456789", "A123456R", "12345678AB", "123456789A", "123A456789"])
def test_distinctive_missouri_licence_formats_are_found_without_words(number):
    text = f"Subject produced {number} at the scene."
    finding = only(text)
    assert finding.kind is K.DRIVER_LICENCE_OR_STATE_ID
    assert text[finding.start : finding.end] == number


def test_licence_words_raise_confidence():
    bare = only("Subject produced A123456789 at the scene.").confidence
    labelled = only("Missouri driver license A123456789.").confidence
    assert labelled > bare


@pytest.mark.parametrize("number", ["A12345", "B1234567", "401226789"])
def test_ambiguous_licence_formats_need_licence_words(number):
    assert values(f"MO DLN {number} expired.", K.DRIVER_LICENCE_OR_STATE_ID) == [number]
    assert values(f"Report {number} filed.", K.DRIVER_LICENCE_OR_STATE_ID) == []


def test_nine_digits_labelled_as_licence_are_not_also_an_ssn():
    text = "Operator license 401226789 suspended."
    assert kinds(text) == [K.DRIVER_LICENCE_OR_STATE_ID]


def test_nondriver_state_id_is_a_licence_word():
    assert kinds("Missouri state ID 401226789 shown.") == [K.DRIVER_LICENCE_OR_STATE_ID]


# --- Military ID ----------------------------------------------------------------------


@pytest.mark.parametrize("label", ["DoD ID", "EDIPI", "military ID", "CAC number"])
def test_dod_id_near_military_words_is_found(label):
    text = f"{label} 1234567890 verified."
    finding = only(text)
    assert finding.kind is K.MILITARY_ID
    assert text[finding.start : finding.end] == "1234567890"


def test_ten_digits_without_military_words_are_not_flagged():
    assert scan_text("Incident 1234567890 closed.") == []


# --- Dates of birth -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, date",
    [
        ("DOB: 01/05/1980", "01/05/1980"),
        ("D.O.B. 1/5/80", "1/5/80"),
        ("Date of birth 1980-01-05", "1980-01-05"),
        ("born January 5, 1980 in Joplin", "January 5, 1980"),
        ("Birth date: Jan. 5th 1980", "Jan. 5th 1980"),
        ("birthdate 5 Jan 1980", "5 Jan 1980"),
        ("DOB 05-JAN-1980", "05-JAN-1980"),
        ("DOB 1980-01-05T00:00:00", "1980-01-05"),
    ],
)
def test_dates_near_birth_words_are_dates_of_birth(text, date):
    finding = only(text)
    assert finding.kind is K.DATE_OF_BIRTH
    assert text[finding.start : finding.end] == date


def test_dates_without_birth_words_are_not_flagged():
    assert scan_text("Received 01/05/2026; incident on January 5, 2026 at 1400.") == []


@pytest.mark.parametrize(
    "text",
    [
        "Created 2026-02-10T14:30:00Z by the system.",
        "Updated 2026-02-10T14:30:00.123456+00:00 by the system.",
        "Request 2026-000123 acknowledged.",
        "Tracking number 2026-000123 assigned to the account.",
    ],
)
def test_timestamps_and_tracking_numbers_are_not_flagged(text):
    assert scan_text(text) == []


def test_the_date_a_birth_word_labels_outranks_other_nearby_dates():
    text = "DOB 01/05/1980, arrested 02/10/2026."
    birth, arrest = scan_text(text)
    assert text[birth.start : birth.end] == "01/05/1980"
    assert birth.confidence > arrest.confidence


def test_date_of_birth_is_masked_entirely():
    finding = only("DOB: 01/05/1980")
    assert finding.snippet == "DOB: **/**/****"


# --- Medical and juvenile markers -----------------------------------------------------


@pytest.mark.parametrize(
    "term",
    ["diagnosis", "prescription", "medications", "HIPAA", "mental health", "psychiatric", "ICD-10"],
)
def test_medical_words_are_low_confidence_markers(term):
    finding = only(f"Notes mention {term} here.")
    assert finding.kind is K.MEDICAL_INFORMATION
    assert finding.kind.is_marker
    assert finding.confidence < 0.5


def test_icd10_code_is_a_masked_medical_marker():
    text = "Coded F32.1 at intake."
    finding = only(text)
    assert finding.kind is K.MEDICAL_INFORMATION
    assert text[finding.start : finding.end] == "F32.1"
    assert "F32.1" not in finding.snippet


@pytest.mark.parametrize(
    "text, marker",
    [
        ("Referred to juvenile court today.", "juvenile court"),
        ("The minor child was present.", "minor child"),
        ("Closed under RSMo 211.321.", "211.321"),
        ("Case JUV-2024-00123 pending.", "JUV-2024-00123"),
        ("Case 24JA-JU00123 pending.", "24JA-JU00123"),
        ("Witness, age 15, interviewed.", "age 15"),
        ("A 15-year-old was detained.", "15-year-old"),
    ],
)
def test_juvenile_words_are_markers(text, marker):
    finding = only(text)
    assert finding.kind is K.JUVENILE_INFORMATION
    assert text[finding.start : finding.end] == marker


@pytest.mark.parametrize("text", ["Witness, age 45, interviewed.", "See page 15.", "A minor injury."])
def test_adult_ages_and_ordinary_words_are_not_juvenile_markers(text):
    assert scan_text(text) == []


def test_markers_rank_below_identifiers():
    marker = only("HIPAA applies.").confidence
    weakest_identifier = only("Reference 401226789 noted.").confidence
    assert marker < weakest_identifier


# --- Masking ----------------------------------------------------------------------------

EVERY_KIND = (
    "Subject SSN 401-22-6789, DOB 01/05/1980, DL A123456789, DoD ID 1234567890. "
    "Card 4111 1111 1111 1111 CVV 382. Routing 101000695 checking 00012345678. "
    "Diagnosis F32.1; juvenile court case JUV-2024-00123."
)


def test_the_sample_covers_every_kind():
    assert set(kinds(EVERY_KIND)) == set(FindingKind)


def test_masked_values_never_appear_in_snippet_or_repr():
    topic_words = {"Diagnosis", "juvenile court"}  # shown: they name a topic, not a person
    for finding in scan_text(EVERY_KIND):
        value = EVERY_KIND[finding.start : finding.end]
        if value in topic_words:
            assert value in finding.snippet
            continue
        assert value not in repr(finding)
        assert alnum(value) not in alnum(finding.snippet)
        assert alnum(value) not in alnum(repr(finding))


def test_snippet_keeps_at_most_the_last_four_characters():
    assert "***-**-6789" in only("SSN 401-22-6789").snippet
    assert "**** **** **** 1111" in only("Card 4111 1111 1111 1111").snippet


def test_short_values_hide_at_least_five_characters():
    finding = only("Savings 123456 opened.")
    assert "*****6" in finding.snippet


def test_snippet_masks_neighbouring_values_too():
    finding = scan_text("SSN 401-22-6789 DOB 01/05/1980")[1]
    assert finding.kind is K.DATE_OF_BIRTH
    assert finding.snippet == "SSN ***-**-6789 DOB **/**/****"


def test_snippet_is_short_and_on_one_line():
    text = "x" * 500 + "\nSSN\n401-22-6789\n" + "y" * 500
    snippet = only(text).snippet
    assert "\n" not in snippet
    assert len(snippet) < 80


def test_fingerprint_is_left_out_of_repr():
    finding = only("SSN 401-22-6789")
    assert finding.fingerprint
    assert finding.fingerprint not in repr(finding)


def test_findings_are_frozen():
    finding = only("SSN 401-22-6789")
    with pytest.raises(FrozenInstanceError):
        finding.snippet = "401-22-6789"  # type: ignore[misc]


# --- Pages, offsets, order and overlaps -----------------------------------------------


def test_offsets_point_at_the_value_in_its_page():
    pages = ["Nothing here.", "Intro text. SSN 401-22-6789.", "DOB: 01/05/1980"]
    findings = scan_pages(pages)
    assert [(f.page, pages[f.page - 1][f.start : f.end]) for f in findings] == [
        (2, "401-22-6789"),
        (3, "01/05/1980"),
    ]
    assert (findings[0].start, findings[0].end) == (16, 27)


def test_findings_are_sorted_by_page_then_start():
    pages = [EVERY_KIND, "DOB 01/05/1980 and SSN 401-22-6789", EVERY_KIND]
    findings = scan_pages(pages)
    assert findings == sorted(findings, key=lambda f: (f.page, f.start))
    assert {f.page for f in findings} == {1, 2, 3}


def test_scan_pages_accepts_any_iterable():
    assert [f.page for f in scan_pages(p for p in ["", "SSN 401-22-6789"])] == [2]


def test_no_two_findings_overlap():
    text = EVERY_KIND + " Acct 123456789 SSN 401226789 DL 987654321 EDIPI 1234567890."
    findings = scan_text(text)
    for earlier, later in zip(findings, findings[1:], strict=False):
        assert earlier.end <= later.start


def test_unicode_dashes_and_no_break_spaces_keep_offsets():
    text = "SSN\u00a0401\u201122\u20116789 and card 4111\u00a01111\u00a01111\u00a01111"
    findings = scan_text(text)
    assert [f.kind for f in findings] == [K.SSN, K.PAYMENT_CARD]
    assert text[findings[0].start : findings[0].end] == "401\u201122\u20116789"
    assert "6789" in findings[0].snippet and "401" not in findings[0].snippet


def test_page_numbers_start_at_one():
    with pytest.raises(ValueError, match="start at 1"):
        scan_text("SSN 401-22-6789", page=0)


def test_near_window_is_configurable():
    text = "Account holder named in the attached form, number " + "." * 20 + " 00012345678"
    gap = text.index("000") - len("Account")
    assert gap > NEAR_WINDOW
    assert scan_text(text) == []
    assert [f.kind for f in scan_text(text, near_window=gap)] == [K.BANK_ACCOUNT]


# --- Fingerprints -----------------------------------------------------------------------


def test_fingerprint_is_stable_across_rescans():
    first = [f.fingerprint for f in scan_pages([EVERY_KIND, EVERY_KIND])]
    second = [f.fingerprint for f in scan_pages([EVERY_KIND, EVERY_KIND])]
    assert first == second
    assert all(re.fullmatch(r"[0-9a-f]{64}", fp) for fp in first)


def test_fingerprint_survives_edits_elsewhere_on_the_page():
    before = only("SSN 401-22-6789").fingerprint
    after = only("Corrected text above. Subject SSN 401 22 6789").fingerprint
    assert before == after


def test_fingerprint_disappears_once_the_value_is_redacted():
    before = Counter(f.fingerprint for f in scan_text("SSN 401-22-6789, again 401-22-6789"))
    after = Counter(f.fingerprint for f in scan_text("SSN [REDACTED], again 401-22-6789"))
    assert sum(before.values()) == 2 and len(before) == 1
    assert after == Counter(dict.fromkeys(before, 1))


def test_fingerprint_depends_on_page_value_and_key():
    one = scan_pages(["SSN 401-22-6789", "SSN 401-22-6789"])
    assert one[0].fingerprint != one[1].fingerprint
    assert only("SSN 401-22-6789").fingerprint != only("SSN 401-22-6788").fingerprint
    keyed = scan_text("SSN 401-22-6789", fingerprint_key=b"secret")[0]
    assert keyed.fingerprint != only("SSN 401-22-6789").fingerprint


# --- Size ---------------------------------------------------------------------------------


def test_large_mixed_document_scans_completely():
    paragraph = (
        "On 02/10/2026 at 1430 hrs Officer Smith (badge 4471) responded to 1200 Main St. "
        "Report 2026-000123. Subject DOB 01/05/1980, SSN 401-22-6789, DL A123456789. Paid "
        "with card 4111-1111-1111-1111; account 00012345678 at the bank. Phone 816-555-1234. "
        "The juvenile court was notified and the 15-year-old was seen for a mental health "
        "evaluation. The caller said the music had been loud since the early afternoon. "
    )
    page = (paragraph * 9)[:3000]
    findings = scan_pages([page] * 500)
    per_page = len(scan_text(page))
    assert per_page > 50
    assert len(findings) == per_page * 500
    assert findings[-1].page == 500


@pytest.mark.parametrize(
    "filler",
    ["1", "1 ", "1-", "1/", "a1", "1234 ", "CVV ", "account 123456 ", "juvenile ", "JUV-1"],
)
def test_adversarial_repetition_does_not_blow_up(filler):
    text = filler * (200_000 // len(filler))
    findings = scan_text(text)
    assert all(f.start < f.end for f in findings)
