"""Checking pooled database connections before use, only when they may have gone stale.

SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one round trip per web request,
as many as a whole filing's INSERT. A connection handed back a moment ago is as alive as
it was then, so this pings only one that has sat idle in the pool for a while (a database
restart, a firewall dropping idle sessions). A dead one is replaced before the request
sees it, as with ``pool_pre_ping``. A restart inside the idle window still fails the
statements already under way, as it would with any setting.
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
