"""Command-line tools: demo data, staff accounts, the citations table, the file store check, key
rotation, and the one-command local server."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.serving import run_simple

from sunshine.accounts import services as accounts
from sunshine.authz import STAFF_ROLES, Role
from sunshine.extensions import db
from sunshine.ids import MAX_ID
from sunshine.jobs.processes import stop_process, worker_command
from sunshine.units.models import PublicBody
from sunshine.units.services import unit_by_code


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has a public body.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Create a demo public body, its units, one account per role (passwords printed once) and requests."""
    from sunshine.demo import seed_demo

    if db.session.scalar(select(PublicBody.id).limit(1)) is not None:
        if if_empty:
            click.echo("Database already has data; demo not seeded.")
            return
        raise click.ClickException("The database already has a public body; seed the demo into an empty one.")
    demo = seed_demo(current_app.config["PUBLIC_BODY_NAME"])
    click.echo("Demo accounts (these passwords are shown once):")
    for account in demo.accounts:
        click.echo(f"  {account.role.label:<22} {account.email:<26} {account.password}")


@click.command("setup")
@click.option("--body", "body_name", required=True, help="The public body, e.g. 'City of Fairview'.")
@click.option("--slug", required=True, help="Its short name: lowercase letters, digits, dashes.")
@click.option("--timezone", default="America/Chicago", show_default=True)
@click.option(
    "--department", required=True, help="The department of the records unit, e.g. 'Police Department'."
)
@click.option(
    "--unit", "unit_name", required=True, help="The unit requests are filed with, e.g. 'Records Unit'."
)
@click.option("--code", default=None, help="Its code; default RECORDS_UNIT_CODE, where requests are filed.")
@click.option("--unit-email", default=None, help="The unit's email address, if it has one.")
@click.option("--admin-email", required=True)
@click.option("--admin-name", required=True)
@click.password_option("--password", help="The administrator's password; prompted for when not given.")
@with_appcontext
def setup_command(
    body_name: str,
    slug: str,
    timezone: str,
    department: str,
    unit_name: str,
    code: str | None,
    unit_email: str | None,
    admin_email: str,
    admin_name: str,
    password: str,
) -> None:
    """Start a production database: a public body, the unit that takes requests, and its administrator.

    All or nothing: a problem with any of them saves none. The administrator then adds staff,
    units, fees and the custodian's details in the app.
    """
    from sunshine.units import services as units

    filed_at = current_app.config["RECORDS_UNIT_CODE"]
    try:
        body = units.add_body(None, body_name, slug, timezone)
        records = units.add_unit(
            None, units.add_department(None, body, department), unit_name, code or filed_at, unit_email
        )
        accounts.create_staff(
            None,
            email=admin_email,
            full_name=admin_name,
            unit=records,
            role=Role.ADMINISTRATOR,
            password=password,
            actor_kind="cli",
        )  # commits everything
    except (units.UnitError, accounts.AccountError) as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} Nothing was saved.") from exc
    click.echo(f"Set up {body.name}: {records.department.name}, {records.name} ({records.code}).")
    click.echo(f"{admin_email} can sign in as its administrator at /account/login.")
    if records.code != filed_at.upper():  # codes are kept, and looked up, in capitals
        click.echo(
            f"Requests filed on the web and by API go to the unit RECORDS_UNIT_CODE names ({filed_at}): "
            f"set RECORDS_UNIT_CODE={records.code} for them to reach {records.name}."
        )
    click.echo(
        "Next, in the app: staff at /admin/staff/new, other units at /admin/units, the custodian's "
        "details at /admin/custodian, fees at /admin/fees and closure days at /admin/calendar."
    )


@click.command("create-staff")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. RECORDS.")
@click.option("--role", type=click.Choice([r.value for r in STAFF_ROLES]), required=True)
@click.password_option(help="Prompted for when not given.")
@with_appcontext
def create_staff_command(email: str, full_name: str, unit_code: str, role: str, password: str) -> None:
    """Create a staff account that can sign in at once."""
    unit = unit_by_code(unit_code)
    if unit is None:
        raise click.ClickException(f"No unit has the code {unit_code!r}.")
    try:
        user = accounts.create_staff(
            None,
            email=email,
            full_name=full_name,
            unit=unit,
            role=Role(role),
            password=password,
            actor_kind="cli",
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created staff account {user.id} ({Role(role).label}, {unit.name}).")


@click.command("create-api-token")
@click.option("--email", required=True, help="The staff member the token acts as.")
@click.option("--name", "name", required=True, help="What will use it, e.g. 'case management export'.")
@with_appcontext
def create_api_token_command(email: str, name: str) -> None:
    """Issue a staff API token for an integration; it is printed once."""
    user = accounts.find_by_email(email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    try:
        token = accounts.create_api_token(None, user, name, actor_kind="cli")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    number = accounts.find_api_token(token).id
    click.echo(
        f"API token number {number} for {name} (shown once; store it in the integration's secrets):\n{token}"
    )


@click.command("revoke-api-token")
@click.option(
    "--id",
    "token_id",
    type=click.IntRange(1, MAX_ID),
    required=True,
    help="The token's number, as creation printed it.",
)
@with_appcontext
def revoke_api_token_command(token_id: int) -> None:
    """Revoke a staff API token for good; the API refuses it from then on."""
    try:
        token = accounts.revoke_api_token(None, token_id, actor_kind="cli")
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Revoked API token number {token.id} ({token.name}).")


citations_cli = AppGroup("citations", help="The citations table a denial cites from.")


@citations_cli.command("sync")
def sync_citations_command() -> None:
    """Add the shipped citations the database lacks; never changes one already there."""
    from sunshine.records.citation_settings import sync_shipped

    added = sync_shipped()
    if not added:
        click.echo("The citations table already has every shipped citation; nothing added.")
        return
    click.echo(f"Added {len(added)} shipped citation{'s' if len(added) != 1 else ''}: {', '.join(added)}.")


files_cli = AppGroup("files", help="Where stored files live: the folder, or the S3-compatible bucket.")


@files_cli.command("check")
def check_files_command() -> None:
    """Save a small file in the configured store, read it back and delete it: the settings work."""
    from sunshine.documents.storage import storage, where_files_are

    where = where_files_are()
    probe, saved = b"Sunshine file store check\n", None
    try:
        store = storage()
        saved = store.save(probe)
        with store.open(saved.key) as handle:
            back = handle.read()
    except (OSError, ValueError) as exc:  # ValueError: boto3 refusing a setting it cannot use
        raise click.ClickException(f"Files cannot be stored in {where}: {exc}") from exc
    finally:
        if saved is not None:
            try:
                store.delete(saved.key)
            except OSError as exc:
                click.echo(f"The check's file {saved.key} could not be deleted: {exc}", err=True)
    if back != probe:
        raise click.ClickException(f"A file stored in {where} came back changed: check the store.")
    click.echo(f"Files are stored in {where}: a file was saved, read back whole and deleted.")


keys_cli = AppGroup("keys", help="The data encryption keys: moving stored values to the newest one.")


def _unreadable(report) -> None:
    """Name the values no configured key opens (a few), and fail."""
    shown = ", ".join(f"{table}.{column} row {row_id}" for table, column, row_id in report.unreadable)
    more = report.unreadable_count - len(report.unreadable)
    more = f" and {more:,} more" if more else ""
    raise click.ClickException(
        f"{report.unreadable_count:,} stored value{'s' if report.unreadable_count != 1 else ''} cannot be "
        f"opened with any key in DATA_ENCRYPTION_KEYS: {shown}{more}. Put back the key they were "
        "encrypted with."
    )


@keys_cli.command("check")
def check_keys_command() -> None:
    """Say whether any stored value still needs a key other than the newest; exit 1 if so."""
    from sunshine.keyrotation import check

    report = check()
    click.echo(
        f"{report.current:,} stored values are under the newest key; {report.older:,} under an older one."
    )
    if report.unreadable_count:
        _unreadable(report)
    if report.older:
        raise click.ClickException(
            "Run flask keys rotate before taking any older key out of DATA_ENCRYPTION_KEYS."
        )
    click.echo(
        "No value needs an older key: the keys after the first in DATA_ENCRYPTION_KEYS can be removed."
    )


@keys_cli.command("rotate")
def rotate_keys_command() -> None:
    """Re-encrypt under the newest key every stored value an older key encrypted."""
    from sunshine.keyrotation import rotate

    try:
        report = rotate(None, actor_kind="cli")
    except OperationalError as exc:  # a deadlock or a lost connection: what was done is committed
        raise click.ClickException(
            f"The rotation stopped: {exc.orig}. What it re-encrypted so far is saved; run it again to go on."
        ) from exc
    click.echo(
        f"Re-encrypted {report.rotated:,} stored values under the newest key; "
        f"{report.current:,} already were."
    )
    if report.changed_meanwhile:
        click.echo(
            f"{report.changed_meanwhile:,} were rewritten by the app meanwhile and left as it wrote them."
        )
    if report.unreadable_count:
        _unreadable(report)
    click.echo("Run flask keys check to confirm before removing an older key.")


@keys_cli.command("reindex")
def reindex_keys_command() -> None:
    """Recompute every account's email index under DATA_INDEX_KEY, after it was changed."""
    from sunshine.keyrotation import reindex

    changed = reindex(None, actor_kind="cli")
    click.echo(
        f"Recomputed the email index of {changed:,} account{'s' if changed != 1 else ''} under "
        "DATA_INDEX_KEY: they sign in as before."
    )


def served_at(host: str, port: int) -> str:
    """The address people reach ``flask serve --host host --port port`` at, for links in emails."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared, not bound
    shown = f"[{shown}]" if ":" in shown else shown  # an IPv6 address, as a URL writes it
    return f"http://{shown}:{port}"


@click.command("serve")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Run the web server; with Redis, also an RQ worker (with scheduler) and the cron
    scheduler for the sweep; without, jobs run inline and the sweep runs on a timer."""
    from sunshine.jobs.queue import redis_answers
    from sunshine.jobs.timer import start_sweep_timer

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not os.environ.get("PUBLIC_BASE_URL"):
        # Links in emails and letters then lead to this server, whatever port it was given.
        base = served_at(host, port)
        os.environ["PUBLIC_BASE_URL"] = app.config["PUBLIC_BASE_URL"] = base  # the worker started below too
        click.echo(f"Links in emails and letters lead to {base} (PUBLIC_BASE_URL sets the public address).")
    redis_url = app.config["REDIS_URL"]
    helpers: list[subprocess.Popen] = []
    if app.config["QUEUE_MODE"] != "inline" and redis_answers():
        bin_dir = str(Path(sys.executable).parent)
        rq = shutil.which("rq", path=bin_dir) or "rq"
        flask = shutil.which("flask", path=bin_dir) or "flask"
        helpers.append(subprocess.Popen(worker_command(rq, redis_url)))  # noqa: S603 - fixed arguments
        helpers.append(subprocess.Popen([flask, "--app", "wsgi", "deadlines", "cron"]))  # noqa: S603
        click.echo(
            f"RQ worker (pid {helpers[0].pid}) and cron scheduler (pid {helpers[1].pid}) on {redis_url}."
        )
    else:
        why = (
            "QUEUE_MODE=inline"
            if app.config["QUEUE_MODE"] == "inline"
            else f"Redis not reachable at {redis_url}"
        )
        click.echo(f"{why}: jobs run inline in the web process; the sweep runs on a timer.")
        start_sweep_timer(app, app.config["SWEEP_INTERVAL_SECONDS"])
    # Stop the helpers too when the server is told to stop, not only on Ctrl+C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False)
    finally:
        for helper in helpers:
            stop_process(helper)
