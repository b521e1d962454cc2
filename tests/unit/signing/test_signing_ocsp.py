"""OCSP (RFC 6960) against a real responder: ``openssl ocsp`` on a local port, RSA
certificates issued here, an index of good and revoked ones; and CRLs fetched over http."""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID
from signing_pki import NOW

from signing.revocation import OcspClient, RevocationError, crl_urls, fetch_crls, ocsp_urls
from signing.sign import sign_letter
from signing.trust import TrustStore
from signing.verify import verify_letter

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass(frozen=True)
class Holder:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


@dataclass(frozen=True)
class Pki:
    ca: Holder
    good: Holder
    revoked: Holder
    unknown: Holder
    url: str
    revoked_at: dt.datetime


def _issue(
    ca: Holder | None,
    common_name: str,
    *,
    is_ca: bool = False,
    usages: list[x509.ObjectIdentifier] | None = None,
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> Holder:
    key = rsa.generate_private_key(65537, 2048)
    issuer_key = ca.key if ca else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.cert.subject if ca else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    if ocsp_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return Holder(key, builder.sign(issuer_key, hashes.SHA256()))


def _pem(path: Path, holder: Holder) -> None:
    path.with_suffix(".pem").write_bytes(holder.cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        holder.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _index_line(cert: x509.Certificate, revoked_at: dt.datetime | None = None) -> str:
    """One line of an openssl CA database (index.txt)."""
    stamp = "%y%m%d%H%M%SZ"
    status = "R" if revoked_at else "V"
    revoked = revoked_at.strftime(stamp) if revoked_at else ""
    serial = format(cert.serial_number, "X")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    subject = "/" + "/".join(f"CN={a.value}" for a in cert.subject)
    return "\t".join(
        [status, cert.not_valid_after_utc.strftime(stamp), revoked, serial, "unknown", subject]
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    directory = tmp_path_factory.mktemp("ocsp")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    ca = _issue(None, "OCSP Test Root", is_ca=True)
    responder = _issue(ca, "OCSP Test Responder", usages=[ExtendedKeyUsageOID.OCSP_SIGNING])
    good, revoked, unknown = (
        _issue(ca, f"Officer {which}", ocsp_url=url) for which in ("Good", "Revoked", "Unknown")
    )
    revoked_at = (NOW - dt.timedelta(days=2)).replace(microsecond=0)
    (directory / "index.txt").write_text(
        _index_line(good.cert) + "\n" + _index_line(revoked.cert, revoked_at) + "\n"
    )
    _pem(directory / "ca", ca)
    _pem(directory / "responder", responder)
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
        # The responder serves one connection at a time, and an empty probe connection
        # wedges it: wait for its own word that it listens instead.
        deadline = time.monotonic() + 10
        while b"waiting for OCSP client connections" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "openssl ocsp did not start"
            time.sleep(0.05)
        yield Pki(ca, good, revoked, unknown, url, revoked_at)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _store(pki: Pki, client: OcspClient | None) -> TrustStore:
    store = TrustStore(ocsp=client)
    store.add_anchor(pki.ca.cert)
    return store


def _verify(letter_xml: bytes, holder: Holder, store: TrustStore) -> tuple[str, str | None, list]:
    result = verify_letter(sign_letter(letter_xml, holder.key, holder.cert), store)
    report = result.report
    return report["indication"], report["sub_indication"], result.evidence


def test_the_certificate_names_its_responder(pki: Pki) -> None:
    assert ocsp_urls(pki.good.cert) == [pki.url]
    assert ocsp_urls(pki.ca.cert) == []


def test_good(pki: Pki, letter_xml: bytes) -> None:
    indication, sub, evidence = _verify(letter_xml, pki.good, _store(pki, OcspClient()))
    assert (indication, sub) == ("TOTAL_PASSED", None)
    [used] = evidence
    assert used.kind == "ocsp"
    assert used.source == pki.url
    response = ocsp.load_der_ocsp_response(used.data)
    assert response.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert response.serial_number == pki.good.cert.serial_number


def test_revoked(pki: Pki, letter_xml: bytes) -> None:
    store = _store(pki, OcspClient())
    result = verify_letter(sign_letter(letter_xml, pki.revoked.key, pki.revoked.cert), store)
    report = result.report
    assert (report["indication"], report["sub_indication"]) == ("TOTAL_FAILED", "REVOKED")
    reason = report["signatures"][0]["reasons"][0]
    assert "Officer Revoked" in reason
    assert pki.revoked_at.isoformat() in reason
    assert "(OCSP)" in reason
    [used] = result.evidence
    assert ocsp.load_der_ocsp_response(used.data).certificate_status == (
        ocsp.OCSPCertStatus.REVOKED
    )


def test_revoked_after_the_validation_time_was_still_good(pki: Pki, letter_xml: bytes) -> None:
    xml = sign_letter(letter_xml, pki.revoked.key, pki.revoked.cert)
    before = pki.revoked_at - dt.timedelta(days=1)
    report = verify_letter(xml, _store(pki, OcspClient()), at=before).report
    assert report["indication"] == "TOTAL_PASSED", report


def test_unknown(pki: Pki, letter_xml: bytes) -> None:
    indication, sub, _ = _verify(letter_xml, pki.unknown, _store(pki, OcspClient()))
    assert (indication, sub) == ("INDETERMINATE", "CERTIFICATE_CHAIN_GENERAL_FAILURE")


def test_an_unreachable_responder_is_try_later(pki: Pki, letter_xml: bytes) -> None:
    client = OcspClient(responder=f"http://127.0.0.1:{_free_port()}/", timeout=2)
    store = _store(pki, client)
    result = verify_letter(sign_letter(letter_xml, pki.good.key, pki.good.cert), store)
    report = result.report
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    assert "unreachable" in report["signatures"][0]["reasons"][0]


def test_a_current_crl_settles_it_when_the_responder_is_unreachable(
    pki: Pki, letter_xml: bytes
) -> None:
    client = OcspClient(responder=f"http://127.0.0.1:{_free_port()}/", timeout=2)
    store = _store(pki, client)
    store.add_crl(_crl(pki, []))
    indication, sub, evidence = _verify(letter_xml, pki.good, store)
    assert (indication, sub) == ("TOTAL_PASSED", None)
    assert [e.kind for e in evidence] == ["crl"]


def test_a_good_ocsp_answer_outweighs_an_expired_crl(pki: Pki, letter_xml: bytes) -> None:
    store = _store(pki, OcspClient())
    store.add_crl(_crl(pki, [], this_update=NOW - dt.timedelta(days=20)))
    indication, sub, evidence = _verify(letter_xml, pki.good, store)
    assert (indication, sub) == ("TOTAL_PASSED", None)
    assert [e.kind for e in evidence] == ["crl", "ocsp"]


def test_a_response_from_another_ca_is_refused(pki: Pki) -> None:
    """The responder signs for its CA only: asked about a certificate of another CA under the
    same name, its answer does not verify against that CA's key."""
    impostor = _issue(None, "OCSP Test Root", is_ca=True)
    twin = _issue(impostor, "Officer Good", ocsp_url=pki.url)
    with pytest.raises(RevocationError, match="not signed for"):
        OcspClient().check(twin.cert, impostor.cert)


def _crl(
    pki: Pki, revoked: list[x509.Certificate], *, this_update: dt.datetime | None = None
) -> x509.CertificateRevocationList:
    start = this_update or NOW - dt.timedelta(hours=1)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca.cert.subject)
        .last_update(start)
        .next_update(start + dt.timedelta(days=7))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(start)
            .build()
        )
    return builder.sign(pki.ca.key, hashes.SHA256())


def test_crls_are_fetched_from_the_distribution_point(pki: Pki, tmp_path: Path) -> None:
    """A real http server on 127.0.0.1 serves the CA's CRL where the certificate says."""
    crl = _crl(pki, [pki.revoked.cert])
    (tmp_path / "ca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(tmp_path), **kwargs)  # type: ignore[arg-type]

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ca.crl"
        cert = _issue(pki.ca, "Officer With CDP", crl_url=url).cert
        assert crl_urls(cert) == [url]
        [fetched] = fetch_crls(cert)
        assert fetched.data == crl.public_bytes(serialization.Encoding.DER)
        assert fetched.source == url
        store = _store(pki, None)
        store.add_crl(fetched.data)
        with pytest.raises(Exception, match="REVOKED"):
            store.validate(pki.revoked.cert, [], NOW)
        missing = _issue(pki.ca, "Officer", crl_url=url.replace("ca.crl", "gone.crl")).cert
        with pytest.raises(RevocationError, match=r"gone\.crl"):
            fetch_crls(missing)
    finally:
        server.shutdown()
        server.server_close()
