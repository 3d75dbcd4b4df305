"""The custodian's list of every request in their units: the way back to decided and closed cases."""

from __future__ import annotations

import re

from sunshine.authz import Role
from sunshine.records import services
from tests.factories import PASSWORD


def _custodian(client, factories, unit: str = "RECORDS"):
    person = factories.user(Role.CUSTODIAN, unit=unit)
    client.sign_in(person.email, PASSWORD)
    return person


def _numbers(html: str) -> list[str]:
    return re.findall(r">(\d{4}-\d{6,})</a></td>", html)


def test_decided_and_closed_requests_are_listed_though_the_queue_has_dropped_them(client, factories) -> None:
    received, granted, closed = (factories.request() for _ in range(3))
    services.grant(None, granted.request)
    services.grant(None, closed.request)
    services.close(None, closed.request)
    _custodian(client, factories)
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert granted.tracking_number not in queue and "/staff/requests" in queue  # linked from the queue
    page = client.get("/staff/requests")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert _numbers(html) == [granted.tracking_number, received.tracking_number]  # open, newest first
    assert "Answered" in html and "Granted" in html
    closed_page = client.get("/staff/requests?status=closed").get_data(as_text=True)
    assert _numbers(closed_page) == [closed.tracking_number]
    assert "<h1>Requests in your units: closed</h1>" in closed_page
    everything = _numbers(client.get("/staff/requests?status=all").get_data(as_text=True))
    assert everything == [closed.tracking_number, granted.tracking_number, received.tracking_number]
    assert "asker@example.org" not in html  # no personal data on the list


def test_a_number_goes_straight_to_its_case_only_within_the_custodians_units(client, factories) -> None:
    filed = factories.request()
    _custodian(client, factories)
    found = client.get(f"/staff/requests?number={filed.tracking_number}")
    assert found.status_code == 302 and found.location.endswith(f"/staff/requests/{filed.request_id}")
    missing = client.get("/staff/requests?number=2026-999999")
    assert missing.status_code == 404 and "No request numbered 2026-999999" in missing.get_data(as_text=True)
    for typed in (filed.tracking_number.replace("-", ""), filed.tracking_number.replace("-00000", " ")):
        tidied = client.get("/staff/requests", query_string={"number": typed})
        assert tidied.status_code == 302 and tidied.location.endswith(
            f"/staff/requests/{filed.request_id}"
        ), typed
    for typo in ("2026-00012", "2026-0000012", "20266-123", "2026" + "1" * 5000, "2026 1234567"):
        refused = client.get("/staff/requests", query_string={"number": typo})
        assert refused.status_code in (400, 404), typo  # never another request, never a 500
    malformed = client.get("/staff/requests?number=26-12")
    assert malformed.status_code == 400 and "look like 2026-000123" in malformed.get_data(as_text=True)
    assert client.get("/staff/requests?status=lost").status_code == 400

    other = client.application.test_client()
    other.sign_in(factories.user(Role.CUSTODIAN, unit="TRAFFIC").email, PASSWORD)
    elsewhere = other.get(f"/staff/requests?number={filed.tracking_number}")
    assert elsewhere.status_code == 404  # another unit's request is not found, not opened
    assert _numbers(other.get("/staff/requests?status=all").get_data(as_text=True)) == []


def test_the_list_comes_in_pages_of_fifty(client, factories) -> None:
    filed = [factories.request() for _ in range(52)]
    _custodian(client, factories)
    first = client.get("/staff/requests").get_data(as_text=True)
    assert _numbers(first) == [f.tracking_number for f in reversed(filed)][:50]
    older = re.search(r'href="(/staff/requests\?[^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    assert _numbers(second) == [filed[1].tracking_number, filed[0].tracking_number]
    assert "before=" not in second
    assert client.get("/staff/requests?before=99999999999").status_code == 200  # out of range: ignored


def test_only_custodians_see_the_list(client, factories) -> None:
    client.sign_in(factories.user(Role.UNIT_REVIEWER).email, PASSWORD)
    assert client.get("/staff/requests").status_code == 403
