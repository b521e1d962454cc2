"""``flask --app wsgi custody export|verify`` (contracts/custody-bundle.md).

Exit codes as the contract fixes them: 0 everything checks, 1 something does not
(the first bad entry index and what is wrong on stderr), 2 unreadable input or
a database the command cannot use.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from registry.db import session_scope
from registry.services.unit_of_work import unit_of_work
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
    from sqlalchemy.orm import sessionmaker

    from registry.services.custody import Actor, export_text, record_export
    from registry.services.custody.store import chunked_reader
    from registry.services.errors import ServiceError

    actor = Actor(user=f"cli:{getpass.getuser()}", role="admin", agency=None)
    engine = get_engine()
    try:
        with session_scope(engine) as session, unit_of_work(session):
            record_export(session, actor=actor, registry_number=registry_number)
        bundle = export_text(chunked_reader(sessionmaker(engine)), registry_number)
        partial = out.with_name(out.name + ".part")  # a failed export leaves no half file at OUT
        with partial.open("w", encoding="utf-8") as handle:
            handle.writelines(bundle.pieces)
        partial.replace(out)
    except ServiceError as exc:
        _fail(exc.message)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    click.echo(f"wrote {bundle.entries} entries to {out}")


@custody_cli.command("verify")
@click.option("--quiet", is_flag=True, help="No progress lines.")
@click.option("--incremental", is_flag=True, help="Only the events after the last verified mark.")
def verify_command(quiet: bool, incremental: bool) -> None:
    """Check the live log: every event, subtree hash and checkpoint, against the log key.

    Reads in short transactions, so the service goes on writing meanwhile; a
    passing check leaves a signed "verified up to N" mark for the next
    ``--incremental`` one.
    """
    from sqlalchemy.orm import sessionmaker

    from registry.services.custody import ensure_log_key, verifier_key
    from registry.services.custody.store import chunked_reader
    from registry.services.custody.verification import record_mark, verify_chunked

    def progress(done: int, total: int) -> None:
        if not quiet:
            click.echo(f"checked {done} of {total} entries", err=True)

    engine = get_engine()
    try:
        report = verify_chunked(
            chunked_reader(sessionmaker(engine)), incremental=incremental, progress=progress
        )
        with session_scope(engine) as session, unit_of_work(session):
            key = verifier_key(session)
            if key is not None:
                record_mark(session, ensure_log_key(session), report)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    if report.problem is not None:
        click.echo(f"FAILED {report.problem}", err=True)
        sys.exit(EXIT_BAD)
    start = f" from the mark at {report.from_size}" if report.from_size else ""
    click.echo(
        f"OK {report.size - report.from_size} entries{start} and {report.checkpoints} "
        f"checkpoints check; verifier key {key or '(none yet)'}"
    )
