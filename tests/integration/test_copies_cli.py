"""``flask --app wsgi letters copy REGISTRY_NUMBER -o COPY.pdf`` (contracts/service-cli.md).

The command opens its own database connection, so this test works on a database
of its own with the letter really committed (not the rolled-back test transaction).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry import create_app
from registry.db import create_db_engine
from registry.paper.pades import validate_copy
from registry.paper.pdf import STAMP_KK, STAMP_RU
from registry.services import copies
from registry.services.custody import letter_entries
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_demo_keys, ensure_demo_users, ensure_registry
from registry.services.unit_of_work import unit_of_work

from .conftest import ADMIN_PASSWORD, KEK, PASSWORD, SIGNING_PASSPHRASE
from .test_copies_fixtures import pdf_text, qr_payloads, register_letter

PUBLIC_URL = "https://arna.example.kz"


@pytest.fixture
def cli_app(
    databases: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, str]]:
    """An app on a database of its own, holding one committed letter; yields (app, number)."""
    url = databases.new("copies_cli")
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret-key",
            "ARNA_KEK": KEK,
            "ARNA_INSTANCE": str(tmp_path_factory.mktemp("cli-instance")),
            "ARNA_PUBLIC_URL": PUBLIC_URL,
            "ARNA_SERVER_SIGNING": 1,  # the letter is signed with the demo's Arna-held key
        }
    )
    with (
        app.app_context(),
        Session(engine, expire_on_commit=False) as session,
        unit_of_work(session),
    ):
        ensure_registry(session, kek=KEK, admin_password=ADMIN_PASSWORD)
        ensure_demo_users(session, PASSWORD)
        ensure_demo_keys(session, kek=KEK, passphrase=SIGNING_PASSPHRASE)
        number = register_letter(session).registry_number
    yield app, number
    app.extensions["arna_db"].engine.dispose()
    engine.dispose()


def test_letters_copy_writes_a_sealed_pdf(cli_app, tmp_path: Path) -> None:
    app, number = cli_app
    out = tmp_path / "copy.pdf"
    result = app.test_cli_runner().invoke(args=["letters", "copy", number, "-o", str(out)])
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    fields = result.stdout.strip().split("\t")
    assert fields[0] == number
    assert fields[2].startswith(PUBLIC_URL + "/verify/")

    flat = " ".join(pdf_text(pdf, tmp_path).split())
    assert STAMP_KK in flat
    assert STAMP_RU in flat
    assert number in flat
    assert "Arna registry (console)" in flat

    with app.app_context():
        from registry.web.database import get_session

        session = get_session()
        assert validate_copy(pdf, copies.seal_roots(session)).ok
        last = decode_leaf(letter_entries(session, number)[-1][1])
        assert (last.action, last.actor.user, last.actor.role) == (
            "copy:issued",
            "console",
            "admin",
        )

    (url,) = qr_payloads(pdf, tmp_path)
    assert url == fields[2]
    page = app.test_client().get(urlsplit(url).path)
    assert page.status_code == 200
    assert fields[1] in page.get_data(as_text=True)


def test_letters_copy_as_a_user_applies_their_rights(cli_app, tmp_path: Path) -> None:
    app, number = cli_app
    runner = app.test_cli_runner()
    out = tmp_path / "copy.pdf"
    ok = runner.invoke(args=["letters", "copy", number, "-o", str(out), "--as", "clerk.mfa"])
    assert ok.exit_code == 0, ok.output
    refused = runner.invoke(
        args=["letters", "copy", number, "-o", str(out), "--as", "officer.minecon"]
    )
    assert refused.exit_code == 2
    assert refused.stderr.strip().count("\n") == 0
    assert refused.stderr.startswith("error: ")


def test_letters_copy_of_an_unknown_letter_exits_2(cli_app, tmp_path: Path) -> None:
    app, _number = cli_app
    out = tmp_path / "copy.pdf"
    result = app.test_cli_runner().invoke(
        args=["letters", "copy", "MINHEALTH-2026-999999", "-o", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr == "error: no letter MINHEALTH-2026-999999\n"
    assert not out.exists()
