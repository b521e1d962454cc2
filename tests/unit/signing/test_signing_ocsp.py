"""OCSP (RFC 6960) against a real responder: ``openssl ocsp`` on a local port, RSA
certificates issued here, an index of good and revoked ones; and CRLs fetched over http."""

from __future__ import annotations

import datetime as dt
import http.server
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from ocsp_responder import Holder, issue, name, openssl_ocsp
from proof_services import free_port
from signing_pki import NOW

from signing.revocation import OcspClient, RevocationError, crl_urls, fetch_crls, ocsp_urls
from signing.sign import sign_letter
from signing.trust import TrustStore
from signing.verify import verify_letter

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


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
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> Holder:
    return issue(ca, name(common_name), now=NOW, ocsp_url=ocsp_url, crl_url=crl_url)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pki]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    ca = _issue(None, "OCSP Test Root")
    good, revoked, unknown = (
        _issue(ca, f"Officer {which}", ocsp_url=url) for which in ("Good", "Revoked", "Unknown")
    )
    revoked_at = (NOW - dt.timedelta(days=2)).replace(microsecond=0)
    index = [(good.cert, None), (revoked.cert, revoked_at)]
    with openssl_ocsp(tmp_path_factory.mktemp("ocsp"), port, ca, index, now=NOW):
        yield Pki(ca, good, revoked, unknown, url, revoked_at)


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
    client = OcspClient(responder=f"http://127.0.0.1:{free_port()}/", timeout=2)
    store = _store(pki, client)
    result = verify_letter(sign_letter(letter_xml, pki.good.key, pki.good.cert), store)
    report = result.report
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    assert "unreachable" in report["signatures"][0]["reasons"][0]


def test_a_current_crl_settles_it_when_the_responder_is_unreachable(
    pki: Pki, letter_xml: bytes
) -> None:
    client = OcspClient(responder=f"http://127.0.0.1:{free_port()}/", timeout=2)
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
    impostor = _issue(None, "OCSP Test Root")
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
