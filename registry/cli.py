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


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(letters_cli)
    app.cli.add_command(users_cli)


__all__ = ["register", "session_scope"]
