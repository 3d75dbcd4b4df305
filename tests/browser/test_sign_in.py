"""In a real browser: every demo role signs in, sees its own pages, and signs out."""

from __future__ import annotations

import re

import pytest

from sunshine.cli import seed_demo_command

pytestmark = pytest.mark.browser
ACCOUNT_LINE = re.compile(r"^\s+(.+?)\s{2,}(\S+@example\.org)\s+(\S+)$", re.M)

EXPECTED_LINK = {
    "Requester": None,
    "Custodian of records": "Staff workspace",
    "Unit reviewer": "Staff workspace",
    "General counsel": "Staff workspace",
    "Administrator": "Administration",
}


def test_every_demo_role_signs_in_through_the_browser(runner, live_server, browser, tmp_path) -> None:
    accounts = ACCOUNT_LINE.findall(runner.invoke(seed_demo_command).output)
    assert len(accounts) == 5
    page = browser.new_page()
    for label, email, password in accounts:
        page.goto(f"{live_server}/")
        page.get_by_role("navigation").get_by_role("link", name="Sign in").click()
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Sign out").wait_for()
        if EXPECTED_LINK[label]:
            page.get_by_role("link", name=EXPECTED_LINK[label]).click()
            assert page.locator("h1").inner_text() in {"Staff workspace", "Administration"}
        else:
            assert page.get_by_role("link", name="Staff workspace").count() == 0
        page.screenshot(path=str(tmp_path / f"{label}.png"))
        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You are signed out.").wait_for()


def test_a_wrong_password_shows_an_error_summary_in_the_browser(live_server, browser, factories) -> None:
    user = factories.user()
    page = browser.new_page()
    page.goto(f"{live_server}/account/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("definitely wrong")
    page.get_by_role("button", name="Sign in").click()
    assert "There is a problem" in page.get_by_role("alert").inner_text()
    assert "The email address or password is not right." in page.content()
