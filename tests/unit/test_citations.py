"""Citations a denial may cite (LAW.md section 4)."""

import json
from dataclasses import FrozenInstanceError
from importlib import resources

import pytest

from sunshine.records.citations import (
    Citation,
    CitationDataError,
    CitationTable,
    UnknownCitation,
    load_citations,
    statute_sort_key,
    validate_denial,
)

SHIPPED = load_citations()


def make_record(code: str = "610.021(1)", **overrides: object) -> dict[str, object]:
    record: dict[str, object] = {
        "code": code,
        "short_name": f"Short name for {code}",
        "description": f"Plain description for {code}.",
        "statute": f"RSMo {code}",
        "requires_written_finding": False,
        "verified": True,
    }
    record.update(overrides)
    return record


# --- the shipped file -----------------------------------------------------------


def test_shipped_json_file_is_valid_and_loads():
    text = resources.files("sunshine.records").joinpath("citations.json").read_text("utf-8")
    data = json.loads(text)
    assert len(data["citations"]) == len(SHIPPED) > 0


def test_shipped_table_has_every_610_021_subsection_1_to_27():
    for number in range(1, 28):
        assert f"610.021({number})" in SHIPPED


@pytest.mark.parametrize(
    "code",
    [
        "610.021(18)(d)",
        "610.100.2",
        "610.100.3",
        "610.100.2-arrest-not-charged",
        "610.105",
        "211.321",
    ],
)
def test_shipped_table_has_the_police_departments_other_citations(code):
    assert code in SHIPPED


def test_every_shipped_citation_has_a_one_sentence_description_and_statute():
    for citation in SHIPPED.all():
        assert citation.description.endswith("."), citation.code
        assert citation.description.count(". ") == 0, citation.code
        assert citation.statute.startswith("RSMo "), citation.code


def test_only_18d_and_19_require_a_written_finding():
    needing = {c.code for c in SHIPPED.all() if c.requires_written_finding}
    assert needing == {"610.021(18)(d)", "610.021(19)"}
    for code in needing:
        assert "public interest" in SHIPPED.get(code).finding_guidance


def test_minors_records_citation_is_marked_unverified():
    assert SHIPPED.get("610.021(27)").verified is False


def test_every_unverified_citation_explains_why():
    unverified = [c for c in SHIPPED.all() if not c.verified]
    assert unverified
    assert all("nverified" in c.note for c in unverified)


def test_closed_by_another_law_lists_examples_including_juvenile_records_and_cjis():
    examples = " ".join(SHIPPED.get("610.021(14)").examples)
    assert "211.321" in examples
    assert "CJIS" in examples


def test_citations_cannot_be_changed_after_loading():
    with pytest.raises(FrozenInstanceError):
        SHIPPED.get("610.021(1)").verified = False  # type: ignore[misc]


# --- order and lookup -----------------------------------------------------------


def test_all_lists_citations_in_natural_statute_order():
    codes = [c.code for c in SHIPPED.all()]
    assert codes.index("610.021(2)") < codes.index("610.021(10)")
    assert codes.index("610.021(9)") < codes.index("610.021(10)") < codes.index("610.021(27)")
    assert codes.index("610.021(18)") < codes.index("610.021(18)(d)") < codes.index("610.021(19)")
    assert codes.index("211.321") < codes.index("610.021(1)")
    assert codes.index("610.021(27)") < codes.index("610.100.2") < codes.index("610.105")
    assert codes == sorted(codes, key=statute_sort_key)


def test_all_is_in_statute_order_whatever_order_the_records_came_in():
    table = CitationTable.from_records(
        [make_record("610.021(10)"), make_record("610.021(2)"), make_record("610.021(1)")]
    )
    assert [c.code for c in table.all()] == ["610.021(1)", "610.021(2)", "610.021(10)"]


def test_get_returns_the_citation_for_a_known_code():
    citation = SHIPPED.get("610.021(13)")
    assert isinstance(citation, Citation)
    assert "personnel" in citation.short_name.lower()


def test_get_unknown_code_raises_unknown_citation_naming_the_code():
    with pytest.raises(UnknownCitation) as raised:
        SHIPPED.get("610.021(99)")
    assert isinstance(raised.value, KeyError)
    assert raised.value.code == "610.021(99)"
    assert str(raised.value) == ("Unknown citation '610.021(99)': it is not in the citations table.")


# --- building a table from an administrator's dicts -----------------------------


def test_table_can_be_extended_from_dicts():
    records = [make_record(c.code) for c in SHIPPED.all()] + [make_record("43.509")]
    table = CitationTable.from_records(records)
    assert "43.509" in table
    assert len(table) == len(SHIPPED) + 1


def test_missing_required_field_is_rejected_naming_the_entry_and_field():
    record = make_record("610.021(3)")
    del record["description"]
    with pytest.raises(CitationDataError, match=r"entry 2 \('610.021\(3\)'\) is missing: descr"):
        CitationTable.from_records([make_record(), record])


def test_misspelt_field_is_rejected_listing_the_allowed_fields():
    record = make_record(requires_finding=True)
    with pytest.raises(CitationDataError, match="unknown fields: requires_finding.*allowed"):
        CitationTable.from_records([record])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("verified", "yes", "'verified' must be true or false"),
        ("requires_written_finding", 1, "'requires_written_finding' must be true or false"),
        ("short_name", "  ", "'short_name' must be non-blank text"),
        ("code", " 610.021(1)", "must not start or end with spaces"),
        ("examples", "211.321", "'examples' must be a list"),
    ],
)
def test_badly_typed_fields_are_rejected_with_a_clear_message(field, value, message):
    with pytest.raises(CitationDataError, match=message):
        CitationTable.from_records([make_record(**{field: value})])


def test_duplicate_codes_are_rejected():
    with pytest.raises(CitationDataError, match="'610.021\\(1\\)' appears more than once"):
        CitationTable.from_records([make_record(), make_record()])


def test_load_citations_reads_a_file_given_by_path(tmp_path):
    path = tmp_path / "citations.json"
    path.write_text(json.dumps({"citations": [make_record("211.321")]}), encoding="utf-8")
    assert [c.code for c in load_citations(path).all()] == ["211.321"]


@pytest.mark.parametrize("content", ["{not json", '["a list, not an object"]'])
def test_load_citations_rejects_a_malformed_file(tmp_path, content):
    path = tmp_path / "citations.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CitationDataError, match="citations.json"):
        load_citations(path)


# --- validating a denial --------------------------------------------------------


def test_denial_with_a_known_citation_is_valid():
    assert validate_denial(["610.021(13)"], {}, table=SHIPPED) == []


def test_denial_must_cite_at_least_one_provision():
    assert validate_denial([], {}, table=SHIPPED) == [
        "A denial must cite at least one specific provision of law (RSMo 610.023.4)."
    ]


def test_denial_with_an_unknown_citation_names_it():
    assert validate_denial(["610.021(1)", "610.021(99)"], {}, table=SHIPPED) == [
        "Unknown citation '610.021(99)': it is not in the citations table."
    ]


def test_denial_citing_the_same_provision_twice_is_flagged_once():
    assert validate_denial(["610.021(1)", "610.021(1)"], {}, table=SHIPPED) == [
        "610.021(1) is cited more than once; cite each provision once."
    ]


def test_denial_with_a_blank_citation_is_flagged():
    assert validate_denial(["  "], {}, table=SHIPPED) == [
        "One of the citations is blank; choose a provision from the list."
    ]


@pytest.mark.parametrize("code", ["610.021(18)(d)", "610.021(19)"])
@pytest.mark.parametrize("finding", [None, "", "   "])
def test_security_citations_need_a_non_blank_written_finding(code, finding):
    findings = {} if finding is None else {code: finding}
    (problem,) = validate_denial([code], findings, table=SHIPPED)
    assert problem.startswith(f"{code} (")
    assert "needs a written finding: state in writing that disclosure would impair" in problem


def test_security_citation_with_a_written_finding_is_valid():
    finding = "Disclosure would impair our ability to protect the building; nondisclosure wins."
    assert validate_denial(["610.021(19)", "610.021(20)"], {"610.021(19)": finding}, table=SHIPPED) == []


def test_a_finding_for_one_citation_does_not_satisfy_another():
    findings = {"610.021(19)": "Written finding."}
    (problem,) = validate_denial(["610.021(18)(d)", "610.021(19)"], findings, table=SHIPPED)
    assert problem.startswith("610.021(18)(d)")


def test_every_problem_is_reported_at_once():
    problems = validate_denial(["610.021(19)", "bogus", "610.021(19)"], {}, table=SHIPPED)
    assert len(problems) == 3


def test_denial_can_be_checked_against_an_administrators_table():
    table = CitationTable.from_records(
        [make_record("43.509", requires_written_finding=True, finding_guidance="say why")]
    )
    assert validate_denial(["43.509"], {}, table=table) == [
        "43.509 (Short name for 43.509) needs a written finding: say why."
    ]
    assert validate_denial(["610.021(1)"], {}, table=table) == [
        "Unknown citation '610.021(1)': it is not in the citations table."
    ]


def test_a_retired_citation_cannot_be_cited_anew_but_keeps_its_name():
    table = CitationTable(SHIPPED.all(), retired=["610.021(27)"])
    (problem,) = validate_denial(["610.021(27)"], {}, table=table)
    assert problem.startswith("610.021(27) (") and "is retired" in problem and "current provision" in problem
    assert "610.021(27)" not in [c.code for c in table.active()]
    assert len(table.active()) == len(SHIPPED) - 1
    assert table.short_name("610.021(27)") == SHIPPED.get("610.021(27)").short_name
    assert table.short_name("no such code") == ""


def test_a_retired_code_must_be_in_the_table():
    with pytest.raises(CitationDataError, match="not in the table: 1.1"):
        CitationTable([], retired=["1.1"])
