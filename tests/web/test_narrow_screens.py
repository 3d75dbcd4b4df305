"""Wide tables sit in a box that scrolls sideways, so a phone-sized page never does."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sunshine.authz import Role
from tests.factories import PASSWORD

IN_A_SCROLL_BOX = re.compile(
    r'<div class="table-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*<table'
)


@pytest.mark.parametrize(
    ("role", "path"),
    [
        (Role.CUSTODIAN, "/staff/queue"),
        (Role.ADMINISTRATOR, "/admin/"),
        (Role.ADMINISTRATOR, "/admin/calendar"),
        (None, "/metrics"),
    ],
)
def test_every_table_on_a_wide_page_scrolls_in_its_own_labelled_box(client, factories, role, path) -> None:
    factories.clock(started_on=date(2026, 3, 3))
    factories.request(received_on=date(2026, 3, 3))
    if role is not None:
        client.sign_in(factories.user(role).email, PASSWORD)
    html = client.get(path).get_data(as_text=True)
    tables = html.count("<table")
    assert tables >= 1 and len(IN_A_SCROLL_BOX.findall(html)) == tables
