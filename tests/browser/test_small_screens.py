"""In a real browser on a phone-sized screen (375 pixels wide): forms and pages fit and read in order."""

from __future__ import annotations

import pytest

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
