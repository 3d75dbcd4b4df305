"""Fixtures shared by the web tests."""

from tests.web.test_request_paths import walk  # noqa: F401 (a request walked through the pages)
