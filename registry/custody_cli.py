"""``flask --app wsgi custody export|verify`` (contracts/custody-bundle.md).

Exit codes as the contract fixes them: 0 everything checks, 1 something does not
(the first bad entry index and what is wrong on stderr), 2 unreadable input or
a database the command cannot use.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from registry.db import session_scope
from registry.web.database import get_engine

custody_cli = AppGroup("custody", help="The chain-of-custody log: export and verify.")

EXIT_BAD, EXIT_UNREADABLE = 1, 2


def _fail(message: str, code: int = EXIT_UNREADABLE) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


@custody_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--letter", "registry_number", default=None, help="Only this letter, with proofs.")
def export_command(out: Path, registry_number: str | None) -> None:
    """Write the whole log, or one letter's events with inclusion proofs, to OUT.json.

    The export itself is a custody event (``log:exported``), committed first so
    that the bundle's checkpoint already covers it.
    """
    from registry.services.custody import Actor, export_bundle, record_export
    from registry.services.errors import ServiceError

    actor = Actor(user=f"cli:{getpass.getuser()}", role="admin", agency=None)
    try:
        with session_scope(get_engine()) as session:
            record_export(session, actor=actor, registry_number=registry_number)
            session.commit()
            bundle = export_bundle(session, registry_number)
    except ServiceError as exc:
        _fail(exc.message)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    with out.open("w", encoding="utf-8") as handle:
        json.dump(bundle, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
    entries = bundle["entries"]
    assert isinstance(entries, list)
    click.echo(f"wrote {len(entries)} entries to {out}")


@custody_cli.command("verify")
@click.option("--quiet", is_flag=True, help="No progress lines.")
def verify_command(quiet: bool) -> None:
    """Check the live log: every event, subtree hash and checkpoint, against the log key."""
    from registry.services.custody import verifier_key, verify_log

    def progress(done: int, total: int) -> None:
        if not quiet:
            click.echo(f"checked {done} of {total} entries", err=True)

    try:
        with session_scope(get_engine()) as session:
            report = verify_log(session, progress)
            key = verifier_key(session)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    if report.problem is not None:
        click.echo(f"FAILED {report.problem}", err=True)
        sys.exit(EXIT_BAD)
    click.echo(
        f"OK {report.size} entries and {report.checkpoints} checkpoints check; "
        f"verifier key {key or '(none yet)'}"
    )
