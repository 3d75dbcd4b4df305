"""Migrations build the whole schema from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from sunshine import create_app
from sunshine.extensions import db
from tests.conftest import PG_ADMIN_URL, make_test_env, needs_postgresql, scratch_postgres_database


def _assert_upgrade_matches_models(url: str, tmp_path: Path) -> None:
    app = create_app(env=make_test_env(tmp_path, url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
            )
            assert diffs == [], f"models and migrations disagree: {diffs}"
            assert "user_account" in inspect(conn).get_table_names()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_migrations_upgrade_an_empty_sqlite_database(tmp_path: Path) -> None:
    _assert_upgrade_matches_models(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path)


@needs_postgresql
def test_migrations_upgrade_an_empty_postgresql_database(tmp_path: Path) -> None:
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        _assert_upgrade_matches_models(url, tmp_path)


@needs_postgresql
def test_tracking_numbers_continue_across_the_move_to_sequences_and_back(tmp_path: Path) -> None:
    """0012 moves PostgreSQL's counter rows into per-year sequences; its downgrade moves them back."""
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        app = create_app(env=make_test_env(tmp_path, url))
        with app.app_context():
            upgrade(revision="0011_fee_schedule")
            with db.engine.begin() as conn:
                conn.execute(text("INSERT INTO tracking_counter (year, last) VALUES (2025, 977), (2026, 41)"))
            upgrade()
            with db.engine.begin() as conn:
                assert conn.execute(text("SELECT nextval('tracking_number_2026')")).scalar() == 42
                assert conn.execute(text("SELECT nextval('tracking_number_2025')")).scalar() == 978
            downgrade(revision="0011_fee_schedule")
            with db.engine.connect() as conn:
                rows = conn.execute(text("SELECT year, last FROM tracking_counter ORDER BY year")).all()
                assert [tuple(r) for r in rows] == [(2025, 978), (2026, 42)]
                assert conn.execute(text("SELECT to_regclass('tracking_number_2026')")).scalar() is None
            db.engine.dispose()
