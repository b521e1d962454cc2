"""OCSP at receipt: a real ``openssl ocsp`` responder on 127.0.0.1 answers for the
certificates of an agency's own CA (imported as an anchor, scoped to the agency); the
answer decides the upload and is kept with the letter, shown on its page and put in
its evidence package."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ocsp_responder import Holder, issue, name, openssl_ocsp
from proof_services import free_port
from sqlalchemy.orm import Session

from registry.services import letters, proofs, trust_anchors
from registry.services.errors import Invalid
from registry.services.identity import set_anchor_scope
from registry.services.unit_of_work import act
from signing import profile
from signing.letter import build_letter
from signing.sign import sign_letter

from .factories import envelope
from .web_fixtures import browser  # noqa: F401
from .workflow_steps import OFFICER, Who

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
NOW = dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Responder:
    ca: Holder
    good: Holder
    revoked: Holder


def _officer(ca: Holder, common_name: str, url: str) -> Holder:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AGENCY:MINHEALTH"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION, profile.LEGAL_ENTITY, profile.EMPLOYEE]
    return issue(ca, subject, now=NOW, usages=usages, ocsp_url=url)


@pytest.fixture(scope="module")
def responder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Responder]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    ca = issue(None, name("MINHEALTH CA"), now=NOW)
    good, revoked = _officer(ca, "Good Officer", url), _officer(ca, "Revoked Officer", url)
    revoked_at = (NOW - dt.timedelta(days=2)).replace(microsecond=0)
    index = [(good.cert, None), (revoked.cert, revoked_at)]
    with openssl_ocsp(tmp_path_factory.mktemp("ocsp-receipt"), port, ca, index, now=NOW):
        yield Responder(ca, good, revoked)


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def _upload(s: Session, principal: Who, responder: Responder, holder: Holder) -> str:
    admin, officer = principal("admin"), principal(OFFICER)
    pem = responder.ca.cert.public_bytes(serialization.Encoding.PEM)
    anchor = trust_anchors.import_anchor(s, admin, "MINHEALTH CA", pem)
    set_anchor_scope(s, admin, anchor.id, pki="other", agencies=["AGENCY:MINHEALTH"])
    number = act(letters.reserve_number, s, officer)
    xml = build_letter(
        envelope(officer, kind="foreign-letter", recipient="INTL_ORG"),
        registry_number=number,
        subject="Checked by OCSP at receipt",
        body="Text.",
    )
    act(letters.upload_letter, s, officer, sign_letter(xml, holder.key, holder.cert))
    return number


def test_a_good_answer_is_kept_with_the_letter_and_shown(
    s: Session,
    principal: Who,
    responder: Responder,
    browser,  # noqa: F811
) -> None:
    number = _upload(s, principal, responder, responder.good)
    [kept] = proofs.revocation_evidence(s, number)
    assert kept.kind == "ocsp"
    answer = ocsp.load_der_ocsp_response(kept.data)
    assert answer.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert answer.serial_number == responder.good.cert.serial_number
    page = browser(OFFICER).get(f"/letters/{number}").get_data(as_text=True)
    assert "OCSP answer" in page
    assert kept.digest in page
    letter = letters.get_letter(s, principal(OFFICER), number)
    package = zipfile.ZipFile(io.BytesIO(proofs.evidence_package(s, letter)))
    assert any(kept.data == package.read(n) for n in package.namelist())


def test_a_revoked_answer_refuses_the_upload(
    s: Session, principal: Who, responder: Responder
) -> None:
    with pytest.raises(Invalid) as refused:
        _upload(s, principal, responder, responder.revoked)
    assert any("(OCSP)" in reason and "revoked on" in reason for reason in refused.value.details)
