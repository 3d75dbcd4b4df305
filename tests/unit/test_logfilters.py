"""The request log never shows a status link's secret."""

from __future__ import annotations

import logging

from sunshine.logfilters import HideTokens


def test_a_status_links_token_is_hidden_in_the_request_log(caplog) -> None:
    logger = logging.getLogger("werkzeug.test_hide")
    logger.addFilter(HideTokens())
    with caplog.at_level(logging.INFO, logger="werkzeug.test_hide"):
        logger.info('"%s" %s %s', "GET /requests/2026-000001?token=Abc-123_x&page=2 HTTP/1.1", 200, "-")
        logger.info('"%s" %s %s', "GET /requests/2026-000001/letters/4?token=Zz9 HTTP/1.1", 200, "-")
        logger.info("GET /account/login?next=/staff/queue")
        logger.info('"%s" %s %s', "GET /account/reset/Ik1.Xy_9 HTTP/1.1", 200, "-")
        logger.info('"%s" %s %s', "POST /account/confirm/Qq7.w HTTP/1.1", 302, "-")
        logger.info('"%s" %s %s', "GET /metrics?month=100%25 HTTP/1.1", 200, "-")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        '"GET /requests/2026-000001?token=[hidden]&page=2 HTTP/1.1" 200 -',
        '"GET /requests/2026-000001/letters/4?token=[hidden] HTTP/1.1" 200 -',
        "GET /account/login?next=/staff/queue",
        '"GET /account/reset/[hidden] HTTP/1.1" 200 -',
        '"POST /account/confirm/[hidden] HTTP/1.1" 302 -',
        '"GET /metrics?month=100%25 HTTP/1.1" 200 -',
    ]
    assert all(secret not in "".join(messages) for secret in ("Abc-123_x", "Zz9", "Ik1.Xy_9", "Qq7.w"))


def test_the_app_installs_it_on_the_development_servers_request_log(app) -> None:
    assert any(isinstance(f, HideTokens) for f in logging.getLogger("werkzeug").filters)
