"""Business days, Missouri state holidays and due-date explanations (LAW.md section 2)."""

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sunshine.calendar import (
    BusinessCalendar,
    add_business_days,
    add_calendar_days,
    business_days_between,
    explain_business_days,
    explain_calendar_days,
    is_business_day,
    local_date,
)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


MISSOURI_HOLIDAYS_2026 = {
    d("2026-01-01"): "New Year's Day",
    d("2026-01-19"): "Martin Luther King Jr. Day",
    d("2026-02-12"): "Lincoln Day",
    d("2026-02-16"): "Washington's Birthday",
    d("2026-05-08"): "Truman Day",
    d("2026-05-25"): "Memorial Day",
    d("2026-06-19"): "Juneteenth National Independence Day",
    d("2026-07-03"): "Independence Day (observed)",  # Jul 4 is a Saturday
    d("2026-09-07"): "Labor Day",
    d("2026-10-12"): "Columbus Day",
    d("2026-11-11"): "Veterans Day",
    d("2026-11-26"): "Thanksgiving Day",
    d("2026-12-25"): "Christmas Day",
}
MISSOURI_HOLIDAYS_2027 = {
    d("2027-01-01"): "New Year's Day",
    d("2027-01-18"): "Martin Luther King Jr. Day",
    d("2027-02-12"): "Lincoln Day",
    d("2027-02-15"): "Washington's Birthday",
    d("2027-05-07"): "Truman Day (observed)",  # May 8 is a Saturday
    d("2027-05-31"): "Memorial Day",
    d("2027-06-18"): "Juneteenth National Independence Day (observed)",  # Saturday
    d("2027-07-05"): "Independence Day (observed)",  # Jul 4 is a Sunday
    d("2027-09-06"): "Labor Day",
    d("2027-10-11"): "Columbus Day",
    d("2027-11-11"): "Veterans Day",
    d("2027-11-25"): "Thanksgiving Day",
    d("2027-12-24"): "Christmas Day (observed)",  # Dec 25 is a Saturday
    d("2027-12-31"): "New Year's Day (observed)",  # 1 Jan 2028 is a Saturday
}


def weekday_closures(year: int) -> dict[date, str]:
    calendar = BusinessCalendar.missouri()
    days = (date(year, 1, 1) + timedelta(i) for i in range(366))
    return {
        day: reason
        for day in days
        if day.year == year
        and day.weekday() < 5
        and (reason := calendar.non_business_reason(day)) is not None
    }


@pytest.mark.parametrize(
    ("year", "expected"), [(2026, MISSOURI_HOLIDAYS_2026), (2027, MISSOURI_HOLIDAYS_2027)]
)
def test_weekday_holidays_are_exactly_the_missouri_list(year, expected):
    assert weekday_closures(year) == expected


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        ("2026-02-12", "Lincoln Day"),
        ("2028-02-11", "Lincoln Day (observed)"),  # Feb 12 2028 is a Saturday
        ("2023-02-13", "Lincoln Day (observed)"),  # Feb 12 2023 is a Sunday
        ("2028-11-10", "Veterans Day (observed)"),
        ("2026-07-04", "Saturday"),  # the holiday itself reads as the weekend
        ("2026-07-05", "Sunday"),
    ],
)
def test_holidays_on_weekends_are_observed_on_the_nearest_weekday(day, reason):
    assert BusinessCalendar.missouri().non_business_reason(d(day)) == reason


@pytest.mark.parametrize("day", ["2026-11-27", "2027-11-26"])
def test_day_after_thanksgiving_is_a_business_day_unless_the_body_closes(day):
    assert is_business_day(d(day))
    closed = BusinessCalendar.missouri({d(day): "Day after Thanksgiving"})
    assert not is_business_day(d(day), closed)
    assert closed.non_business_reason(d(day)) == "Closure: Day after Thanksgiving"


def test_holiday_reason_wins_over_a_closure_on_the_same_day():
    calendar = BusinessCalendar.missouri({d("2026-02-12"): "Staff training"})
    assert calendar.non_business_reason(d("2026-02-12")) == "Lincoln Day"


def test_calendar_is_an_immutable_copy_of_the_closures_given():
    closures = {d("2026-03-03"): "Staff training"}
    calendar = BusinessCalendar.missouri(closures)
    closures[d("2026-03-04")] = "Added later"
    assert is_business_day(d("2026-03-04"), calendar)
    with pytest.raises(FrozenInstanceError):
        calendar.closures = {}  # type: ignore[misc]
    with pytest.raises(TypeError):
        calendar.closures[d("2026-03-05")] = "Sneaky"  # type: ignore[index]
    assert hash(calendar) == hash(BusinessCalendar.missouri({d("2026-03-03"): "Staff training"}))


def test_datetime_is_refused_so_a_utc_date_cannot_slip_in():
    with pytest.raises(TypeError, match="local_date"):
        is_business_day(datetime(2026, 2, 12, 12, tzinfo=UTC))


def test_response_due_three_business_days_after_receipt_skipping_lincoln_and_washington():
    assert add_business_days(d("2026-02-10"), 3) == d("2026-02-17")
    assert str(explain_business_days(d("2026-02-10"), 3)) == (
        "Received Tue 10 Feb 2026. Counted 3 business days, skipping Thu 12 Feb 2026 "
        "(Lincoln Day), Sat 14 Feb 2026 and Sun 15 Feb 2026 (weekend), Mon 16 Feb 2026 "
        "(Washington's Birthday). Due by end of Tue 17 Feb 2026."
    )


def test_response_due_skips_independence_day_observed_on_friday():
    explanation = explain_business_days(d("2026-07-02"), 3)
    assert explanation.due == d("2026-07-08")
    assert explanation.skipped == (
        (d("2026-07-03"), "Independence Day (observed)"),
        (d("2026-07-04"), "Saturday"),
        (d("2026-07-05"), "Sunday"),
    )


def test_request_received_on_a_weekend_starts_counting_the_next_business_day():
    assert add_business_days(d("2026-02-14"), 3) == d("2026-02-19")


def test_closure_days_are_skipped_and_named_in_the_explanation():
    calendar = BusinessCalendar.missouri({d("2026-03-04"): "Staff training"})
    explanation = explain_business_days(d("2026-03-03"), 3, calendar, verb="Asked")
    assert explanation.due == d("2026-03-09")
    assert explanation.text == (
        "Asked Tue 3 Mar 2026. Counted 3 business days, skipping Wed 4 Mar 2026 "
        "(Closure: Staff training), Sat 7 Mar 2026 and Sun 8 Mar 2026 (weekend). "
        "Due by end of Mon 9 Mar 2026."
    )


def test_explanation_says_when_nothing_was_skipped():
    assert explain_business_days(d("2026-03-02"), 1, verb="Started").text == (
        "Started Mon 2 Mar 2026. Counted 1 business day, none skipped. Due by end of Tue 3 Mar 2026."
    )


def test_zero_business_days_returns_the_start_even_on_a_weekend():
    assert add_business_days(d("2026-02-14"), 0) == d("2026-02-14")
    assert business_days_between(d("2026-02-14"), d("2026-02-14")) == 0


def test_negative_or_backwards_counts_are_refused():
    with pytest.raises(ValueError):
        add_business_days(d("2026-02-10"), -1)
    with pytest.raises(ValueError):
        add_calendar_days(d("2026-02-10"), -1)
    with pytest.raises(ValueError):
        business_days_between(d("2026-02-17"), d("2026-02-10"))


def test_paused_clock_keeps_its_remaining_business_days():
    started, paused, resumed = d("2026-02-10"), d("2026-02-13"), d("2026-02-23")
    used = business_days_between(started, paused)  # Wed 11 and Fri 13
    assert used == 2
    assert add_business_days(resumed, 3 - used) == d("2026-02-24")


def test_fee_clock_counts_calendar_days_including_weekends_and_holidays():
    assert add_calendar_days(d("2026-02-10"), 90) == d("2026-05-11")
    assert add_calendar_days(d("2026-02-10"), 150) == d("2026-07-10")
    assert explain_calendar_days(d("2026-02-10"), 90, verb="Asked for payment").text == (
        "Asked for payment Tue 10 Feb 2026. Counted 90 calendar days "
        "(weekends and holidays count). Due by end of Mon 11 May 2026."
    )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 2, 10, 5, 30, tzinfo=UTC), "2026-02-09"),  # Mon 23:30 CST
        (datetime(2026, 2, 10, 6, 0, tzinfo=UTC), "2026-02-10"),  # Tue 00:00 CST
        (datetime(2026, 3, 9, 4, 59, tzinfo=UTC), "2026-03-08"),  # Sun 23:59 CDT, DST began
        (datetime(2026, 3, 9, 5, 30, tzinfo=UTC), "2026-03-09"),  # Mon 00:30 CDT
        (datetime(2026, 11, 2, 5, 30, tzinfo=UTC), "2026-11-01"),  # Sun 23:30 CST, DST ended
        (datetime(2026, 2, 10, 7, 30, tzinfo=timezone(timedelta(hours=2))), "2026-02-09"),
    ],
)
def test_receipt_date_is_the_central_time_date(moment, expected):
    assert local_date(moment) == d(expected)


def test_receipt_date_in_another_zone_and_naive_times_are_refused():
    assert local_date(datetime(2026, 2, 10, 5, 30, tzinfo=UTC), "UTC") == d("2026-02-10")
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(datetime(2026, 2, 9, 23, 30))


days = st.dates(min_value=date(2020, 1, 1), max_value=date(2060, 12, 31))
counts = st.integers(min_value=0, max_value=40)
calendars = st.dictionaries(days, st.sampled_from(["Staff training", "Snow"]), max_size=20).map(
    BusinessCalendar.missouri
)
moderate = settings(max_examples=150, deadline=None)


@moderate
@given(days, st.integers(min_value=1, max_value=40), calendars)
def test_due_date_is_a_business_day_after_the_start(start, n, calendar):
    due = add_business_days(start, n, calendar)
    assert due > start
    assert is_business_day(due, calendar)


@moderate
@given(days, days, counts)
def test_later_start_never_gives_an_earlier_due_date(a, b, n):
    early, late = sorted((a, b))
    assert add_business_days(early, n) <= add_business_days(late, n)


@moderate
@given(days, counts, calendars)
def test_business_days_between_inverts_add_business_days(start, n, calendar):
    due = add_business_days(start, n, calendar)
    assert business_days_between(start, due, calendar) == n


@moderate
@given(days, counts, calendars)
def test_explanation_accounts_for_every_day_until_due(start, n, calendar):
    explanation = explain_business_days(start, n, calendar)
    assert explanation.due == add_business_days(start, n, calendar)
    assert len(explanation.skipped) + n == (explanation.due - start).days
    assert all(not is_business_day(day, calendar) for day, _ in explanation.skipped)
