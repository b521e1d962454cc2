"""``flask --app wsgi custody export|verify|prove|package`` (contracts/custody-bundle.md).

Exit codes as the contract fixes them: 0 everything checks, 1 something does not
(the first bad entry index and what is wrong on stderr), 2 unreadable input or
a database the command cannot use.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from registry.db import session_scope
from registry.services.unit_of_work import unit_of_work
from registry.web.database import get_engine

if TYPE_CHECKING:
    from registry.services.proofs import PublishReport

custody_cli = AppGroup(
    "custody", help="The chain-of-custody log: export, verify, witness and package evidence."
)

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
        with session_scope(engine) as session:
            with unit_of_work(session):
                record_export(session, actor=actor, registry_number=registry_number)
            _publish(session)  # so that the exported checkpoint carries its cosignatures
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


def _publish(session: Session) -> PublishReport:
    from registry.services.custody import consistency_proof
    from registry.services.proofs import proof_settings, publish

    return publish(session, proof_settings(), lambda a, b: consistency_proof(session, a, b))


@custody_cli.command("prove")
def prove_command() -> None:
    """Send the latest checkpoint to the witnesses and the TSA now (retries any failure)."""
    from registry.services.proofs import proof_settings

    if not proof_settings().enabled:
        _fail("neither ARNA_TSA_URL nor ARNA_WITNESSES is set")
    try:
        with session_scope(get_engine()) as session:
            report = _publish(session)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    for failure in report.failures:
        click.echo(f"FAILED {failure}", err=True)
    click.echo(
        f"checkpoint {report.size}: cosigned by {len(report.cosigned)} witnesses"
        + (", time-stamped" if report.stamped else "")
    )
    if report.failures:
        sys.exit(EXIT_BAD)


@custody_cli.command("package")
@click.argument("registry_number")
@click.option(
    "-o", "--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
    help="The .asice file to write.",
)  # fmt: skip
def package_command(registry_number: str, out: Path) -> None:
    """Write a letter's evidence package (ASiC-E): python -m registry.custody verify-package."""
    from registry.models import Letter
    from registry.services.errors import ServiceError
    from registry.services.proofs import evidence_package

    try:
        with session_scope(get_engine()) as session:
            letter = session.scalar(select(Letter).where(Letter.registry_number == registry_number))
            if letter is None:
                _fail(f"no letter {registry_number}")
            assert letter is not None
            package = evidence_package(session, letter)
    except ServiceError as exc:
        _fail(exc.message)
    except SQLAlchemyError as exc:
        _fail(f"the database cannot be read: {exc.__class__.__name__}")
    out.write_bytes(package)
    click.echo(f"wrote {out} ({len(package)} bytes)")
