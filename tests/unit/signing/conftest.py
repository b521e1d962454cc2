"""Real keys and certificates, made once per session (RSA key generation is slow)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from signing_pki import EXAMPLES, NOW, Officer

from signing.ca import CertificateAuthority, OfficerIdentity
from signing.trust import TrustStore


def _ec_key(seed: int) -> ec.EllipticCurvePrivateKey:
    """Deterministic P-256 keys: the same officer keys in every run."""
    return ec.derive_private_key(0xA12A_0000 + seed, ec.SECP256R1())


@pytest.fixture(scope="session")
def registry_ca() -> CertificateAuthority:
    return CertificateAuthority.create(
        "Arna Registry Root CA", key=_ec_key(1), not_before=NOW - dt.timedelta(days=400)
    )


@pytest.fixture(scope="session")
def foreign_ca() -> CertificateAuthority:
    """A CA nobody told the verifier to trust."""
    return CertificateAuthority.create("Untrusted Root", key=_ec_key(2))


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="session")
def ec_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Aigerim Nurlanovna", "AGENCY:MINHEALTH", first_head=False)
    key = _ec_key(10)
    return Officer(key, registry_ca.issue_officer_cert(identity, key.public_key()), identity)


@pytest.fixture(scope="session")
def first_head(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Marat Serikovich", "AGENCY:MINHEALTH", first_head=True)
    key = _ec_key(11)
    return Officer(key, registry_ca.issue_officer_cert(identity, key.public_key()), identity)


@pytest.fixture(scope="session")
def rsa_officer(registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey) -> Officer:
    identity = OfficerIdentity("Dana Askarovna", "MFA", first_head=True)
    return Officer(
        rsa_key, registry_ca.issue_officer_cert(identity, rsa_key.public_key()), identity
    )


@pytest.fixture(scope="session")
def expired_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Former Officer", "AGENCY:MINHEALTH")
    key = _ec_key(12)
    cert = registry_ca.issue_officer_cert(
        identity, key.public_key(), valid_days=30, not_before=NOW - dt.timedelta(days=100)
    )
    return Officer(key, cert, identity)


@pytest.fixture(scope="session")
def revoked_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Lost Token", "AGENCY:MINHEALTH")
    key = _ec_key(13)
    cert = registry_ca.issue_officer_cert(
        identity, key.public_key(), not_before=NOW - dt.timedelta(days=30)
    )
    return Officer(key, cert, identity)


@pytest.fixture(scope="session")
def rogue_officer(foreign_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Marat Serikovich", "AGENCY:MINHEALTH", first_head=True)
    key = _ec_key(14)
    return Officer(key, foreign_ca.issue_officer_cert(identity, key.public_key()), identity)


@pytest.fixture(scope="session")
def registry_crl(
    registry_ca: CertificateAuthority, revoked_officer: Officer
) -> x509.CertificateRevocationList:
    registry_ca.revoke(revoked_officer.cert.serial_number, NOW - dt.timedelta(hours=1))
    return registry_ca.crl()


@pytest.fixture(scope="session")
def trust(
    registry_ca: CertificateAuthority, registry_crl: x509.CertificateRevocationList
) -> TrustStore:
    store = TrustStore()
    store.add_anchor(registry_ca.certificate)
    store.add_crl(registry_crl)
    return store


@pytest.fixture(scope="session")
def letter_xml() -> bytes:
    return (EXAMPLES / "foreign-letter.xml").read_bytes()
