"""Proof of existence (ETSI EN 319 102-1): a time-stamp keeps an old letter verifiable.

Real keys, a real registry CA and CRLs, and tokens from OpenSSL's TSA on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from proof_services import LocalTSA, local_tsa
from signing_pki import EXAMPLES

from signing.ca import CertificateAuthority, OfficerIdentity
from signing.poe import verify_with_poe
from signing.sign import sign_letter
from signing.timestamp import TimestampError, request_timestamp, signature_values
from signing.trust import TrustStore
from signing.verify import verify_letter

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
LATER = NOW + dt.timedelta(days=40)  # the certificate has expired and been revoked by then


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


def _signed_and_stamped(ca: CertificateAuthority, tsa: LocalTSA) -> tuple[bytes, int, list[bytes]]:
    """A letter signed now with a certificate that expires in 30 days, stamped at once."""
    key = ec.generate_private_key(ec.SECP256R1())
    identity = OfficerIdentity("Aigerim Nurlanovna", "AGENCY:MINHEALTH")
    cert = ca.issue_officer_cert(
        identity, key.public_key(), valid_days=31, not_before=NOW - dt.timedelta(days=1)
    )
    xml = sign_letter((EXAMPLES / "foreign-letter.xml").read_bytes(), key, cert, signing_time=NOW)
    tokens = [request_timestamp(tsa.url, value) for value in signature_values(xml)]
    return xml, cert.serial_number, tokens


def _trust(ca: CertificateAuthority, issued: dt.datetime) -> TrustStore:
    store = TrustStore()
    store.add_anchor(ca.certificate)
    store.add_crl(ca.crl(this_update=issued))
    return store


def test_revoked_and_expired_after_the_stamp_still_passes(tsa: LocalTSA) -> None:
    ca = CertificateAuthority.create("Arna test registry CA", not_before=NOW - dt.timedelta(days=2))
    xml, serial, tokens = _signed_and_stamped(ca, tsa)
    ca.revoke(serial, NOW + dt.timedelta(days=35))  # the key was lost later
    trust = _trust(ca, NOW + dt.timedelta(days=36))  # the CRL that says so

    plain = verify_letter(xml, trust, at=LATER)
    assert not plain.passed  # without proof of existence the letter no longer verifies
    proved = verify_with_poe(xml, trust, tokens, [tsa.root])
    assert proved.result.passed, proved.result.report
    assert NOW - dt.timedelta(seconds=5) <= proved.at <= dt.datetime.now(dt.UTC)


def test_stamped_after_the_revocation_fails(tsa: LocalTSA) -> None:
    ca = CertificateAuthority.create("Arna test registry CA", not_before=NOW - dt.timedelta(days=2))
    xml, serial, tokens = _signed_and_stamped(ca, tsa)
    ca.revoke(serial, NOW - dt.timedelta(hours=1))  # revoked before the letter was stamped
    proved = verify_with_poe(xml, _trust(ca, NOW), tokens, [tsa.root])
    assert not proved.result.passed
    assert proved.result.report["sub_indication"] == "REVOKED"


def test_every_signature_needs_its_stamp(tsa: LocalTSA) -> None:
    ca = CertificateAuthority.create("Arna test registry CA", not_before=NOW - dt.timedelta(days=2))
    xml, _, tokens = _signed_and_stamped(ca, tsa)
    with pytest.raises(TimestampError, match="one time-stamp per signature"):
        verify_with_poe(xml, _trust(ca, NOW), [], [tsa.root])
    other = request_timestamp(tsa.url, b"some other bytes")
    with pytest.raises(TimestampError, match="imprint"):
        verify_with_poe(xml, _trust(ca, NOW), [other], [tsa.root])
    assert tokens
