"""Absolute links for emails and letters, built from ``PUBLIC_BASE_URL``.

Never from the request's Host header: a forged Host would otherwise plant an
attacker's domain in a password-reset email.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
