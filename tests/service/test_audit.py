"""The audit chain: every event links to the one before; any edit or deletion is found."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from sunshine import create_app
from sunshine.audit.cli import verify_command
from sunshine.audit.models import AppendOnlyError, AuditEvent
from sunshine.audit.services import canonical_before_link, compute_hash, record, verify_chain
from sunshine.extensions import db
from tests.conftest import PG_ADMIN_URL, make_test_env, needs_postgresql, scratch_postgres_database


def _write_events(count: int) -> list[AuditEvent]:
    events = [
        record(None, "test.event", object_type="thing", object_id=n, details={"n": n}) for n in range(count)
    ]
    db.session.commit()
    return events


def test_events_form_an_intact_chain(app_ctx) -> None:
    events = _write_events(5)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert verify_chain() is None


def test_an_edited_row_is_reported_as_the_first_break(app_ctx) -> None:
    _write_events(5)
    db.session.execute(text("UPDATE audit_event SET action = 'test.forged' WHERE seq = 3"))
    db.session.commit()
    broken = verify_chain()
    assert broken is not None and broken.seq == 3 and "edited" in broken.reason


def test_edited_details_are_detected(app_ctx) -> None:
    _write_events(3)
    db.session.execute(text("UPDATE audit_event SET details = '{\"n\": 99}' WHERE seq = 2"))
    db.session.commit()
    assert verify_chain().seq == 2


def test_a_deleted_row_is_reported(app_ctx) -> None:
    _write_events(5)
    db.session.execute(text("DELETE FROM audit_event WHERE seq = 2"))
    db.session.commit()
    broken = verify_chain()
    assert broken is not None and broken.seq == 2 and "missing" in broken.reason


def test_deleting_the_newest_rows_is_reported(app_ctx) -> None:
    _write_events(5)
    db.session.execute(text("DELETE FROM audit_event WHERE seq >= 4"))
    db.session.commit()
    broken = verify_chain()
    assert broken is not None and broken.seq == 4 and "ends early" in broken.reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(app_ctx) -> None:
    from sunshine.audit.services import compute_hash

    _write_events(4)
    db.session.execute(text("UPDATE audit_event SET action = 'test.forged' WHERE seq = 2"))
    db.session.commit()
    db.session.expire_all()
    forged = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
    db.session.execute(text("UPDATE audit_event SET hash = :h WHERE seq = 2"), {"h": compute_hash(forged)})
    db.session.commit()
    broken = verify_chain()
    assert broken is not None and broken.seq == 3 and "link" in broken.reason


def test_the_orm_refuses_to_change_or_delete_events(app_ctx) -> None:
    _write_events(1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(AppendOnlyError):
        db.session.commit()
    db.session.rollback()


def test_rolled_back_events_leave_no_gap(app_ctx) -> None:
    _write_events(2)
    record(None, "test.abandoned")
    db.session.rollback()
    _write_events(1)
    assert verify_chain() is None
    assert db.session.scalar(text("SELECT max(seq) FROM audit_event")) == 3


def test_verify_command_exits_1_on_tampering(app, runner) -> None:
    with app.app_context():
        _write_events(3)
    ok = runner.invoke(verify_command)
    assert ok.exit_code == 0 and "intact" in ok.output
    with app.app_context():
        db.session.execute(text("UPDATE audit_event SET object_id = '999' WHERE seq = 1"))
        db.session.commit()
    bad = runner.invoke(verify_command)
    assert bad.exit_code == 1
    assert "event 1" in bad.output


DETAILS = {"quote": 'a "quoted" word', "unicode": "Zoë’s café", "nested": {"b": [1, 2.5, None]}}


def test_the_canonical_form_up_to_the_link_gives_the_hash_of_the_whole(app_ctx) -> None:
    event = record(None, "test.event", object_type="thing", object_id=7, details=DETAILS)
    db.session.rollback()
    event.seq, event.prev_hash = 41, "ab" * 32
    linked = canonical_before_link(event) + event.prev_hash + '","seq":41}'
    assert linked.isascii()
    assert hashlib.sha256(linked.encode()).hexdigest() == compute_hash(event)


@needs_postgresql
def test_events_chained_by_the_database_verify_like_those_chained_in_python(tmp_path: Path) -> None:
    """write_with_events links events in SQL; verify_chain (in Python) must find the same hashes."""
    from sunshine.audit.together import HAS_HEAD, make_head, write_with_events
    from sunshine.timeutil import utcnow
    from sunshine.units.models import PublicBody

    with scratch_postgres_database(PG_ADMIN_URL) as url:
        app = create_app(env=make_test_env(tmp_path, url))
        with app.app_context():
            upgrade()
            assert db.session.scalar(select(HAS_HEAD)) is False
            make_head()
            for n in range(3):  # rows and events in one statement, between events chained at commit
                body = {
                    "id": 100 + n,
                    "name": f"Body {n}",
                    "slug": f"body-{n}",
                    "timezone": "America/Chicago",
                }
                body["created_at"] = utcnow()
                record(
                    None, "test.sql_chained", object_type="public_body", object_id=body["id"], details=DETAILS
                )
                record(None, "test.sql_chained", object_type="public_body", object_id=body["id"])
                write_with_events([(PublicBody.__table__, body)])
                db.session.commit()
                _write_events(2)
            actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
            assert actions == ["test.sql_chained", "test.sql_chained", "test.event", "test.event"] * 3
            assert db.session.scalar(select(func.count()).select_from(PublicBody)) == 3
            assert verify_chain() is None
            db.session.remove()
            db.engine.dispose()


def test_rows_written_as_json_refuse_what_a_row_could_not_hold_faithfully(app_ctx) -> None:
    """An aware datetime would lose its offset in a ``timestamp`` column; other objects have no JSON form."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from sunshine.audit.together import row_json
    from sunshine.units.models import PublicBody

    table = PublicBody.__table__
    assert row_json(table, {"name": "Zoë", "created_at": datetime(2026, 3, 3, 9, 30, 0, 5)}) == (
        '{"name":"Zoë","created_at":"2026-03-03T09:30:00.000005"}'
    )
    with pytest.raises(TypeError, match="naive"):
        row_json(table, {"created_at": datetime(2026, 3, 3, 9, 30, tzinfo=UTC)})
    with pytest.raises(TypeError, match="Decimal"):
        row_json(table, {"name": Decimal("1.5")})
