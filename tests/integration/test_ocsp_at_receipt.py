"""OCSP at receipt: a real ``openssl ocsp`` responder on 127.0.0.1 answers for the
certificates of an agency's own CA (imported as an anchor, scoped to the agency); the
answer decides the upload and is kept with the letter, shown on its page and put in
its evidence package."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
import subprocess
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
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
class Holder:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class Responder:
    ca: Holder
    good: Holder
    revoked: Holder


def _issue(
    ca: Holder | None, name: x509.Name, *, usages: list[x509.ObjectIdentifier], url: str = ""
) -> Holder:
    key = rsa.generate_private_key(65537, 2048)
    is_ca = ca is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ca.cert.subject if ca else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(not is_ca, not is_ca, False, False, False, is_ca, is_ca, False, False),
            critical=True,
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    return Holder(key, builder.sign(ca.key if ca else key, hashes.SHA256()))


def _officer(ca: Holder, name: str, url: str) -> Holder:
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AGENCY:MINHEALTH"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION, profile.LEGAL_ENTITY, profile.EMPLOYEE]
    return _issue(ca, subject, usages=usages, url=url)


def _write(path: Path, holder: Holder) -> None:
    path.with_suffix(".pem").write_bytes(holder.cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        holder.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _index_line(cert: x509.Certificate, revoked_at: dt.datetime | None = None) -> str:
    stamp = "%y%m%d%H%M%SZ"
    serial = format(cert.serial_number, "X")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    subject = "/CN=" + str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    return "\t".join(
        [
            "R" if revoked_at else "V",
            cert.not_valid_after_utc.strftime(stamp),
            revoked_at.strftime(stamp) if revoked_at else "",
            serial,
            "unknown",
            subject,
        ]
    )


@pytest.fixture(scope="module")
def responder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Responder]:
    directory = tmp_path_factory.mktemp("ocsp-receipt")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/"
    ca = _issue(
        None, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MINHEALTH CA")]), usages=[]
    )
    signer = _issue(
        ca,
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MINHEALTH OCSP")]),
        usages=[ExtendedKeyUsageOID.OCSP_SIGNING],
    )
    good, revoked = _officer(ca, "Good Officer", url), _officer(ca, "Revoked Officer", url)
    revoked_at = (NOW - dt.timedelta(days=2)).replace(microsecond=0)
    (directory / "index.txt").write_text(
        _index_line(good.cert) + "\n" + _index_line(revoked.cert, revoked_at) + "\n"
    )
    _write(directory / "ca", ca)
    _write(directory / "responder", signer)
    log = directory / "responder.log"
    process = subprocess.Popen(
        [
            "openssl", "ocsp", "-index", "index.txt", "-port", str(port),
            "-rsigner", "responder.pem", "-rkey", "responder.key", "-CA", "ca.pem",
            "-nmin", "10", "-ignore_err",
        ],
        cwd=directory,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 10
        while b"waiting for OCSP client connections" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "openssl ocsp did not start"
            time.sleep(0.05)
        yield Responder(ca, good, revoked)
    finally:
        process.terminate()
        process.wait(timeout=10)


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
