"""``flask deadlines sweep`` (for cron users) and ``flask deadlines cron`` (RQ's cron scheduler)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

deadlines_cli = AppGroup("deadlines", help="Deadline clocks: the sweep and its scheduler.")


@deadlines_cli.command("sweep")
def sweep_command() -> None:
    """Run one sweep now and print what it did."""
    from sunshine.clocks.sweep import run

    click.echo(json.dumps(run().summary()))


@deadlines_cli.command("cron")
def cron_command() -> None:
    """Run RQ's cron scheduler, enqueueing the sweep every SWEEP_INTERVAL_SECONDS."""
    from sunshine.jobs.cron import build_scheduler
    from sunshine.jobs.queue import redis_connection

    scheduler = build_scheduler(redis_connection(), current_app.config["SWEEP_INTERVAL_SECONDS"])
    click.echo(f"Sweep scheduled every {current_app.config['SWEEP_INTERVAL_SECONDS']} s.")
    scheduler.start()
