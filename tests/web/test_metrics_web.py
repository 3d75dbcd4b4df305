"""The public metrics page and its CSV downloads, as anyone on the web sees them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import time_machine

from sunshine.records import services as records

NOW = datetime(2026, 6, 15, 15, tzinfo=UTC)  # the last 4 months are March to June 2026


def _at(moment: datetime):
    return time_machine.travel(moment.replace(tzinfo=UTC), tick=False)


@pytest.fixture
def spring(factories) -> None:
    """March: two requests, one granted on time, one denied late; April and May: none; June: one open."""
    on_time = factories.request(received_on=date(2026, 3, 3)).request
    late = factories.request(received_on=date(2026, 3, 3)).request
    with _at(datetime(2026, 3, 4, 16)):  # Wed 4 Mar: 1 business day
        records.grant(None, on_time)
    with _at(datetime(2026, 3, 10, 16)):  # Tue 10 Mar: 5 business days
        records.decide_with_citations(
            None,
            late,
            partial=False,
            citations=["610.021(3)"],
            findings={},
            withheld_description="The disciplinary file",
        )
    factories.request(received_on=date(2026, 6, 1))


def _get(client, url: str):
    with _at(NOW):
        return client.get(url)


def test_anyone_can_read_the_figures_without_signing_in(client, spring) -> None:
    response = _get(client, "/metrics?months=4")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Records request figures</h1>" in html and "March 2026 to June 2026" in html
    row = re.search(r'<time datetime="2026-03">March 2026</time></th>(.*?)</tr>', html, re.S).group(1)
    assert [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row)] == ["2", "2", "3", "50% (1 of 2)"]
    april = re.search(r'<time datetime="2026-04">April 2026</time></th>(.*?)</tr>', html, re.S).group(1)
    cells = [c.strip() for c in re.findall(r"<td>(.*?)</td>", april)]
    assert cells[:2] == ["0", "0"]
    # No first responses that month: a dash, read out in words, never the word None.
    no_response = '<span aria-hidden="true">—</span><span class="visually-hidden">No first responses</span>'
    assert cells[2:] == [no_response, no_response] and "None" not in html
    assert "A dash (—) means no request received that month has had a first response yet." in html
    assert "RSMo 610.021(3): Hiring, firing, discipline or promotion of a particular employee" in html
    # Beside the on-time share: June's request, still unanswered and past due, is not hidden by it.
    waiting = r"Still waiting for a first response</dt>\s*<dd>1, of which 1 past the 3 business days"
    assert re.search(waiting, html)


def test_charts_are_drawn_on_the_server_with_text_alternatives(client, spring) -> None:
    html = _get(client, "/metrics?months=4").get_data(as_text=True)
    assert html.count("<figure>") == 2 and html.count("<figcaption>") == 2
    assert html.count('<svg role="img"') == 2
    assert "March 2026, 2; April 2026, 0; May 2026, 0; June 2026, 1." in html
    assert "March 2026, 50% (1 of 2); April 2026, no first responses;" in html
    # The busiest month's bar is full length; the others are in proportion.
    assert '<rect x="90" y="8" width="360.0"' in html and 'width="180.0"' in html
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_headings_and_the_closed_definition_are_on_the_page(client, spring) -> None:
    html = _get(client, "/metrics").get_data(as_text=True)
    levels = [int(level) for level in re.findall(r"<h([1-6])", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))
    assert "granted, partly granted or denied, closed after that decision, or" in html
    assert "July 2025 to June 2026" in html  # 12 months by default


def test_the_months_choice_keeps_the_downloads_in_step(client, spring) -> None:
    html = _get(client, "/metrics?months=7").get_data(as_text=True)
    assert '<option value="7" selected>Last 7 months</option>' in html
    assert 'href="/metrics.csv?months=7"' in html
    assert 'href="/metrics.csv?months=7&amp;table=citations"' in html


def test_the_csv_has_one_row_per_month_with_the_page_figures(client, spring) -> None:
    response = _get(client, "/metrics.csv?months=4")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="records-requests-by-month-2026-03-to-2026-06.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        [
            "month",
            "received",
            "closed",
            "answered",
            "answered_within_3_business_days",
            "percent_within_3_business_days",
            "median_business_days_to_first_response",
        ],
        ["2026-03", "2", "2", "2", "1", "50.0", "3"],
        ["2026-04", "0", "0", "0", "0", "", ""],
        ["2026-05", "0", "0", "0", "0", "", ""],
        ["2026-06", "1", "0", "0", "0", "", ""],
    ]


def test_the_citations_csv_counts_denials_per_provision(client, spring) -> None:
    response = _get(client, "/metrics.csv?months=4&table=citations")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="denials-by-citation-2026-03-to-2026-06.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows == [
        ["code", "provision", "denials"],
        ["610.021(3)", "Hiring, firing, discipline or promotion of a particular employee", "1"],
    ]


def test_with_no_requests_the_page_says_so(client, factories) -> None:
    html = _get(client, "/metrics?months=1").get_data(as_text=True)
    assert "No request received in this period was denied in whole or in part." in html
    assert "June 2026, no first responses." in html


@pytest.mark.parametrize("path", ["/metrics", "/metrics.csv"])
@pytest.mark.parametrize("months", ["0", "37", "-1", "twelve", "12.5", "", "%2012", "007"])
def test_a_bad_number_of_months_is_explained(client, path, months) -> None:
    response = client.get(f"{path}?months={months}")
    assert response.status_code == 400
    assert "Months must be a whole number from 1 to 36" in response.get_data(as_text=True)


def test_an_unknown_csv_table_is_explained(client) -> None:
    response = client.get("/metrics.csv?table=people")
    assert response.status_code == 400
    assert "“months” (figures per month) or “citations”" in response.get_data(as_text=True)
