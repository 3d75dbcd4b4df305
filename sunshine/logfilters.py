"""Keep the status links' secrets out of the request log.

A status link carries its secret in the query string (``?token=...``), and the development
server logs every request line. This filter writes ``token=[hidden]`` instead, so a log
shared for debugging does not hand out access to requests. (In production, the front
server's access log is the deployer's: the README says to log paths without query strings.)
"""

from __future__ import annotations

import logging
import re

_SECRET = re.compile(r"((?:^|[?&\s\"])token=)[^&\s\"]+")


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
