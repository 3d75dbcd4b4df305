"""Pooled connections are checked after sitting idle, and a dead one never reaches a request."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from sunshine.dbpool import ping_after_idle
from tests.conftest import PG_ADMIN_URL, needs_postgresql, scratch_postgres_database


def _kill(pid: int) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    admin.dispose()


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


@needs_postgresql
@pytest.mark.parametrize("idle_seconds", [0.0, 3600.0])
def test_a_connection_killed_while_idle_is_replaced_only_once_idle_long_enough(idle_seconds: float) -> None:
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        engine = create_engine(url, pool_size=1, max_overflow=0)
        ping_after_idle(engine, idle_seconds)
        first = _backend_pid(engine)
        _kill(first)
        if idle_seconds == 0.0:
            # Idle longer than the window: pinged, found dead, replaced before use.
            assert _backend_pid(engine) != first
        else:
            # Handed back within the window: not pinged, so the dead connection is used and fails.
            # (The pool then replaces it, as SQLAlchemy does on any disconnect.)
            with pytest.raises(OperationalError):
                _backend_pid(engine)
            assert _backend_pid(engine) != first
        engine.dispose()


@pytest.mark.parametrize(("idle_seconds", "pings"), [(3600.0, 0), (0.0, 2)])
def test_only_a_connection_idle_past_the_window_is_pinged(
    tmp_path: Path, idle_seconds: float, pings: int
) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'pool.db'}")
    ping_after_idle(engine, idle_seconds)
    pinged = []
    ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pinged.append(conn) or ping(conn)
    for _ in range(3):  # the first use connects afresh: nothing to check
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    assert len(pinged) == pings
    engine.dispose()
