"""Every protected page refuses every role it does not belong to.

The cases come from the routes themselves (each protected view carries the
permission it needs), so a page added later is checked without editing this file.
"""

from __future__ import annotations

import re

import pytest

from sunshine.authz import ROLE_PERMISSIONS, Role
from tests.factories import PASSWORD


def protected_pages(app) -> list[tuple[str, str, object]]:
    pages = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        if permission is None:
            continue
        url = re.sub(r"<(?:int:)?\w+>", "1", rule.rule)
        method = "GET" if "GET" in rule.methods else "POST"
        pages.append((method, url, permission))
    return pages


def test_there_are_protected_pages_for_the_staff_roles(app) -> None:
    needed = {p for _, _, p in protected_pages(app)}
    assert {str(p) for p in needed} >= {"use_staff_workspace", "manage_staff", "manage_units"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_where_it_does_not_belong(app, client, factories, role: Role) -> None:
    user = factories.user(role)
    client.sign_in(user.email, PASSWORD)
    for method, url, permission in protected_pages(app):
        if method == "GET":
            status = client.get(url).status_code
        else:
            token = client.csrf_token("/")
            status = client.post(url, data={"csrf_token": token}).status_code
        allowed = permission in ROLE_PERMISSIONS[role]
        if allowed:
            assert status != 403, f"{role} should reach {method} {url}"
        else:
            assert status == 403, f"{role} reached {method} {url} ({status})"


def test_anonymous_visitors_are_sent_to_sign_in(app, client) -> None:
    for method, url, _ in protected_pages(app):
        if method == "GET":
            response = client.get(url)
            assert response.status_code == 302 and "/account/login" in response.location
