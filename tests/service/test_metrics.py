"""Public figures by month received: requests, closures, time to first response, on time, denials."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import event

from sunshine.clocks import closures
from sunshine.extensions import db
from sunshine.records import services as records
from sunshine.records.metrics import Figures, Report, monthly_report

TODAY = date(2026, 6, 15)  # so a 4-month report covers March to June 2026


def _at(moment: datetime):
    """Act at ``moment`` (UTC): the response clock closes then, on the body's local date."""
    return time_machine.travel(moment.replace(tzinfo=UTC), tick=False)


def _grant(request, moment: datetime) -> None:
    with _at(moment):
        records.grant(None, request)


def _deny(request, moment: datetime, citations: list[str], *, partial: bool = False) -> None:
    with _at(moment):
        records.decide_with_citations(
            None,
            request,
            partial=partial,
            citations=citations,
            findings={},
            withheld_description="The names of two witnesses",
        )


@pytest.fixture
def report(factories) -> Report:
    """Requests received February to June 2026, answered (or not) in the ways that matter."""
    # February, outside the period: its denial's citations must not count.
    _deny(
        factories.request(received_on=date(2026, 2, 10)).request, datetime(2026, 2, 13, 16), ["610.021(14)"]
    )

    # March, received Tue 3 Mar; the response is due Fri 6 Mar.
    granted = factories.request(received_on=date(2026, 3, 3)).request
    _grant(granted, datetime(2026, 3, 5, 16))  # Thu 5 Mar: 2 business days, on time
    records.close(None, granted)
    denied = factories.request(received_on=date(2026, 3, 3)).request
    _deny(denied, datetime(2026, 3, 11, 15), ["610.021(1)"])  # Wed 11 Mar: 6 days, late
    records.acknowledge(None, factories.request(received_on=date(2026, 3, 3)).request)  # still open
    partial = factories.request(received_on=date(2026, 3, 3)).request
    # 04:00 UTC Tue 10 Mar is 23:00 Mon 9 Mar in Missouri: 4 business days, not 5.
    _deny(partial, datetime(2026, 3, 10, 4), ["610.021(1)", "610.021(3)"], partial=True)

    # April: nothing received.

    # May, received Tue 5 May; Fri 8 May is Truman Day, so the response is due Mon 11 May.
    _grant(factories.request(received_on=date(2026, 5, 5)).request, datetime(2026, 5, 7, 16))  # 2 days
    _grant(factories.request(received_on=date(2026, 5, 5)).request, datetime(2026, 5, 11, 16))  # 3 days
    records.withdraw(None, factories.request(received_on=date(2026, 5, 20)).request, "No longer needed")

    # June: received, not yet answered.
    factories.request(received_on=date(2026, 6, 1))
    return monthly_report(4, today=TODAY)


def test_every_month_of_the_period_is_listed_oldest_first(report) -> None:
    assert [m.month for m in report.months] == [date(2026, m, 1) for m in (3, 4, 5, 6)]
    assert (report.first_month, report.last_month) == (date(2026, 3, 1), date(2026, 6, 1))


def test_requests_are_counted_by_the_month_the_custodian_received_them(report) -> None:
    assert [m.received for m in report.months] == [4, 0, 3, 1]


def test_decided_closed_and_withdrawn_requests_count_as_closed(report) -> None:
    # March: granted then closed, denied, partly granted (the acknowledged one is open);
    # May: two granted and one withdrawn; June: still waiting.
    assert [m.closed for m in report.months] == [3, 0, 3, 0]


def test_median_business_days_to_first_response_uses_the_local_date_and_holidays(report) -> None:
    march, april, may, june = report.months
    assert march.median_days_to_answer == 4  # of 2, 4 and 6
    assert may.median_days_to_answer == 2.5  # of 2 and 3, Truman Day not counted
    assert april.median_days_to_answer is None and june.median_days_to_answer is None


def test_on_time_share_is_responses_by_the_deadline_among_first_responses(report) -> None:
    march, april, may, june = report.months
    assert (march.answered, march.answered_on_time) == (3, 1)
    assert march.on_time_share == pytest.approx(1 / 3)
    assert (may.answered, may.answered_on_time, may.on_time_share) == (2, 2, 1.0)
    # A withdrawn request never had a first response; an unanswered one has none yet.
    assert (june.answered, june.on_time_share) == (0, None)


def test_a_month_without_requests_reads_as_zero_with_no_averages(report) -> None:
    april = report.months[1]
    assert (april.received, april.closed, april.answered, april.answered_on_time) == (0, 0, 0, 0)
    assert april.on_time_share is None and april.median_days_to_answer is None


def test_period_totals_take_the_median_over_every_first_response(report) -> None:
    assert report.total == Figures(
        received=8, closed=6, answered=5, answered_on_time=3, median_days_to_answer=3
    )  # median of 2, 6, 4, 2, 3


def test_denials_are_counted_per_citation_for_requests_received_in_the_period(report) -> None:
    assert [(c.code, c.denials) for c in report.citations] == [("610.021(1)", 2), ("610.021(3)", 1)]
    assert report.citations[0].name == "Litigation, attorney-client privilege, work product"


def test_an_empty_period_has_zeros_and_no_citations(factories) -> None:
    report = monthly_report(2, today=TODAY)
    assert [(m.month, m.received, m.on_time_share) for m in report.months] == [
        (date(2026, 5, 1), 0, None),
        (date(2026, 6, 1), 0, None),
    ]
    assert report.citations == () and report.total.median_days_to_answer is None


def test_the_office_closure_days_are_not_business_days(factories) -> None:
    closures.add_closure(None, factories.unit().department.body, date(2026, 3, 4), "Water main break")
    request = factories.request(received_on=date(2026, 3, 3)).request
    _grant(request, datetime(2026, 3, 5, 16))
    assert monthly_report(1, today=date(2026, 3, 31)).months[0].median_days_to_answer == 1


def test_the_default_period_is_twelve_months_ending_this_month_in_missouri(factories) -> None:
    # 03:00 UTC on 1 January is still New Year's Eve in Missouri.
    with _at(datetime(2027, 1, 1, 3)):
        report = monthly_report()
    assert len(report.months) == 12
    assert (report.first_month, report.last_month) == (date(2026, 1, 1), date(2026, 12, 1))


def test_a_period_may_cross_the_new_year(factories) -> None:
    factories.request(received_on=date(2025, 12, 31))
    factories.request(received_on=date(2026, 1, 2))
    report = monthly_report(3, today=date(2026, 2, 10))
    assert [(f"{m.month:%Y-%m}", m.received) for m in report.months] == [
        ("2025-12", 1),
        ("2026-01", 1),
        ("2026-02", 0),
    ]


@pytest.mark.parametrize("months", [0, 37, -1])
def test_a_period_outside_1_to_36_months_is_refused(app_ctx, months) -> None:
    with pytest.raises(ValueError, match="from 1 to 36"):
        monthly_report(months, today=TODAY)


def test_the_number_of_queries_does_not_grow_with_the_number_of_requests(factories) -> None:
    def queries_for_report() -> int:
        statements: list[str] = []

        def listener(conn, cursor, statement, *args) -> None:
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            monthly_report(4, today=TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    _grant(factories.request(received_on=date(2026, 3, 3)).request, datetime(2026, 3, 5, 16))
    few = queries_for_report()
    for day in (3, 4, 5, 6, 9):
        _grant(factories.request(received_on=date(2026, 4, day)).request, datetime(2026, 4, 10, 16))
    assert queries_for_report() == few


def test_requests_still_waiting_for_a_first_response_are_shown_beside_the_share(report) -> None:
    # The acknowledged March request and the June one have no first response; both are past due.
    assert (report.awaiting, report.awaiting_overdue) == (2, 2)


def test_a_paused_request_waits_without_counting_as_past_due(factories) -> None:
    from sunshine.records import workflow

    with _at(datetime(2026, 6, 2, 15)):
        filed = factories.request(received_on=date(2026, 6, 1)).request
        workflow.ask_clarification(None, filed, "Which address?")
    report = monthly_report(1, today=TODAY)
    assert (report.awaiting, report.awaiting_overdue) == (1, 0)


def test_a_request_withdrawn_unanswered_after_its_deadline_is_counted_as_ended_late(factories) -> None:
    """Received Mon 1 Jun, due Thu 4 Jun: withdrawn on the due date is not late, the day after is."""
    from sunshine.records import workflow

    in_time, late, late_evening = (factories.request(received_on=date(2026, 6, 1)).request for _ in range(3))
    with _at(datetime(2026, 6, 4, 22)):  # 17:00 Thu 4 Jun in Missouri: the last day, still in time
        records.withdraw(None, in_time, "No longer needed")
    with _at(datetime(2026, 6, 5, 15)):
        records.withdraw(None, late, "No longer needed")
    with _at(datetime(2026, 6, 6, 3)):  # 22:00 Fri 5 Jun in Missouri, Saturday in UTC
        records.withdraw(None, late_evening, "No longer needed")
    # Waiting on the requester's answer when it lapsed and was withdrawn: the clock was not running.
    with _at(datetime(2026, 6, 2, 15)):
        asked = factories.request(received_on=date(2026, 6, 1)).request
        workflow.ask_clarification(None, asked, "Which address?")
    with _at(datetime(2026, 6, 12, 15)):
        records.withdraw(None, asked, "No answer")

    report = monthly_report(1, today=TODAY)
    assert report.ended_unanswered_late == 2
    assert (report.total.answered, report.awaiting) == (0, 0)  # in neither of the other figures


def test_the_metrics_page_shows_requests_that_ended_unanswered_and_late(app, client, factories) -> None:
    late = factories.request(received_on=date(2026, 6, 1)).request
    with _at(datetime(2026, 6, 10, 15)):
        records.withdraw(None, late, "No longer needed")
    with _at(datetime(2026, 6, 15, 15)):
        page = client.get("/metrics?months=1").get_data(as_text=True)
    assert "Withdrawn with no first response, after the 3 business days had passed</dt>\n  <dd>1</dd>" in page
