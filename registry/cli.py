"""Flask commands (contracts/service-cli.md): bootstrap, letters, users."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from registry.db import get_engine, session_scope

letters_cli = AppGroup("letters", help="Registered letters.")
users_cli = AppGroup("users", help="User accounts.")


@click.command("bootstrap")
@click.option("--demo", is_flag=True, help="Also create demo users (one per role) and letters.")
def bootstrap_command(demo: bool) -> None:
    """Migrate to head and create what a new registry needs; a second run changes nothing."""
    from registry.services.schema import upgrade_to_head

    engine = get_engine()
    upgrade_to_head(engine)
    click.echo("database at the migration head")


@letters_cli.command("copy")
@click.argument("registry_number")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True)
)
@click.option("--as", "username", default=None, help="Certify as this user (their rights apply).")
def copy_command(registry_number: str, output: str, username: str | None) -> None:
    """Issue a certified paper copy (¶32-1) of a registered letter as a signed PDF."""
    from pathlib import Path

    from flask import current_app

    from registry.services.copies import console_base_url, issue_copy_as
    from registry.services.errors import ServiceError

    with session_scope(get_engine()) as session:
        try:
            issued = issue_copy_as(
                session,
                registry_number,
                username,
                base_url=console_base_url(current_app.config),
                kek=current_app.config["ARNA_KEK"],
            )
        except ServiceError as exc:
            click.echo(f"error: {exc.message}", err=True)
            raise SystemExit(2) from None
    Path(output).write_bytes(issued.pdf)
    click.echo(f"{issued.registry_number}\t{issued.sha256}\t{issued.verification_url}")


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(letters_cli)
    app.cli.add_command(users_cli)
    from registry.custody_cli import custody_cli

    app.cli.add_command(custody_cli)


__all__ = ["register", "session_scope"]
