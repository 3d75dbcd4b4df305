from __future__ import annotations

import pytest

from sunshine.safe_redirect import safe_next


@pytest.mark.parametrize("target", ["/admin/", "/account/?tab=roles"])
def test_local_paths_are_followed(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "admin", "", None],
)
def test_other_sites_and_odd_forms_are_refused(target: str | None) -> None:
    assert safe_next(target) is None
