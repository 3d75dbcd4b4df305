"""Sunshine: Missouri Sunshine Law records requests and personal-data access.

``create_app`` is the composition root: it reads configuration, binds the
extensions, and registers every blueprint, including ``corrections``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from sunshine.config import load_config
from sunshine.crypto import FieldCipher
from sunshine.extensions import csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None, *, env: dict[str, str] | None = None) -> Flask:
    """Build the application from environment variables (or ``env``), then ``overrides``."""
    instance_path = Path((env or os.environ).get("SUNSHINE_INSTANCE_PATH", ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "sunshine" / "static"),
    )
    app.config.from_mapping(load_config(env if env is not None else os.environ, instance_path))
    if overrides:
        app.config.update(overrides)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from sunshine.logfilters import hide_tokens_in_request_log

    hide_tokens_in_request_log()

    app.extensions["sunshine.cipher"] = FieldCipher(
        app.config["DATA_ENCRYPTION_KEYS"], app.config["DATA_INDEX_KEY"]
    )
    import sunshine.schema  # noqa: F401  (every model registered before migrations look)
    from sunshine.dbpool import ping_after_idle

    db.init_app(app)
    with app.app_context():
        ping_after_idle(db.engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    _init_login(app)
    from sunshine.ids import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: every <int:...> is a row id
    _register_blueprints(app)
    _register_case_types()
    _register_cli(app)

    from sunshine.errors import register_error_handlers

    register_error_handlers(app)
    app.after_request(_security_headers)
    app.jinja_env.globals["body_name"] = app.config["PUBLIC_BODY_NAME"]
    return app


def _init_login(app: Flask) -> None:
    from sunshine.accounts.services import load_session_user

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Sign in to see that page."
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)


def _register_blueprints(app: Flask) -> None:
    import corrections
    from sunshine.accounts.views import bp as accounts_bp
    from sunshine.admin.views import bp as admin_bp
    from sunshine.api.views import bp as api_bp
    from sunshine.clocks.views import bp as deadlines_bp
    from sunshine.health import bp as health_bp
    from sunshine.jobs.views import bp as jobs_bp
    from sunshine.letters.views import bp as letters_bp
    from sunshine.public.views import bp as public_bp
    from sunshine.records.metrics_views import bp as metrics_bp
    from sunshine.records.views import bp as records_bp
    from sunshine.units.views import bp as units_bp

    for blueprint in (
        public_bp,
        accounts_bp,
        records_bp,
        metrics_bp,
        api_bp,
        admin_bp,
        units_bp,
        letters_bp,
        deadlines_bp,
        jobs_bp,
        health_bp,
        corrections.bp,
    ):
        app.register_blueprint(blueprint)


def _register_case_types() -> None:
    """Tell the clocks which kinds of case exist, how to link to them, and what a lapse does."""
    from sunshine.clocks.cases import CaseType, register_case_type
    from sunshine.records import receipts
    from sunshine.records import services as records
    from sunshine.records.models import RecordsRequest
    from sunshine.records.states import Status

    register_case_type(
        CaseType(
            records.CASE_TYPE,
            "Records request",
            "records.case",
            "request_id",
            on_lapse=records.on_lapse,
            requeue_lost=receipts.requeue_unsent_receipts,
            id_column=RecordsRequest.id,
            status_column=RecordsRequest.status,
            # Staff wording: the requester-facing labels address the requester ("your clarification").
            status_labels={s.value: s.staff_label for s in Status if s.is_open},
        )
    )


def _register_cli(app: Flask) -> None:
    from sunshine.audit.cli import audit_cli
    from sunshine.cli import (
        citations_cli,
        create_api_token_command,
        create_staff_command,
        files_cli,
        keys_cli,
        revoke_api_token_command,
        seed_demo_command,
        serve_command,
        setup_command,
    )
    from sunshine.clocks.cli import deadlines_cli

    app.cli.add_command(audit_cli)
    app.cli.add_command(deadlines_cli)
    app.cli.add_command(citations_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_staff_command)
    app.cli.add_command(create_api_token_command)
    app.cli.add_command(revoke_api_token_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(setup_command)


def _security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    # Pages show personal data, status links and case files: no browser or proxy keeps a copy
    # (the back button after signing out, a shared computer). Static files set their own.
    headers.setdefault("Cache-Control", "no-store")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
