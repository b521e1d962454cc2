"""Fixtures for the paper-copy tests: a real test CA (``signing.ca``), a sample copy, its PDF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from cryptography import x509

from registry.paper.codes import verification_url
from registry.paper.content import Attachment, CopyContent, CustodyRow, SignatureLine
from registry.paper.pades import sign_copy
from registry.paper.pdf import render_copy
from signing.ca import CertificateAuthority
from signing.keys import SigningKey, generate_signing_key

#: A fixed code (not from ``new_code``) so that the rendered page is the same every run.
SAMPLE_CODE = "7QK2-M0D4-XR9B-C3VN-T5HW-8JEP-6AYZ"
BASE_URL = "https://arna.example.kz"
LETTER_SHA256 = "3f5e0c1b9a7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f"


@dataclass(frozen=True)
class CopyCA:
    """A root and the registry's seal certificate issued by it."""

    root_cert: x509.Certificate
    signer_key: SigningKey
    signer_cert: x509.Certificate


def make_ca(common_name: str = "Arna Test Root") -> CopyCA:
    """Issue a root and a registry seal certificate valid around now (real EC P-256 keys)."""
    start = datetime.now(UTC) - timedelta(days=1)
    root = CertificateAuthority.create(common_name, valid_days=366, not_before=start)
    signer_key = generate_signing_key("ecdsa-p256")
    signer_cert = root.issue_seal_cert(
        "Arna Registry Seal", signer_key.public_key(), valid_days=91, not_before=start
    )
    return CopyCA(root_cert=root.certificate, signer_key=signer_key, signer_cert=signer_cert)


def sample_content(body_paragraphs: int = 1) -> CopyContent:
    """A letter of MINHEALTH to a mission, with Kazakh text using every Kazakh-specific letter."""
    return CopyContent(
        registry_number="MINHEALTH-2026-000123",
        kind="foreign-letter",
        sender="AGENCY:MINHEALTH",
        recipient="DIPLOMATIC_MISSION",
        letter_date=date(2026, 3, 19),
        subject="Денсаулық сақтау саласындағы ынтымақтастық туралы меморандум жобасы",
        body="\n".join(
            [
                "Құрметті әріптестер! Қазақстан Республикасы Денсаулық сақтау министрлігі "
                "өз құрметін білдіреді және меморандум жобасын қарауға жібереді.",
                "Әліпби тексеруі: ә ғ қ ң ө ұ ү һ і — Ә Ғ Қ Ң Ө Ұ Ү Һ І.",
            ]
            * body_paragraphs
        ),
        letter_sha256=LETTER_SHA256,
        certified_by="Әлия Нұрланқызы Сейітқали (MFA, mfa_clerk)",
        certified_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        verification_code=SAMPLE_CODE,
        verification_url=verification_url(BASE_URL, SAMPLE_CODE),
        attachments=(
            Attachment("меморандум-жобасы.pdf", "application/pdf", "ab" * 32),
            Attachment("аударма-ru.docx", "application/msword", "cd" * 32),
        ),
        signatures=(
            SignatureLine(
                "Қайрат Әбенов",
                "AGENCY:MINHEALTH",
                datetime(2026, 3, 19, 5, 0, tzinfo=UTC),
                "TOTAL_PASSED",
            ),
        ),
        route=("AGENCY:MINHEALTH", "MFA", "DIPLOMATIC_MISSION"),
        route_rules=("¶44",),
        custody=(
            CustodyRow(
                datetime(2026, 3, 19, 4, 50, tzinfo=UTC),
                "officer.minhealth (agency_officer)",
                "letter:registered",
                "registered",
            ),
            CustodyRow(
                datetime(2026, 3, 19, 5, 0, tzinfo=UTC),
                "head.minhealth (first_head)",
                "letter:signed",
                "signed",
            ),
            CustodyRow(
                datetime(2026, 3, 20, 6, 15, tzinfo=UTC),
                "clerk.mfa (mfa_clerk)",
                "letter:dispatched",
                "dispatched",
            ),
        ),
        state="dispatched",
    )


@pytest.fixture(scope="session")
def ca() -> CopyCA:
    return make_ca()


@pytest.fixture(scope="session")
def other_ca() -> CopyCA:
    """An unrelated root: copies signed under ``ca`` must not validate against it."""
    return make_ca("Some Other Root")


@pytest.fixture(scope="session")
def content() -> CopyContent:
    return sample_content()


@pytest.fixture(scope="session")
def make_content() -> Callable[[int], CopyContent]:
    return sample_content


@pytest.fixture(scope="session")
def unsigned_pdf(content: CopyContent) -> bytes:
    return render_copy(content)


@pytest.fixture(scope="session")
def signed_pdf(unsigned_pdf: bytes, ca: CopyCA) -> bytes:
    return sign_copy(unsigned_pdf, ca.signer_key, ca.signer_cert)
