"""Every demo role has something to click: each one's pages show the demo's requests."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from sunshine.authz import Role
from sunshine.demo import Demo, seed_demo


@pytest.fixture
def demo(app) -> Demo:
    with app.app_context():
        return seed_demo("City of Fairview")


def _sign_in(client, demo: Demo, role: Role) -> None:
    account = next(a for a in demo.accounts if a.role is role)
    client.sign_in(account.email, account.password)


def test_the_requester_sees_their_requests_and_downloads_the_released_packet(client, demo) -> None:
    _sign_in(client, demo, Role.REQUESTER)
    mine = client.get("/account/requests").get_data(as_text=True)
    for name in ("new", "clarification", "delayed", "granted", "withdrawn"):
        assert demo.requests[name] in mine
    assert demo.requests["overdue"] not in mine  # someone else's

    granted = demo.requests["granted"]
    status = client.get(f"/requests/{granted}").get_data(as_text=True)
    [link] = re.findall(rf'href="(/requests/{granted}/releases/\d+)"', status)
    packet = client.get(link)
    assert packet.status_code == 200 and packet.mimetype == "application/pdf"
    pages = PdfReader(io.BytesIO(packet.data)).pages
    assert granted in pages[0].extract_text() and "Crash Report" in pages[1].extract_text()

    question = client.get(f"/requests/{demo.requests['clarification']}").get_data(as_text=True)
    assert "Route 9" in question and "citation" in question


def test_the_custodian_has_a_queue_and_a_list_of_requests(client, demo) -> None:
    _sign_in(client, demo, Role.CUSTODIAN)
    queue = client.get("/staff/queue").get_data(as_text=True)
    for name in ("new", "acknowledged", "mailed", "overdue"):
        assert demo.requests[name] in queue
    every = client.get("/staff/requests?status=all").get_data(as_text=True)
    assert all(number in every for number in demo.requests.values())
    mailed = client.get(f"/staff/requests?number={demo.requests['mailed']}", follow_redirects=True)
    assert "412 Sycamore Lane" in mailed.get_data(as_text=True)


def test_general_counsel_sees_the_overdue_request(client, demo) -> None:
    _sign_in(client, demo, Role.GENERAL_COUNSEL)
    overdue = client.get("/staff/overdue").get_data(as_text=True)
    assert demo.requests["overdue"] in overdue and "No deadline is overdue" not in overdue
    assert demo.requests["new"] not in overdue


def test_the_public_metrics_count_the_demo_requests_and_their_citations(client, demo) -> None:
    page = client.get("/metrics").get_data(as_text=True)
    assert "610.021(14)" in page and "610.100.2" in page
    assert "of which 1 past the 3 business days" in page


@pytest.mark.parametrize("role", [Role.UNIT_REVIEWER, Role.GENERAL_COUNSEL])
def test_the_workspace_promises_nothing_that_is_not_there_yet(client, demo, role) -> None:
    _sign_in(client, demo, role)
    page = client.get("/staff/").get_data(as_text=True)
    assert "Hear appeals" not in page
    assert "not taken yet" in page
