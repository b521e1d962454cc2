"""The registry's copy seal: the key and certificate that sign every certified copy."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.models import RegistryKey
from registry.services import pki
from signing.ca import CertificateAuthority
from signing.keys import SigningKey, encrypt_private_key, generate_signing_key, load_private_key

SEAL_KEY_NAME = "copy-seal"
SEAL_VALID_DAYS = 3650
#: The seal certificate's CN, the signer a copy's reader sees.
SEAL_NAME = "Arna registry — certified copies"


@dataclass(frozen=True)
class CopySeal:
    """The registry's copy-signing key and its certificate path (seal first, trust root last)."""

    key: SigningKey
    certificates: tuple[x509.Certificate, ...]

    @property
    def certificate(self) -> x509.Certificate:
        return self.certificates[0]

    @property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return self.certificates[1:]

    @property
    def root(self) -> x509.Certificate:
        return self.certificates[-1]


def _passphrase(kek: str) -> bytes:
    return kek.encode("utf-8")


def ensure_copy_seal(session: Session, kek: str, ca: CertificateAuthority | None = None) -> bool:
    """Create the copy seal if it is missing; True when created. Idempotent; flushes only.

    With ``ca`` (the registry CA) the seal is issued by it, so one root vouches for
    officers and copies alike. Without it, a root of the seal's own is made and its
    key discarded at once: it can then never issue anything else.
    """
    if session.get(RegistryKey, SEAL_KEY_NAME) is not None:
        return False
    if ca is None:
        ca = CertificateAuthority.create("Arna registry — certified copies root")
    key = generate_signing_key("ecdsa-p256")
    cert = ca.issue_seal_cert(SEAL_NAME, key.public_key(), SEAL_VALID_DAYS)
    public = b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (cert, ca.certificate)
    ).decode("ascii")
    row = RegistryKey(
        name=SEAL_KEY_NAME,
        wrapped_private=encrypt_private_key(key, _passphrase(kek)),
        public=public,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # another worker created it meanwhile: theirs stands
        return False
    return True


def load_copy_seal(session: Session, kek: str) -> CopySeal:
    """The copy seal, created on first use if bootstrap has not made it (issued by the
    registry CA when there is one)."""
    row = session.get(RegistryKey, SEAL_KEY_NAME)
    if row is None:
        ca = None
        if session.get(RegistryKey, pki.CA_KEY_NAME) is not None:
            ca = pki.load_registry_ca(session, kek=kek)
        ensure_copy_seal(session, kek, ca)
        row = session.get(RegistryKey, SEAL_KEY_NAME)
        assert row is not None
    certificates = tuple(x509.load_pem_x509_certificates(row.public.encode("ascii")))
    return CopySeal(load_private_key(row.wrapped_private, _passphrase(kek)), certificates)


def seal_roots(session: Session) -> list[x509.Certificate]:
    """The trust root(s) a copy's signature must chain to (no key needed)."""
    row = session.get(RegistryKey, SEAL_KEY_NAME)
    if row is None:
        return []
    return [x509.load_pem_x509_certificates(row.public.encode("ascii"))[-1]]
