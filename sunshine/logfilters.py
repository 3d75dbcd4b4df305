"""Keep the secrets of emailed links out of the request log.

A status link carries its secret in the query string (``?token=...``), confirmation and
password-reset links in the path (``/account/reset/<token>``), and the development server
logs every request line. This filter writes ``token=[hidden]`` instead, so a log
shared for debugging does not hand out access to requests. (In production, the front
server's access log is the deployer's: the README says to log paths without query strings.)
"""

from __future__ import annotations

import logging
import re

# ?token=... (status links), and the secret path part of email-confirmation and password-reset links.
_SECRET = re.compile(r"((?:^|[?&\s\"])token=|/(?:confirm|reset)/)[^&\s\"/?]+")


class HideTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        hidden = _SECRET.sub(r"\1[hidden]", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True


def hide_tokens_in_request_log() -> None:
    """Install the filter on werkzeug's request logger (once, however many apps are made)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, HideTokens) for f in logger.filters):
        logger.addFilter(HideTokens())
