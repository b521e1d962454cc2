"""``flask custody export|verify`` on a database of its own; bundles through the offline CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry import create_app
from registry.db import EXTENSION_KEY
from registry.models import CustodyEntry
from registry.services import custody
from registry.services.custody import Actor, append_event
from registry.services.schema import upgrade_to_head

OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")
NUMBER = "MINHEALTH-2026-000007"


@pytest.fixture
def cli_app(databases: Any, app_config: dict[str, Any]) -> Flask:
    """An app on a fresh, committed database with a short log (two letters)."""
    app = create_app(app_config | {"DATABASE_URL": databases.new("custody_cli")})
    engine = app.extensions[EXTENSION_KEY].engine
    upgrade_to_head(engine)
    with app.app_context(), Session(engine) as session:
        custody.ensure_log_key(session)
        for number in ("MINHEALTH-2026-000006", NUMBER):
            for action, before, after in (
                ("letter:registered", None, "registered"),
                ("letter:signed", "registered", "signed"),
                ("letter:submitted-refused", "signed", "signed"),
            ):
                append_event(
                    session,
                    actor=OFFICER,
                    action=action,
                    registry_number=number,
                    letter_sha256="cd" * 32,
                    state_before=before,
                    state_after=after,
                )
        session.commit()
    return app


def _offline(bundle: Path, key: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry.custody", "verify", str(bundle), "--key", key],
        capture_output=True,
        text=True,
        check=False,
    )


def _key(app: Flask) -> str:
    with app.app_context(), Session(app.extensions[EXTENSION_KEY].engine) as session:
        key = custody.verifier_key(session)
    assert key is not None
    return key


def test_whole_export_records_itself_and_verifies_offline(cli_app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "log.json"
    result = cli_app.test_cli_runner().invoke(args=["custody", "export", str(out)])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["format"] == "arna-custody-bundle/1"
    assert bundle["origin"] == "arna.gov.kz/custody"
    assert [e["index"] for e in bundle["entries"]] == list(range(7))
    assert bundle["proofs"] == []
    last = bundle["entries"][-1]["event"]
    assert last["action"] == "log:exported"
    assert last["actor"]["user"].startswith("cli:")
    checked = _offline(out, _key(cli_app))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK whole log: 7 entries")


def test_letter_export_has_proofs_and_verifies_offline(cli_app: Flask, tmp_path: Path) -> None:
    out = tmp_path / "letter.json"
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["custody", "export", str(out), "--letter", NUMBER])
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert [e["index"] for e in bundle["entries"]] == [3, 4, 5, 6]
    assert [p["index"] for p in bundle["proofs"]] == [3, 4, 5, 6]
    exported = bundle["entries"][-1]["event"]
    assert (exported["action"], exported["state_before"], exported["state_after"]) == (
        "log:exported",
        "signed",
        "signed",
    )
    checked = _offline(out, _key(cli_app))
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith("OK one-letter export: 4 entries")

    bundle["entries"][1]["event"]["state_after"] = "dispatched"
    out.write_text(json.dumps(bundle), encoding="utf-8")
    checked = _offline(out, _key(cli_app))
    assert checked.returncode == 1
    assert checked.stderr == "FAILED entry 4: the decoded event differs from its leaf\n"


def test_export_of_an_unknown_letter_exits_2(cli_app: Flask, tmp_path: Path) -> None:
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["custody", "export", str(tmp_path / "x.json"), "--letter", "NO-1"])
    assert result.exit_code == 2
    assert "the custody log has no event of NO-1" in result.output


def test_verify_passes_then_names_a_tampered_row(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["custody", "verify", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "OK 6 entries and 6 checkpoints check" in result.output

    engine = cli_app.extensions[EXTENSION_KEY].engine
    with Session(engine) as session:
        leaf = bytes(session.get(CustodyEntry, 4).leaf)  # type: ignore[union-attr]
        forged = leaf.replace(b'"user":"officer.minhealth"', b'"user":"officer.minecon."')
        assert decode_leaf(forged).actor.user == "officer.minecon."
        session.execute(update(CustodyEntry).where(CustodyEntry.index == 4).values(leaf=forged))
        session.commit()
    result = runner.invoke(args=["custody", "verify", "--quiet"])
    assert result.exit_code == 1
    assert "FAILED entry 4: it does not hash to the signed checkpoint of size 5" in result.output


def test_verify_on_an_unmigrated_database_exits_2(
    databases: Any, app_config: dict[str, Any]
) -> None:
    app = create_app(app_config | {"DATABASE_URL": databases.new("custody_empty")})
    result = app.test_cli_runner().invoke(args=["custody", "verify"])
    assert result.exit_code == 2
    assert "error: the database cannot be read" in result.output
