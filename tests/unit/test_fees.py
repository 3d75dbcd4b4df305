"""Fee estimates under RSMo 610.026 (LAW.md section 3)."""

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sunshine.records.fees import (
    WAIVER_LEGAL_BASIS,
    FeeError,
    FeeInputs,
    FeeSchedule,
    LineKind,
    Waiver,
    apply_waiver,
    estimate_fees,
)


def make_schedule(**overrides: object) -> FeeSchedule:
    settings: dict[str, object] = {
        "clerical_hourly_rate_cents": 1800,
        "research_hourly_rate_cents": 3000,
        "technical_hourly_rate_cents": 4500,
        "oversize_page_rate_cents": 200,
        "media_prices_cents": {"USB drive": 800, "DVD": 150},
    }
    settings.update(overrides)
    return FeeSchedule(**settings)  # type: ignore[arg-type]


def estimate(schedule: FeeSchedule | None = None, **work: object):
    return estimate_fees(schedule or make_schedule(), FeeInputs(**work))  # type: ignore[arg-type]


def line(est, kind: LineKind):
    (found,) = [item for item in est.lines if item.kind is kind]
    return found


# --- the fee schedule -----------------------------------------------------------


def test_paper_rate_defaults_to_ten_cents():
    assert make_schedule().paper_page_rate_cents == 10


def test_paper_rate_above_ten_cents_is_rejected():
    with pytest.raises(FeeError, match=r"610\.026") as raised:
        make_schedule(paper_page_rate_cents=11)
    assert "$0.10" in str(raised.value)
    assert "$0.11" in str(raised.value)


def test_paper_rate_below_the_cap_is_allowed():
    est = estimate(make_schedule(paper_page_rate_cents=5), standard_pages=10)
    assert est.total_cents == 50


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("clerical_hourly_rate_cents", -1),
        ("research_hourly_rate_cents", 30.0),
        ("technical_hourly_rate_cents", Decimal("45.00")),
        ("paper_page_rate_cents", True),
        ("oversize_page_rate_cents", -200),
        ("window_days", 0),
        ("large_fee_threshold_cents", 1000.0),
    ],
)
def test_schedule_rejects_money_and_days_that_are_not_whole_and_non_negative(setting, value):
    with pytest.raises(FeeError):
        make_schedule(**{setting: value})


def test_media_price_must_be_whole_cents():
    with pytest.raises(FeeError, match="DVD"):
        make_schedule(media_prices_cents={"DVD": 1.5})


def test_schedule_cannot_be_changed_after_it_is_built():
    schedule = make_schedule()
    with pytest.raises(FrozenInstanceError):
        schedule.paper_page_rate_cents = 50  # type: ignore[misc]
    with pytest.raises(TypeError):
        schedule.media_prices_cents["DVD"] = 1  # type: ignore[index]


# --- line items -----------------------------------------------------------------


def test_zero_estimate_has_no_lines_and_costs_nothing():
    est = estimate()
    assert est.lines == ()
    assert est.total_cents == 0
    assert est.window_days == 90


def test_there_is_no_minimum_fee():
    assert estimate(standard_pages=1).total_cents == 10


def test_paper_pages_are_charged_at_the_page_rate():
    paper = line(estimate(standard_pages=120), LineKind.PAPER)
    assert (paper.quantity, paper.unit, paper.unit_price_cents) == (120, "page", 10)
    assert paper.amount_cents == 1200
    assert "610.026" in paper.legal_basis


def test_oversize_pages_use_the_oversize_rate():
    assert line(estimate(oversize_pages=3), LineKind.OVERSIZE).amount_cents == 600


def test_oversize_pages_without_an_oversize_rate_are_rejected():
    with pytest.raises(FeeError, match="oversize page rate"):
        estimate(make_schedule(oversize_page_rate_cents=None), oversize_pages=1)


def test_media_items_are_charged_at_their_kind_price():
    est = estimate(media={"USB drive": 2, "DVD": 1})
    assert [(item.description, item.amount_cents) for item in est.lines] == [
        ("Medium: USB drive", 1600),
        ("Medium: DVD", 150),
    ]


def test_unknown_media_kind_is_rejected_naming_the_known_kinds():
    with pytest.raises(FeeError, match="'Blu-ray'.*DVD, USB drive"):
        estimate(media={"Blu-ray": 1})


def test_each_kind_of_staff_time_uses_its_own_hourly_rate():
    est = estimate(duplicating_minutes=60, research_minutes=60, programming_minutes=60)
    assert line(est, LineKind.DUPLICATING).amount_cents == 1800
    assert line(est, LineKind.RESEARCH).amount_cents == 3000
    assert line(est, LineKind.PROGRAMMING).amount_cents == 4500


def test_research_time_is_charged_pro_rata_by_the_minute():
    research = line(estimate(research_minutes=95), LineKind.RESEARCH)
    assert (research.quantity, research.unit) == (95, "minute")
    assert (research.unit_price_cents, research.unit_price_per) == (3000, "hour")
    assert research.amount_cents == 4750


@pytest.mark.parametrize(
    ("minutes", "hourly_cents", "expected_cents"),
    [
        (10, 2025, 338),  # 337.5 rounds half up
        (7, 2025, 236),  # 236.25 rounds down
        (1, 30, 1),  # half a cent rounds up
        (1, 29, 0),  # under half a cent rounds down
    ],
)
def test_time_rounds_half_up_to_the_cent(minutes, hourly_cents, expected_cents):
    schedule = make_schedule(research_hourly_rate_cents=hourly_cents)
    assert estimate(schedule, research_minutes=minutes).total_cents == expected_cents


def test_time_is_rounded_once_on_the_line_total_not_per_minute():
    # 3 minutes at $0.30/hour is 1.5 cents: 2 cents, not 3 x round(0.5) = 3 cents.
    schedule = make_schedule(clerical_hourly_rate_cents=30)
    assert estimate(schedule, duplicating_minutes=3).total_cents == 2


def test_attorney_review_time_is_never_charged():
    schedule = make_schedule(research_hourly_rate_cents=50_000, clerical_hourly_rate_cents=50_000)
    est = estimate(schedule, attorney_review_minutes=600)
    review = line(est, LineKind.ATTORNEY_REVIEW)
    assert review.quantity == 600
    assert (review.unit_price_cents, review.amount_cents) == (0, 0)
    assert est.total_cents == 0


def test_redaction_time_is_never_charged():
    est = estimate(research_minutes=60, redaction_minutes=240)
    assert line(est, LineKind.REDACTION).amount_cents == 0
    assert est.total_cents == 3000


def test_uncharged_time_lines_explain_gross_v_parson():
    est = estimate(attorney_review_minutes=30, redaction_minutes=30)
    for kind in (LineKind.ATTORNEY_REVIEW, LineKind.REDACTION):
        item = line(est, kind)
        assert "not charged" in item.description
        assert "Gross v. Parson" in item.legal_basis


def test_every_line_states_its_legal_basis():
    est = estimate(
        standard_pages=1,
        oversize_pages=1,
        duplicating_minutes=1,
        research_minutes=1,
        programming_minutes=1,
        media={"DVD": 1},
        attorney_review_minutes=1,
        redaction_minutes=1,
    )
    assert len(est.lines) == len(LineKind)
    assert all(item.legal_basis and item.description for item in est.lines)


@pytest.mark.parametrize(
    "work",
    [{"standard_pages": -1}, {"research_minutes": 1.5}, {"media": {"DVD": -2}}],
)
def test_negative_or_fractional_work_is_rejected(work):
    with pytest.raises(FeeError):
        FeeInputs(**work)


# --- the 90/150-day window ------------------------------------------------------


def test_fees_over_one_thousand_dollars_get_150_day_window():
    est = estimate(make_schedule(research_hourly_rate_cents=6000), research_minutes=1001)
    assert est.total_cents == 100_100
    assert est.exceeds_large_fee_threshold
    assert est.window_days == 150


def test_fees_of_exactly_one_thousand_dollars_keep_the_90_day_window():
    est = estimate(make_schedule(research_hourly_rate_cents=6000), research_minutes=1000)
    assert est.total_cents == 100_000
    assert not est.exceeds_large_fee_threshold
    assert est.window_days == 90


def test_threshold_and_windows_are_settings():
    schedule = make_schedule(large_fee_threshold_cents=500, window_days=30, large_fee_window_days=60)
    assert estimate(schedule, standard_pages=50).window_days == 30
    assert estimate(schedule, standard_pages=51).window_days == 60


# --- waivers and reductions -----------------------------------------------------


def test_full_waiver_makes_the_total_zero_and_records_the_reason():
    est = apply_waiver(estimate(research_minutes=120), Waiver.full("News story on budget"))
    assert (est.subtotal_cents, est.reduction_cents, est.total_cents) == (6000, 6000, 0)
    assert est.waiver is not None
    assert est.waiver.reason == "News story on budget"
    assert "public interest" in WAIVER_LEGAL_BASIS


def test_percentage_reduction_rounds_half_up():
    est = apply_waiver(estimate(standard_pages=5), Waiver.by_percent(Decimal("50"), "Student"))
    assert (est.reduction_cents, est.total_cents) == (25, 25)  # 25.0 exactly
    est = apply_waiver(estimate(standard_pages=3), Waiver.by_percent(50, "Student"))
    assert (est.reduction_cents, est.total_cents) == (15, 15)
    est = apply_waiver(estimate(standard_pages=1), Waiver.by_percent(Decimal("25"), "Student"))
    assert (est.reduction_cents, est.total_cents) == (3, 7)  # 2.5 cents rounds up


def test_amount_reduction_larger_than_the_fee_stops_at_zero():
    est = apply_waiver(estimate(standard_pages=10), Waiver.by_amount(5000, "Hardship"))
    assert (est.reduction_cents, est.total_cents) == (100, 0)


def test_a_new_waiver_replaces_the_old_one_instead_of_compounding():
    est = apply_waiver(estimate(standard_pages=100), Waiver.by_percent(50, "First look"))
    est = apply_waiver(est, Waiver.by_percent(50, "Second look"))
    assert est.total_cents == 500
    assert est.waiver is not None and est.waiver.reason == "Second look"


def test_a_waiver_can_bring_the_fee_back_inside_the_90_day_window():
    big = estimate(make_schedule(research_hourly_rate_cents=6000), research_minutes=2000)
    assert big.window_days == 150
    assert apply_waiver(big, Waiver.by_percent(60, "Public interest")).window_days == 90


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_a_waiver_needs_a_reason(reason):
    with pytest.raises(FeeError, match="reason"):
        Waiver.full(reason)  # type: ignore[arg-type]


@pytest.mark.parametrize("percent", [0, -5, 101, 12.5, Decimal("NaN"), True])
def test_a_reduction_percentage_must_be_above_0_and_at_most_100(percent):
    with pytest.raises(FeeError, match="percentage"):
        Waiver.by_percent(percent, "Reason")


@pytest.mark.parametrize("amount", [0, -100, 10.5])
def test_a_reduction_amount_must_be_positive_whole_cents(amount):
    with pytest.raises(FeeError, match="amount"):
        Waiver.by_amount(amount, "Reason")


@given(
    pages=st.integers(min_value=0, max_value=100_000),
    minutes=st.integers(min_value=0, max_value=100_000),
    waiver=st.one_of(
        st.builds(Waiver.full, st.just("r")),
        st.builds(Waiver.by_percent, st.integers(min_value=1, max_value=100), st.just("r")),
        st.builds(Waiver.by_amount, st.integers(min_value=1, max_value=10**9), st.just("r")),
    ),
)
def test_a_waiver_never_makes_the_total_negative_or_raises_it(pages, minutes, waiver):
    before = estimate(standard_pages=pages, research_minutes=minutes)
    after = apply_waiver(before, waiver)
    assert 0 <= after.total_cents <= before.total_cents
