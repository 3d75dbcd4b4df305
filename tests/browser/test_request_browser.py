"""In a real browser: an anonymous person files a request and follows it by the private link."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_file_a_request_anonymously_and_follow_it(live_server, browser, factories) -> None:
    factories.unit("RECORDS")
    page = browser.new_page()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="Ask for records").first.click()
    page.get_by_role("button", name="Send request").click()
    assert "Describe the records you are asking for." in page.get_by_role("alert").inner_text()

    page.get_by_label("Records you are asking for").fill("Crash report for Main St and 5th, 2 March 2026")
    page.get_by_label("Paper copies").check()
    page.get_by_role("button", name="Send request").click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("Request 2026-") or heading.startswith("Request 20")
    link = page.locator(".private-link a").get_attribute("href")

    page.goto(link)
    assert "Crash report for Main St" in page.content() and "Response due" in page.content()
    page.get_by_label("Message").fill("Please include the diagram.")
    page.get_by_role("button", name="Send to the custodian").click()
    page.get_by_text("Your message is with the custodian.").wait_for()
    assert "Please include the diagram." in page.content()
