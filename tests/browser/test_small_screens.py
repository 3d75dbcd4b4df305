"""In a real browser on a phone-sized screen (375 pixels wide): forms and pages fit and read in order."""

from __future__ import annotations

from datetime import date

import pytest

from sunshine.authz import Role
from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 800}


def _left_of_on_one_line(control: dict, label: dict) -> bool:
    """The control ends before its label starts, and the two share a line."""
    return control["x"] + control["width"] <= label["x"] and (
        label["y"] <= control["y"] + control["height"] / 2 <= label["y"] + label["height"]
    )


def test_radios_and_checkboxes_sit_left_of_their_labels(live_server, browser, factories) -> None:
    factories.unit("RECORDS")
    for width in (PHONE["width"], 1024):
        page = browser.new_page(viewport={**PHONE, "width": width})
        page.goto(f"{live_server}/requests/new")
        for name in ("Paper copies", "By post", "I ask for fees to be waived"):
            control = page.get_by_label(name)
            label = page.locator(f'label[for="{control.get_attribute("id")}"]')
            assert _left_of_on_one_line(control.bounding_box(), label.bounding_box()), (width, name)
        page.close()


def _sign_in(page, live_server: str, email: str) -> None:
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_staff_pages_fit_a_phone_and_their_tables_scroll_sideways(live_server, browser, factories) -> None:
    factories.clock(started_on=date(2026, 3, 3))
    admin, custodian = factories.user(Role.ADMINISTRATOR), factories.user(Role.CUSTODIAN)
    for user, paths in (
        (admin, ["/", "/admin/", "/admin/calendar", "/metrics"]),
        (custodian, ["/staff/queue"]),
    ):
        context = browser.new_context(viewport=PHONE)
        page = context.new_page()
        _sign_in(page, live_server, user.email)
        for path in paths:
            page.goto(f"{live_server}{path}")
            sign_out = page.get_by_role("button", name="Sign out").bounding_box()
            assert sign_out["x"] + sign_out["width"] <= PHONE["width"], path  # the menu wraps
            assert _fits(page), path
        box = page.locator(".table-scroll").first  # the queue: six columns
        assert box.evaluate("e => e.scrollWidth > e.clientWidth")
        box.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function("() => document.querySelector('.table-scroll').scrollLeft > 0")
        context.close()
