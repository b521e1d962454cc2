"""Fixtures of the certified-copy tests: letters registered through the workflow, the PDF tools.

``make_letter`` drafts a letter of MINHEALTH with ``services.letters.compose_letter``
and signs it with ``sign_letter`` (the officer's real key, enrolled with the real
registry CA by the fixtures), so the copy is made of what the workflow really stores: the signed
XML, the verification report, the route plan and the custody events.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import Letter, User
from registry.permissions import Principal
from registry.services import letters
from registry.services.unit_of_work import act
from signing.letter import Attachment

from .conftest import SIGNING_PASSPHRASE

OFFICER = "officer.minhealth"
OFFICER_NAME = "Aigerim Sadykova"  # the demo officer's full name, as her certificate says
KAZAKH_BODY = (
    "Құрметті әріптестер! Денсаулық сақтау министрлігі меморандум жобасын жібереді. "
    "Әліпби: ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І."
)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SUBJECT = "Денсаулық сақтау саласындағы ынтымақтастық туралы"


def principal_of(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None, username
    return Principal.of(user)


def register_letter(session: Session, **fields: str) -> Letter:
    """A MINHEALTH letter, composed and signed by its officer through the workflow services.

    The database must be set up as ``bootstrap --demo`` does (the officer's key enrolled
    with ``SIGNING_PASSPHRASE``), as tests/integration/conftest.py does.

    ``fields`` override the envelope (a foreign letter to a diplomatic mission, ¶44).
    """
    officer = principal_of(session, OFFICER)
    envelope = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": "2026-03-19",
        "language": "kk",
        **fields,
    }
    draft = act(
        letters.compose_letter,
        session,
        officer,
        envelope=envelope,
        subject=SUBJECT,
        body=KAZAKH_BODY,
        attachments=[Attachment("бағдарлама.txt", "text/plain", b"1-kun: kelu\n")],
    )
    return act(
        letters.sign_letter, session, officer, draft.registry_number, passphrase=SIGNING_PASSPHRASE
    )


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    """Service calls outside a request read their settings (KEK, origin) from the test app."""
    with app.app_context():
        yield


@pytest.fixture
def make_letter(db_session: Session, app_context: None) -> Callable[..., Letter]:
    """``make_letter(**envelope_fields)``: a signed, registered MINHEALTH letter."""
    return lambda **fields: register_letter(db_session, **fields)


def run_tool(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run a Debian tool (poppler-utils, zbar-tools), failing clearly when it is missing."""
    if shutil.which(args[0]) is None:
        pytest.fail(f"{args[0]} is not installed (poppler-utils / zbar-tools)")
    return subprocess.run(args, input=stdin, capture_output=True, check=False, timeout=60)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    result = run_tool("pdftotext", "-layout", str(path), "-")
    assert result.returncode == 0, result.stderr
    return result.stdout.decode("utf-8")


def qr_payloads(pdf: bytes, tmp_path: Path, keep_as: str | None = None) -> list[str]:
    """Render the pages with pdftoppm and decode the last page's QR codes with zbarimg.

    ``keep_as`` keeps page 1 under ``test-artifacts/`` (ignored by git; CI uploads it).
    """
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "page"
    result = run_tool("pdftoppm", "-png", "-r", "100", "-gray", str(path), str(prefix))
    assert result.returncode == 0, result.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    if keep_as is not None:
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copyfile(pages[0], ARTIFACTS / keep_as)
    decoded = run_tool("zbarimg", "--quiet", "--raw", str(pages[-1]))
    assert decoded.returncode == 0, decoded.stderr
    return decoded.stdout.decode("utf-8").split()
