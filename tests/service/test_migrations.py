"""Migrations build the whole schema from an empty database, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
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


def _reminders_and_payment_round_trip(url: str, tmp_path: Path) -> None:
    """0015 keys each reminder sent by the due date it was for, and 0016 adds how to pay: both go up and
    down again on a database with rows in it, keeping what was sent."""
    app = create_app(env=make_test_env(tmp_path, url))
    with app.app_context():
        upgrade(revision="0014_delay_time")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO public_body (id, name, slug, timezone, created_at) "
                    "VALUES (1, 'City', 'city', 'America/Chicago', '2026-03-01')"
                )
            )
            conn.execute(text("INSERT INTO department (id, body_id, name) VALUES (1, 1, 'Police')"))
            conn.execute(
                text(
                    "INSERT INTO unit (id, department_id, name, code, active) "
                    "VALUES (1, 1, 'Records', 'RECORDS', true)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO clock (id, kind, case_type, case_id, body_id, unit_id, label, day_count, "
                    "length, started_on, basis_on, basis_days, due_on, explanation, start_verb, outcome, "
                    "urgency, created_at) VALUES (1, 'sunshine_response', 'records_request', 1, 1, 1, 'X', "
                    "'business', 3, '2026-03-02', '2026-03-02', 3, '2026-03-05', 'x', 'Received', 'open', "
                    "'on_track', '2026-03-02')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reminder_sent (clock_id, kind, sent_at) VALUES (1, 'due_soon', '2026-03-04')"
                )
            )
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(text("SELECT due_on FROM reminder_sent")).scalar() in (
                "2026-03-05",
                date(2026, 3, 5),
            )
            conn.execute(text("UPDATE public_body SET payment_instructions = 'Checks to the City'"))
        downgrade(revision="0014_delay_time")
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM reminder_sent")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM department")).scalar() == 1
        upgrade()
        db.engine.dispose()


def test_reminders_and_payment_migrations_round_trip_with_rows_on_sqlite(tmp_path: Path) -> None:
    _reminders_and_payment_round_trip(f"sqlite:///{tmp_path / 'rows.db'}", tmp_path)


@needs_postgresql
def test_reminders_and_payment_migrations_round_trip_with_rows_on_postgresql(tmp_path: Path) -> None:
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        _reminders_and_payment_round_trip(url, tmp_path)


def _letter_templates_round_trip(url: str, tmp_path: Path) -> None:
    """0018 gives each body its own templates: those uploaded before become the first body's, and
    every other body gets a copy of each in use, so no body's letters change with the upgrade."""
    app = create_app(env=make_test_env(tmp_path, url))
    with app.app_context():
        upgrade(revision="0017_clock_created_index")
        with db.engine.begin() as conn:
            for body_id, slug in ((1, "city"), (2, "county")):
                conn.execute(
                    text(
                        "INSERT INTO public_body (id, name, slug, timezone, created_at) "
                        "VALUES (:id, :slug, :slug, 'America/Chicago', '2026-03-01')"
                    ),
                    {"id": body_id, "slug": slug},
                )
            for kind, key, active in (("grant", "old", False), ("grant", "new", True), ("denial", "d", True)):
                conn.execute(
                    text(
                        "INSERT INTO letter_template (kind, storage_key, sha256, display_name, uploaded_at, "
                        "active) VALUES (:kind, :key, :key, :key, '2026-03-02', :active)"
                    ),
                    {"kind": kind, "key": key, "active": active},
                )
        upgrade()
        held = "SELECT body_id, kind, storage_key, active FROM letter_template ORDER BY 1, 2, 3"
        with db.engine.begin() as conn:
            assert [tuple(row) for row in conn.execute(text(held))] == [
                (1, "denial", "d", True),
                (1, "grant", "new", True),
                (1, "grant", "old", False),
                (2, "denial", "d", True),
                (2, "grant", "new", True),
            ]
            # After the upgrade the county puts its own letterhead on its denials.
            conn.execute(
                text("UPDATE letter_template SET active = false WHERE body_id = 2 AND kind = 'denial'")
            )
            conn.execute(
                text(
                    "INSERT INTO letter_template (body_id, kind, storage_key, sha256, display_name, "
                    "uploaded_at, active) "
                    "VALUES (2, 'denial', 'county', 'county', 'county', '2026-03-03', true)"
                )
            )
        downgrade(revision="0017_clock_created_index")
        with db.engine.connect() as conn:
            # Denials differ between the bodies, so every body's go back to the default; the grant
            # letter is the same file everywhere, so it stays.
            active = "SELECT kind, storage_key FROM letter_template WHERE active ORDER BY kind"
            assert [tuple(row) for row in conn.execute(text(active))] == [("grant", "new")]
            assert conn.execute(text("SELECT count(*) FROM letter_template")).scalar() == 6
        upgrade()
        db.engine.dispose()


def test_letter_templates_migration_round_trips_with_rows_on_sqlite(tmp_path: Path) -> None:
    _letter_templates_round_trip(f"sqlite:///{tmp_path / 'letters.db'}", tmp_path)


@needs_postgresql
def test_letter_templates_migration_round_trips_with_rows_on_postgresql(tmp_path: Path) -> None:
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        _letter_templates_round_trip(url, tmp_path)
