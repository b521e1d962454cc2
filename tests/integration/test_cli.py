"""contracts/service-cli.md: ``flask --app wsgi bootstrap [--demo]``, ``letters list``, ``users``.

The contract test runs the real command line (``flask --app wsgi …``) in a
subprocess on a database of its own, the way ``make run`` does, on SQLite or on
PostgreSQL (TEST_DATABASE_URL).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text

from registry.db import create_db_engine
from registry.models import Letter

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))
STATES_OF_THE_DEMO = {
    "draft",
    "submitted",
    "received",
    "dispatched",
    "returned",
    "closed",
    "sent",
}


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FLASK, "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def snapshot(url: str) -> dict[str, int]:
    """Rows per table: what a second bootstrap must leave exactly as it was."""
    engine = create_db_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table: conn.execute(text(f'SELECT COUNT(*) FROM "{table}"')).scalar_one()  # noqa: S608
                for table in inspect(conn).get_table_names()  # names from the schema itself
            }
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def bootstrapped(databases: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A registry bootstrapped with ``--demo`` through the real command, twice."""
    url = databases.new("cli")
    instance = tmp_path_factory.mktemp("cli-instance")
    env = {**os.environ, "DATABASE_URL": url, "ARNA_INSTANCE": str(instance)}
    first = flask(env, "bootstrap", "--demo")
    after_first = snapshot(url)
    second = flask(env, "bootstrap", "--demo")
    return {
        "env": env,
        "url": url,
        "instance": instance,
        "first": first,
        "second": second,
        "after_first": after_first,
        "after_second": snapshot(url),
    }


@pytest.mark.slow
def test_bootstrap_demo_creates_the_registry_and_prints_the_logins(
    bootstrapped: dict[str, Any],
) -> None:
    first = bootstrapped["first"]
    assert first.returncode == 0, first.stderr
    out = first.stdout
    for what in ("registry CA", "custody log key", "agency MFA", "agency MOJ", "agency MTI"):
        assert f"created {what}" in out
    assert "created agency SUPREME_COURT" in out
    assert "created agency NCE" in out
    for username in ("admin", "officer.minhealth", "clerk.mfa", "officer.moj", "auditor"):
        assert username in out.split("demo logins")[1]
    # SECRET_KEY and the KEK were generated once into the instance folder, private.
    for name in ("secret_key", "kek"):
        assert (bootstrapped["instance"] / name).stat().st_mode & 0o077 == 0


@pytest.mark.slow
def test_bootstrap_trusts_the_nca_cas_and_the_demo_is_a_test_registry(
    bootstrapped: dict[str, Any],
) -> None:
    """The published NCA RK production CAs always; with --demo the test chain, the demo's
    BINs and IINs, and the TEST registry mark."""
    out = bootstrapped["first"].stdout
    assert "created trust anchor NCA RK nca-production: prod_2015_root_rsa" in out
    assert "created TEST registry mark" in out
    engine = create_db_engine(bootstrapped["url"])
    try:
        with engine.connect() as conn:
            marks = dict(
                conn.execute(text("SELECT pki, COUNT(*) FROM trust_anchors GROUP BY pki")).all()
            )
            flags = conn.execute(text("SELECT name FROM registry_settings")).scalars().all()
            moj = conn.execute(text("SELECT bin FROM agencies WHERE code = 'MOJ'")).scalar()
    finally:
        engine.dispose()
    assert marks == {"nca-production": 4, "nca-test": 6}
    assert sorted(flags) == ["test_registry", "trust_generation"]
    assert moj == "070840007503"


@pytest.mark.slow
def test_a_second_bootstrap_changes_nothing(bootstrapped: dict[str, Any]) -> None:
    second = bootstrapped["second"]
    assert second.returncode == 0, second.stderr
    assert "already bootstrapped: nothing changed" in second.stdout
    assert bootstrapped["after_second"] == bootstrapped["after_first"]


@pytest.mark.slow
def test_letters_list_prints_one_letter_a_line(bootstrapped: dict[str, Any]) -> None:
    result = flask(bootstrapped["env"], "letters", "list")
    assert result.returncode == 0, result.stderr
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    engine = create_db_engine(bootstrapped["url"])
    try:
        with engine.connect() as conn:
            expected = conn.execute(
                select(
                    Letter.registry_number,
                    Letter.kind,
                    Letter.state,
                    Letter.sender,
                    Letter.recipient,
                ).order_by(Letter.id)
            ).all()
            assert conn.execute(select(func.count(Letter.id))).scalar_one() == len(rows)
    finally:
        engine.dispose()
    assert rows == [list(row) for row in expected]
    assert {row[2] for row in rows} >= STATES_OF_THE_DEMO  # the demo shows every state
    only_sent = flask(bootstrapped["env"], "letters", "list", "--state", "sent")
    assert [line.split("\t")[2] for line in only_sent.stdout.splitlines()] == ["sent"]


@pytest.mark.slow
def test_the_demo_custody_log_verifies(bootstrapped: dict[str, Any]) -> None:
    result = flask(bootstrapped["env"], "custody", "verify")
    assert result.returncode == 0, result.stderr + result.stdout


@pytest.mark.slow
def test_users_create_list_and_set_password(bootstrapped: dict[str, Any]) -> None:
    env = bootstrapped["env"]
    created = flask(
        env,
        "users",
        "create",
        "officer.minenergy",
        "--role",
        "agency_officer",
        "--agency",
        "AGENCY:MINENERGY",
        "--name",
        "Asel Nurlanova",
        "--password",
        "a-long-enough-password",
    )
    assert created.returncode == 0, created.stderr
    listed = flask(env, "users", "list")
    assert "officer.minenergy\tagency_officer\tAGENCY:MINENERGY\tactive" in listed.stdout
    changed = flask(
        env, "users", "set-password", "officer.minenergy", "--password", "another-password-1"
    )
    assert changed.returncode == 0, changed.stderr
    # A bad request is one line on stderr and exit 2, naming every problem.
    refused = flask(
        env, "users", "create", "x", "--role", "mfa_clerk", "--name", "X", "--password", "s"
    )
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "agency" in refused.stderr
    assert "password" in refused.stderr


@pytest.mark.slow
def test_files_silence_records_consent_once(bootstrapped: dict[str, Any]) -> None:
    """¶32: the demo's silence was recorded by bootstrap; a later run finds nothing new."""
    assert "created file AGR-" in bootstrapped["first"].stdout
    assert "created file DEC-" in bootstrapped["first"].stdout
    result = flask(bootstrapped["env"], "files", "silence")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    bad = flask(bootstrapped["env"], "files", "silence", "--today", "31.03.2026")
    assert bad.returncode == 2
    assert "--today: not a date" in bad.stderr
