"""Flask commands (contracts/service-cli.md): bootstrap, letters, users; files (rule files);
crl refresh (the trust anchors' revocation lists); notify (deadline e-mails)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from registry.db import session_scope
from registry.services.unit_of_work import unit_of_work
from registry.web.database import get_engine

letters_cli = AppGroup("letters", help="Registered letters.")
users_cli = AppGroup("users", help="User accounts.")
files_cli = AppGroup("files", help="Agreements reached (Ch.4) and decision files (Ch.2).")
crl_cli = AppGroup("crl", help="Certificate revocation lists of the trust anchors.")


@crl_cli.command("refresh")
@click.option(
    "--from-dir",
    "from_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Read CRL files (PEM or DER) from DIR instead of the network (offline).",
)
@with_appcontext
def crl_refresh_command(from_dir: Path | None) -> None:
    """Fetch the anchors' full and delta CRLs and keep each one that verifies, is current and
    is newer than the one held; one line per CRL. Exit 1 when any was refused or unreachable."""
    from flask import current_app

    from registry.db import utcnow
    from registry.services.trust_anchors import crl_sources, refresh_crls

    engine = get_engine()
    failures: list[str] = []
    with session_scope(engine) as session, unit_of_work(session):
        if from_dir is not None:
            sources = [(str(p), p.read_bytes()) for p in sorted(from_dir.iterdir()) if p.is_file()]
        else:
            extra = str(current_app.config["ARNA_CRL_URLS"]).split()
            sources, failures = crl_sources(session, extra)
        outcomes = refresh_crls(session, sources, now=utcnow())
    for failure in failures:  # one line each, whatever a certificate's URL holds
        click.echo(f"unreachable\t{' '.join(failure.split())}")
    for outcome in outcomes:
        click.echo(f"{outcome.status}\t{outcome.source}\t{outcome.detail}")
    if not sources and not failures:
        click.echo("no CRL to refresh: no anchor names a CRL distribution point")
    if failures or any(o.status == "refused" for o in outcomes):
        raise SystemExit(1)


notify_cli = AppGroup("notify", help="E-mails about deadlines.")


@click.command("bootstrap")
@click.option("--demo", is_flag=True, help="Also create demo users (one per role) and letters.")
@with_appcontext
def bootstrap_command(demo: bool) -> None:
    """Migrate to head and create what a new registry needs; a second run changes nothing."""
    from flask import current_app

    from registry.services.schema import upgrade_to_head
    from registry.services.setup import (
        DEMO_PASSWORD,
        DEMO_SIGNING_PASSPHRASE,
        DEMO_USERS,
        ensure_demo_files,
        ensure_demo_identities,
        ensure_demo_keys,
        ensure_demo_letters,
        ensure_demo_treaties,
        ensure_demo_users,
        ensure_nca_anchors,
        ensure_registry,
    )
    from signing.pki_marks import NCA_PRODUCTION

    engine = get_engine()
    upgrade_to_head(engine)
    kek = str(current_app.config["ARNA_KEK"])
    with session_scope(engine) as session, unit_of_work(session):
        report = ensure_registry(session, kek=kek, admin_password=DEMO_PASSWORD if demo else None)
        created = list(report.created)
        created += [f"trust anchor {name}" for name in ensure_nca_anchors(session, NCA_PRODUCTION)]
        if demo:
            created += [f"user {name}" for name in ensure_demo_users(session)]
            created += ensure_demo_identities(session)
            created += [f"signing key of {name}" for name in ensure_demo_keys(session, kek=kek)]
            # The demo's letters are signed with the demo keys Arna holds, whatever the
            # served registry's ARNA_SERVER_SIGNING says: seeding is no request, and a demo
            # may then be served with it off (NCALayer and upload only).
            serving = current_app.config["ARNA_SERVER_SIGNING"]
            current_app.config["ARNA_SERVER_SIGNING"] = 1
            try:
                created += [f"letter {number}" for number in ensure_demo_letters(session)]
            finally:
                current_app.config["ARNA_SERVER_SIGNING"] = serving
            created += [f"file {number}" for number in ensure_demo_files(session)]
            created += [f"treaty record {number}" for number in ensure_demo_treaties(session)]
    click.echo("database at the migration head")
    for what in created:
        click.echo(f"created {what}")
    if not created:
        click.echo("already bootstrapped: nothing changed")
    if report.admin_password is not None and not demo:
        click.echo(
            f"admin password (shown once, change it after signing in): {report.admin_password}"
        )
    if demo:
        click.echo(
            f"demo logins (password {DEMO_PASSWORD}, signing passphrase {DEMO_SIGNING_PASSPHRASE}):"
        )
        click.echo("  admin                 admin")
        for user in DEMO_USERS:
            where = f" ({user.agency_code})" if user.agency_code else ""
            click.echo(f"  {user.username:<21} {user.role.value}{where}")


@letters_cli.command("list")
@click.option("--state", default=None, help="Only letters in this state.")
def list_command(state: str | None) -> None:
    """One letter a line: registry number, kind, state, sender, recipient (tab-separated)."""
    from sqlalchemy import select

    from registry.models import Letter

    with session_scope(get_engine()) as session, unit_of_work(session):
        query = select(
            Letter.registry_number, Letter.kind, Letter.state, Letter.sender, Letter.recipient
        ).order_by(Letter.id)
        if state is not None:
            query = query.where(Letter.state == state)
        for row in session.execute(query):
            click.echo("\t".join(row))


@users_cli.command("list")
def users_list_command() -> None:
    """One user a line: username, role, agency (or -), active or disabled."""
    from registry.services.accounts import list_users

    with session_scope(get_engine()) as session, unit_of_work(session):
        for user in list_users(session):
            status = "active" if user.is_active else "disabled"
            click.echo(f"{user.username}\t{user.role}\t{user.agency_code or '-'}\t{status}")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    help="agency_officer, first_head, mfa_clerk, moj_officer, auditor or admin.",
)
@click.option("--agency", default=None, help="The agency's party code (agency roles only).")
@click.option("--name", "full_name", required=True, help="The person's full name.")
@click.password_option(help="At least 12 characters (prompted when not given).")
def users_create_command(
    username: str, role: str, agency: str | None, full_name: str, password: str
) -> None:
    """Create a user."""
    from registry.services.accounts import create_user
    from registry.services.errors import ServiceError

    with session_scope(get_engine()) as session, unit_of_work(session):
        try:
            create_user(
                session,
                username=username,
                full_name=full_name,
                role=role,
                password=password,
                agency_code=agency,
            )
        except ServiceError as exc:
            _fail(exc)
    click.echo(f"created user {username}")


@users_cli.command("set-password")
@click.argument("username")
@click.password_option(help="At least 12 characters (prompted when not given).")
def users_password_command(username: str, password: str) -> None:
    """Set a user's password (e.g. a forgotten admin password)."""
    from sqlalchemy import select

    from registry.models import User
    from registry.services.accounts import set_password
    from registry.services.errors import ServiceError

    with session_scope(get_engine()) as session, unit_of_work(session):
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            click.echo(f"error: no user {username}", err=True)
            raise SystemExit(2)
        try:
            set_password(session, user_id, password)
        except ServiceError as exc:
            _fail(exc)
    click.echo(f"password of {username} changed")


def _fail(exc: Exception) -> None:
    """One line on stderr naming every problem; exit 2 (docs/architecture.md)."""
    from registry.services.errors import ServiceError

    message = exc.message if isinstance(exc, ServiceError) else str(exc)
    details = exc.details if isinstance(exc, ServiceError) else []
    click.echo(f"error: {message}" + (f": {'; '.join(details)}" if details else ""), err=True)
    raise SystemExit(2)


@letters_cli.command("copy")
@click.argument("registry_number")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(dir_okay=False, writable=True)
)
@click.option("--as", "username", default=None, help="Certify as this user (their rights apply).")
def copy_command(registry_number: str, output: str, username: str | None) -> None:
    """Issue a certified paper copy of a registered letter as a signed PDF."""
    from pathlib import Path

    from flask import current_app

    from registry.services.copies import console_base_url, issue_copy_as
    from registry.services.errors import ServiceError

    with session_scope(get_engine()) as session:
        try:
            with unit_of_work(session):
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


@files_cli.command("silence")
@click.option("--today", default=None, help="The day to apply it on (YYYY-MM-DD; default today).")
def silence_command(today: str | None) -> None:
    """¶32: record consent by silence where a draft's 2 working days ran out unanswered.

    Prints one line per consent recorded (file, body, day); run it daily.
    """
    from datetime import date

    from registry.services.deadlines import today_kz
    from registry.services.rule_files import record_silences

    try:
        day = date.fromisoformat(today) if today else today_kz()
    except ValueError:
        _fail(ValueError(f"--today: not a date YYYY-MM-DD: {today!r}"))
    with session_scope(get_engine()) as session, unit_of_work(session):
        for number, body, deemed in record_silences(session, day):
            click.echo(f"{number}\t{body}\tdeemed agreed {deemed.isoformat()}")


@notify_cli.command("deadlines")
@click.option("--today", default=None, help="The day to judge on (YYYY-MM-DD; default today).")
def notify_deadlines_command(today: str | None) -> None:
    """E-mail each person once per item due soon (ARNA_DUE_SOON_WORKDAYS) and once overdue.

    Prints how many e-mails were sent, already sent before, and failed (tried again
    next run); exits 1 when any failed. Run it daily (README: a systemd timer).
    """
    from datetime import date

    from flask import current_app

    from registry.mail import Mailer
    from registry.services.deadlines import today_kz
    from registry.services.notifications import send_due

    try:
        day = date.fromisoformat(today) if today else today_kz()
        mailer = Mailer(current_app.config)
    except (ValueError, RuntimeError) as exc:
        _fail(exc)
    soon = int(current_app.config["ARNA_DUE_SOON_WORKDAYS"])
    with session_scope(get_engine()) as session, unit_of_work(session), mailer:
        report = send_due(session, day, soon, mailer)
    click.echo(f"sent {report.sent}, already sent {report.already_sent}, failed {report.failed}")
    if report.failed:
        raise SystemExit(1)


@users_cli.command("set-email")
@click.argument("username")
@click.argument("email", required=False)
@click.option("--language", type=click.Choice(["kk", "ru", "en"]), default=None)
def users_email_command(username: str, email: str | None, language: str | None) -> None:
    """Set (or, without EMAIL, remove) the address deadline e-mails go to."""
    from sqlalchemy import select

    from registry.models import User
    from registry.services.accounts import set_contact
    from registry.services.errors import ServiceError

    with session_scope(get_engine()) as session, unit_of_work(session):
        user_id = session.scalar(select(User.id).where(User.username == username))
        if user_id is None:
            _fail(ValueError(f"no user {username}"))
        try:
            set_contact(session, user_id, email=email, language=language)
        except ServiceError as exc:
            _fail(exc)
    click.echo(f"{username}\t{email or '-'}")


def register(app: Flask) -> None:
    """Attach the commands to ``app``."""
    app.cli.add_command(bootstrap_command)
    app.cli.add_command(letters_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(files_cli)
    app.cli.add_command(crl_cli)
    app.cli.add_command(notify_cli)
    from registry.custody_cli import custody_cli

    app.cli.add_command(custody_cli)


__all__ = ["register", "session_scope"]
