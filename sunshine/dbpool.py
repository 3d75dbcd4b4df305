"""Checking pooled database connections before use, only when they may have gone stale.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one round trip per web request,
as many as a whole filing's INSERT. This pings only a connection that has sat idle in
the pool for a while, which is when connections go stale (a database restarted overnight,
a firewall dropping idle sessions); a dead one is replaced before the request sees it,
as with ``pool_pre_ping``.

The trade: after a database restart, a connection last used within the idle window is
not checked, so the next request on it fails (a 500). SQLAlchemy then drops every
connection its pool opened before the failure, so each worker process loses about one
request. With ``pool_pre_ping`` only the statements under way at the restart fail.
``DB_PING_AFTER_IDLE_SECONDS=0`` pings on every checkout, as before.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

_CHECKED_IN = "sunshine.checked_in_at"


def ping_after_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a connection at checkout when it has been idle in the pool over ``idle_seconds``."""

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection, record) -> None:
        record.info[_CHECKED_IN] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        checked_in = record.info.pop(_CHECKED_IN, None)
        if checked_in is None or time.monotonic() - checked_in <= idle_seconds:
            return  # new (just connected) or handed back a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the driver's own error for a dead socket, whatever it is
            raise DisconnectionError("The pooled connection is gone") from exc
        if not alive:
            raise DisconnectionError("The pooled connection is gone")
