"""Error pages in HTML for people and JSON for /api/, and the security headers."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import abort

from sunshine import create_app
from tests.conftest import make_test_env


@pytest.fixture(scope="module")
def error_app(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("errors")
    app = create_app(
        env=make_test_env(tmp, f"sqlite:///{tmp / 'e.db'}"), overrides={"MAX_CONTENT_LENGTH": 1024}
    )

    @app.route("/boom")
    @app.route("/api/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.route("/upload", methods=["POST"])
    @app.route("/api/upload", methods=["POST"])
    def upload():
        from flask import request

        return str(len(request.get_data()))

    @app.route("/forbidden")
    @app.route("/api/forbidden")
    def forbidden():
        abort(403)

    app.config["WTF_CSRF_ENABLED"] = False
    return app


@pytest.mark.parametrize(
    ("path", "method", "status", "text"),
    [
        ("/missing", "get", 404, "We could not find that page"),
        ("/boom", "get", 500, "Something went wrong on our side"),
        ("/forbidden", "get", 403, "does not have access"),
        ("/upload", "post", 413, "That file is too large"),
        ("/account/logout", "get", 405, "not available on this page"),
    ],
)
def test_errors_have_html_pages_with_a_way_on(error_app, path, method, status, text) -> None:
    client = error_app.test_client()
    kwargs = {"data": b"x" * 4096} if path == "/upload" else {}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert text in html and "Go to the home page" in html


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/api/missing", "get", 404),
        ("/api/boom", "get", 500),
        ("/api/forbidden", "get", 403),
        ("/api/upload", "post", 413),
    ],
)
def test_api_errors_are_json(error_app, path, method, status) -> None:
    kwargs = {"data": b"x" * 4096} if "upload" in path else {}
    response = getattr(error_app.test_client(), method)(path, **kwargs)
    assert response.status_code == status
    assert (
        response.is_json and response.json["error"]["status"] == status and response.json["error"]["message"]
    )


def test_bad_request_and_rate_limit_pages(client, factories) -> None:
    assert client.post("/account/login", data={}).status_code == 400
    assert client.post("/api/nothing").status_code == 404


def test_pages_carry_security_headers(client) -> None:
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_home_page_explains_what_the_public_can_do(client) -> None:
    html = client.get("/").get_data(as_text=True)
    for phrase in ("Ask for records", "three business days", "tracking number", "written statement of the"):
        assert phrase in html
    # Nothing the site cannot do yet is offered: personal-data access and correction are not built.
    assert "See what we hold about you" not in html


def test_a_wrong_method_names_the_allowed_ones(client) -> None:
    response = client.delete("/api/v1/requests")
    assert response.status_code == 405 and "POST" in response.headers["Allow"]
    assert response.is_json


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(tmp_path) -> None:
    """Rate limits key on the client's address; behind a proxy that is X-Forwarded-For, if trusted."""
    from flask import request

    from sunshine import create_app
    from tests.conftest import make_test_env

    seen = {}
    for proxies in ("0", "1"):
        app = create_app(
            env=make_test_env(tmp_path / proxies, f"sqlite:///{tmp_path}/{proxies}.db")
            | {"TRUSTED_PROXIES": proxies}
        )
        app.add_url_rule("/_address", "address", lambda: request.remote_addr)
        seen[proxies] = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.9"}).data
    assert seen == {"0": b"127.0.0.1", "1": b"203.0.113.9"}
