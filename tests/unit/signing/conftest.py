"""Real keys and certificates, made once per session (RSA key generation is slow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from signing_pki import EXAMPLES, NOW, Officer

from signing.ca import CertificateAuthority, OfficerIdentity
from signing.keys import SigningKey
from signing.trust import TrustStore


def _ec_key(seed: int) -> ec.EllipticCurvePrivateKey:
    """Deterministic P-256 keys: the same officer keys in every run."""
    return ec.derive_private_key(0xA12A_0000 + seed, ec.SECP256R1())


def _officer(
    ca: CertificateAuthority, identity: OfficerIdentity, key: SigningKey, **validity: Any
) -> Officer:
    """An officer whose certificate ``ca`` issued (``validity``: valid_days, not_before).

    Certificates start a day before ``NOW`` unless told otherwise: a session-scoped fixture may
    first run minutes after ``NOW`` was taken (a loaded machine), and must still be valid then.
    """
    validity.setdefault("not_before", NOW - dt.timedelta(days=1))
    return Officer(key, ca.issue_officer_cert(identity, key.public_key(), **validity), identity)


@pytest.fixture(scope="session")
def registry_ca() -> CertificateAuthority:
    return CertificateAuthority.create(
        "Arna Registry Root CA", key=_ec_key(1), not_before=NOW - dt.timedelta(days=400)
    )


@pytest.fixture(scope="session")
def foreign_ca() -> CertificateAuthority:
    """A CA nobody told the verifier to trust."""
    return CertificateAuthority.create(
        "Untrusted Root", key=_ec_key(2), not_before=NOW - dt.timedelta(days=400)
    )


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


@pytest.fixture(scope="session")
def ec_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Aigerim Nurlanovna", "AGENCY:MINHEALTH", first_head=False)
    return _officer(registry_ca, identity, _ec_key(10))


@pytest.fixture(scope="session")
def first_head(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Marat Serikovich", "AGENCY:MINHEALTH", first_head=True)
    return _officer(registry_ca, identity, _ec_key(11))


@pytest.fixture(scope="session")
def rsa_officer(registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey) -> Officer:
    identity = OfficerIdentity("Dana Askarovna", "MFA", first_head=True)
    return _officer(registry_ca, identity, rsa_key)


@pytest.fixture(scope="session")
def expired_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Former Officer", "AGENCY:MINHEALTH")
    return _officer(
        registry_ca, identity, _ec_key(12), valid_days=30, not_before=NOW - dt.timedelta(days=100)
    )


@pytest.fixture(scope="session")
def revoked_officer(registry_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Lost Token", "AGENCY:MINHEALTH")
    return _officer(registry_ca, identity, _ec_key(13), not_before=NOW - dt.timedelta(days=30))


@pytest.fixture(scope="session")
def rogue_officer(foreign_ca: CertificateAuthority) -> Officer:
    identity = OfficerIdentity("Marat Serikovich", "AGENCY:MINHEALTH", first_head=True)
    return _officer(foreign_ca, identity, _ec_key(14))


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
