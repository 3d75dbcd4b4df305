"""The live citations table: its migration, the service that keeps it, and ``flask citations sync``."""

from __future__ import annotations

import json
import os
import threading
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, func, inspect, select, text

from sunshine import create_app
from sunshine.audit.models import AuditEvent
from sunshine.cli import sync_citations_command
from sunshine.extensions import db
from sunshine.records import citation_settings, services
from sunshine.records.citation_settings import CitationError, CitationFields
from sunshine.records.citations import shipped_citations
from sunshine.records.models import CitationEntry, DenialCitation, RecordsRequest
from sunshine.records.states import Status
from tests.conftest import PG_ADMIN_URL, make_test_env, needs_postgresql, scratch_postgres_database
from tests.factories import Factories

NEW = CitationFields(
    code="43.509",
    short_name="Criminal history from the central repository",
    description="Closed criminal history record information.",
    statute="RSMo 43.509",
)


def _database(tmp_path: Path):
    """A scratch database of the kind this pass tests: PostgreSQL in its pass, else SQLite."""
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        return scratch_postgres_database(PG_ADMIN_URL)
    return nullcontext(f"sqlite:///{tmp_path / 'citations.db'}")


def test_the_migration_seeds_the_shipped_citations_and_goes_down_and_up_again(tmp_path: Path) -> None:
    codes = "SELECT code, short_name, verified, retired, examples FROM citation ORDER BY code"
    with _database(tmp_path) as url:
        app = create_app(env=make_test_env(tmp_path, url))
        with app.app_context():
            upgrade(revision="0019_custodian_contact")
            upgrade()
            with db.engine.begin() as conn:
                rows = {row.code: row for row in conn.execute(text(codes))}
                assert sorted(rows) == sorted(c.code for c in shipped_citations().all())
                for citation in shipped_citations().all():
                    row = rows[citation.code]
                    assert (row.short_name, bool(row.verified), bool(row.retired)) == (
                        citation.short_name,
                        citation.verified,
                        False,
                    )
                examples = rows["610.021(14)"].examples  # JSON: text on SQLite, parsed on PostgreSQL
                examples = json.loads(examples) if isinstance(examples, str) else examples
                assert examples == list(shipped_citations().get("610.021(14)").examples) != []
                conn.execute(text("UPDATE citation SET retired = true WHERE code = '610.021(1)'"))
            downgrade(revision="0019_custodian_contact")
            with db.engine.connect() as conn:
                assert "citation" not in inspect(conn).get_table_names()
            upgrade()
            with db.engine.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM citation WHERE retired")).scalar() == 0
                assert conn.execute(text("SELECT count(*) FROM citation")).scalar() == len(
                    shipped_citations()
                )
            db.session.remove()
            db.engine.dispose()


def test_the_table_reflects_each_change_at_once(app_ctx) -> None:
    assert "43.509" not in citation_settings.current_table()
    entry = citation_settings.add(None, NEW)
    assert citation_settings.current_table().get("43.509").short_name == NEW.short_name
    citation_settings.set_retired(None, entry, True)
    table = citation_settings.current_table()
    assert table.is_retired("43.509") and "43.509" not in [c.code for c in table.active()]
    assert table.short_name("43.509") == NEW.short_name


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (CitationFields("1.1", "Name", "Text", "RSMo 1.1", note="a\x00b"), "NUL character"),
        (CitationFields("1.1", "Name", "Text", "RSMo 1.1", examples=("x" * 501,)), "keep each to 500"),
        (CitationFields(" ", "Name", "Text", "RSMo 1.1"), "Code: write it"),
        (CitationFields("1.1", "Name", "Text", "RSMo 1.1", finding_guidance="g" * 1001), "1,000 characters"),
    ],
)
def test_the_service_refuses_what_the_form_would_and_saves_nothing(app_ctx, fields, message) -> None:
    with pytest.raises(CitationError, match=message):
        citation_settings.add(None, fields)
    db.session.rollback()
    assert "1.1" not in citation_settings.current_table()
    assert db.session.scalars(select(AuditEvent)).all() == []


def test_sync_adds_only_missing_shipped_citations_and_keeps_an_administrators_edits(app, runner) -> None:
    with app.app_context():
        db.session.execute(delete(CitationEntry).where(CitationEntry.code.in_(["610.021(2)", "211.321"])))
        edited = db.session.scalars(select(CitationEntry).where(CitationEntry.code == "610.021(14)")).one()
        edited.short_name, edited.retired = "Our own wording", True
        db.session.add(CitationEntry(**{**NEW.__dict__, "examples": []}))
        db.session.commit()

    result = runner.invoke(sync_citations_command)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Added 2 shipped citations: 211.321, 610.021(2)."
    with app.app_context():
        table = citation_settings.current_table()
        assert len(table) == len(shipped_citations()) + 1  # the administrator's own 43.509 stays
        assert table.short_name("610.021(14)") == "Our own wording" and table.is_retired("610.021(14)")
        assert table.get("610.021(2)") == shipped_citations().get("610.021(2)")
        added = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "citation.added")).all()
        assert sorted(e.details["after"]["code"] for e in added) == ["211.321", "610.021(2)"]

    again = runner.invoke(sync_citations_command)
    assert again.exit_code == 0 and "nothing added" in again.output


def test_an_unchecked_citation_cannot_be_cited_until_an_administrator_verifies_it(app_ctx, factories) -> None:
    """Its shipped wording may be a placeholder ("subject to be confirmed") that would reach the letter."""
    from dataclasses import replace

    from sunshine.records import services
    from sunshine.records.models import DenialCitation

    entry = db.session.scalar(select(CitationEntry).where(CitationEntry.code == "610.021(26)"))
    assert not entry.verified
    request = factories.request().request
    with pytest.raises(
        services.RequestError, match=r"610.021\(26\) .* has not been checked against the statute"
    ):
        services.decide_with_citations(
            None, request, partial=False, citations=["610.021(26)"], findings={}, withheld_description="All"
        )
    db.session.rollback()
    assert db.session.scalars(select(DenialCitation)).all() == []

    fields = CitationFields(
        entry.code,
        "Checked name",
        "Checked description",
        entry.statute,
        requires_written_finding=entry.requires_written_finding,
        finding_guidance=entry.finding_guidance,
    )
    citation_settings.edit(None, entry, replace(fields, verified=True))
    services.decide_with_citations(
        None, request, partial=False, citations=["610.021(26)"], findings={}, withheld_description="All"
    )
    assert [c.code for c in db.session.scalars(select(DenialCitation))] == ["610.021(26)"]


def test_two_administrators_adding_the_same_code_at_once_get_a_message_not_a_500(
    app_ctx, monkeypatch
) -> None:
    """The second's check for the code ran before the first's row was committed."""
    citation_settings.add(None, NEW)
    monkeypatch.setattr(
        citation_settings, "_by_code", lambda code: None
    )  # as if it had looked a moment earlier
    with pytest.raises(CitationError, match="was added to the table a moment ago"):
        citation_settings.add(None, NEW)
    assert db.session.scalar(select(func.count()).where(CitationEntry.code == NEW.code)) == 1


@contextmanager
def _postgresql_app(tmp_path: Path):
    """An app on a scratch PostgreSQL database of its own, migrated: row locks are PostgreSQL's
    (SQLite has one writer at a time), so this runs in both passes of .ci/run on PostgreSQL."""
    with scratch_postgres_database(PG_ADMIN_URL) as url:
        app = create_app(env=make_test_env(tmp_path, url))
        with app.app_context():
            upgrade()
            yield app
            db.session.remove()
            db.engine.dispose()


def _in_thread(app, work, outcome: dict) -> threading.Thread:
    """Run ``work()`` in its own thread and app context (so its own session and connection)."""

    def run() -> None:
        with app.app_context():
            try:
                outcome["value"] = work()
            except Exception as exc:  # noqa: BLE001 - the test asserts on it
                outcome["error"] = exc
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _pausing(original, paused: threading.Event, go: threading.Event):
    """``original``, which the first time it is called signals ``paused`` and waits for ``go``."""

    def wrapper(*args, **kwargs):
        result = original(*args, **kwargs)
        if not paused.is_set():
            paused.set()
            assert go.wait(20)
        return result

    return wrapper


def _a_citable_code() -> str:
    return next(c.code for c in shipped_citations().all() if c.verified and not c.requires_written_finding)


def _fields(entry: CitationEntry, **changes) -> CitationFields:
    fields = CitationFields(**{name: getattr(entry, name) for name in CitationFields.__dataclass_fields__})
    return replace(fields, examples=tuple(entry.examples), **changes)


def _deny(request_id: int, code: str):
    request = db.session.get(RecordsRequest, request_id)
    return services.decide_with_citations(
        None, request, partial=False, citations=[code], findings={}, withheld_description="All of it"
    )


@needs_postgresql
def test_a_code_change_waits_for_a_denial_citing_it_then_refuses(tmp_path: Path, monkeypatch) -> None:
    """Without the row locks the change counted the denials citing the code before the denial
    committed, found none, and left that denial citing a code no longer in the table."""
    with _postgresql_app(tmp_path) as app:
        code = _a_citable_code()
        request_id = Factories().request().request.id
        paused, go = threading.Event(), threading.Event()
        monkeypatch.setattr(services, "validate_denial", _pausing(services.validate_denial, paused, go))
        denial, change = {}, {}
        denying = _in_thread(app, lambda: _deny(request_id, code), denial)
        assert paused.wait(20)  # the denial has checked its citation and not committed

        def rename():
            entry = db.session.scalar(select(CitationEntry).where(CitationEntry.code == code))
            return citation_settings.edit(None, entry, _fields(entry, code=f"{code}-renamed"))

        changing = _in_thread(app, rename, change)
        changing.join(1.0)
        assert changing.is_alive()  # waiting for the denial
        go.set()
        denying.join(20)
        changing.join(20)
        assert "error" not in denial
        assert isinstance(change.get("error"), CitationError) and "1 denial already cites" in str(
            change["error"]
        )
        db.session.remove()
        cited = db.session.scalars(select(DenialCitation.code)).all()
        assert cited == [code] and citation_settings.current_table().get(code) is not None


@needs_postgresql
def test_a_denial_waits_for_a_code_change_then_says_the_code_is_gone(tmp_path: Path, monkeypatch) -> None:
    """Without the row locks the denial checked the old code, the change committed, and the denial
    then cited a code no longer in the table."""
    with _postgresql_app(tmp_path) as app:
        code = _a_citable_code()
        request_id = Factories().request().request.id
        paused, go = threading.Event(), threading.Event()
        monkeypatch.setattr(citation_settings, "record", _pausing(citation_settings.record, paused, go))
        denial, change = {}, {}

        def rename():
            entry = db.session.scalar(select(CitationEntry).where(CitationEntry.code == code))
            return citation_settings.edit(None, entry, _fields(entry, code=f"{code}-renamed"))

        changing = _in_thread(app, rename, change)
        assert paused.wait(20)  # the change is made and not committed
        denying = _in_thread(app, lambda: _deny(request_id, code), denial)
        denying.join(1.0)
        assert denying.is_alive()  # waiting for the change
        go.set()
        changing.join(20)
        denying.join(20)
        assert change.get("value") is True
        assert isinstance(denial.get("error"), services.RequestError) and code in str(denial["error"])
        db.session.remove()
        assert db.session.scalars(select(DenialCitation.code)).all() == []
        assert db.session.get(RecordsRequest, request_id).status is Status.RECEIVED
