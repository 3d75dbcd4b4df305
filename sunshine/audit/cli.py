"""``flask audit verify``: check the chain, exit 1 on tampering."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from sunshine.audit.services import verify_chain

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Verify the audit log's hash chain; exit status 1 names the first broken event."""
    broken = verify_chain()
    if broken is None:
        click.echo("Audit log intact.")
        return
    click.echo(f"Audit log broken at event {broken.seq}: {broken.reason}", err=True)
    raise SystemExit(1)
