"""Fixtures of the certified-copy tests: registered letters with real signed XML, the PDF tools.

``make_letter`` registers a letter of MINHEALTH with a real XAdES signature by an
officer certificate of a real CA, routed by the real planner, and with its custody
events appended through ``services.custody.append_event``.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from registry.auth import parties_field
from registry.models import Letter, RegistryNumber
from registry.services.custody import Actor, append_event
from routing.envelope import parse_envelope
from routing.planner import plan
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.keys import generate_signing_key
from signing.letter import Attachment
from signing.letter import build_letter as build_letter_xml
from signing.sign import sign_letter

KEK = "00" * 32  # the app_config's ARNA_KEK
KAZAKH_BODY = (
    "Құрметті әріптестер! Денсаулық сақтау министрлігі меморандум жобасын жібереді. "
    "Әліпби: ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І."
)
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")


@pytest.fixture(scope="session")
def officer_ca() -> tuple[CertificateAuthority, object, object]:
    """A registry CA and an officer key + certificate of MINHEALTH issued by it."""
    ca = CertificateAuthority.create("Arna test CA")
    key = generate_signing_key("ecdsa-p256")
    cert = ca.issue_officer_cert(
        OfficerIdentity("Қайрат Әбенов", "AGENCY:MINHEALTH", first_head=True), key.public_key()
    )
    return ca, key, cert


def register_letter(
    session: Session, officer: tuple, serial: int, agency: str = "AGENCY:MINHEALTH", **fields: str
) -> Letter:
    """A signed, registered letter of ``agency`` (to a diplomatic mission unless ``fields`` say)."""
    _ca, key, cert = officer
    registry_id = agency.split(":")[-1]
    number = f"{registry_id}-2026-{serial:06d}"
    envelope = {
        "kind": "foreign-letter",
        "sender": agency,
        "recipient": "DIPLOMATIC_MISSION",
        "date": "2026-03-19",
        "language": "kk",
        **fields,
    }
    subject = "Денсаулық сақтау саласындағы ынтымақтастық туралы"
    xml = build_letter_xml(
        envelope,
        registry_number=number,
        subject=subject,
        body=KAZAKH_BODY,
        attachments=[Attachment("бағдарлама.txt", "text/plain", b"1-kun: kelu\n")],
    )
    signed_at = datetime(2026, 3, 19, 5, 0, tzinfo=UTC)
    signed = sign_letter(xml, key, cert, signing_time=signed_at)
    route = plan(parse_envelope(envelope))
    sha = hashlib.sha256(signed).hexdigest()
    session.add(RegistryNumber(number=number, agency_code=agency))
    session.flush()
    letter = Letter(
        registry_number=number,
        direction="outgoing",
        kind=envelope["kind"],
        agency_code=agency,
        sender=agency,
        recipient=envelope["recipient"],
        subject=subject,
        letter_date=date(2026, 3, 19),
        state="signed",
        hop=0,
        holder=agency,
        parties=parties_field(list(route.route)),
        envelope=envelope,
        plan=route.to_dict(),
        xml=signed,
        sha256=sha,
        verification={
            "indication": "TOTAL_PASSED",
            "sub_indication": None,
            "signatures": [
                {
                    "indication": "TOTAL_PASSED",
                    "sub_indication": None,
                    "signer": {
                        "subject": f"CN=Қайрат Әбенов,O={agency},C=KZ",
                        "issuer": "CN=Arna test CA",
                        "serial": str(cert.serial_number),
                    },
                    "signing_time": signed_at.isoformat(),
                    "signature_format": "XAdES-BASELINE-B",
                    "reasons": [],
                }
            ],
        },
        verified_at=signed_at,
        signed_by=[{"name": "Қайрат Әбенов", "agency": agency, "first_head": True}],
    )
    session.add(letter)
    for action, before, after in (
        ("letter:registered", None, "draft"),
        ("letter:signed", "draft", "signed"),
    ):
        append_event(
            session,
            actor=OFFICER,
            action=action,
            registry_number=number,
            letter_sha256=sha,
            state_before=before,
            state_after=after,
        )
    session.commit()
    return letter


@pytest.fixture
def make_letter(db_session: Session, officer_ca) -> Callable[..., Letter]:
    """``make_letter(serial, **envelope_fields)``: a signed, registered MINHEALTH letter."""

    def make(serial: int = 1, agency: str = "AGENCY:MINHEALTH", **fields: str) -> Letter:
        return register_letter(db_session, officer_ca, serial, agency, **fields)

    return make


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


def qr_payloads(pdf: bytes, tmp_path: Path) -> list[str]:
    """Render the last page with pdftoppm and decode its QR codes with zbarimg."""
    path = tmp_path / "copy.pdf"
    path.write_bytes(pdf)
    prefix = tmp_path / "page"
    result = run_tool("pdftoppm", "-png", "-r", "100", "-gray", str(path), str(prefix))
    assert result.returncode == 0, result.stderr
    pages = sorted(tmp_path.glob("page*.png"))
    assert pages
    decoded = run_tool("zbarimg", "--quiet", "--raw", str(pages[-1]))
    assert decoded.returncode == 0, decoded.stderr
    return decoded.stdout.decode("utf-8").split()
