"""The registry's certificates: its CA, officers' signing keys, and the trust store.

The CA's private key is wrapped with the registry's KEK (``ARNA_KEK``); an
officer's key is encrypted with the officer's own passphrase, so Arna can sign
for an officer only while that officer types the passphrase in (issue 4:
"the officer's key held by Arna, unlocked by the officer's passphrase"). The
CA certificate and its current CRL are stored in clear beside the wrapped key,
so verifying a letter needs no secret at all.

Arna-held officers' keys are an option (``ARNA_SERVER_SIGNING``): switched off,
people sign with their own keys (NCALayer in the browser, or upload) and every
request that would create or unlock an Arna-held key is refused here
(``require_server_signing``), whatever page or API it came through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import Text, cast, literal, null, select
from sqlalchemy.orm import Session

from registry.config import current_setting
from registry.db import utcnow
from registry.keyring import Keyring
from registry.models import RegistryKey, RegistrySetting, TrustAnchor, User
from registry.models.generation import cached
from registry.permissions import Role
from registry.services import throttle
from registry.services.errors import Conflict, Forbidden, Invalid, NotFound, ServiceError
from signing import pki_marks
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.keys import (
    KeyLoadError,
    SigningKey,
    encrypt_private_key,
    generate_signing_key,
    load_private_key,
    needs_rewrap,
)
from signing.revocation import OcspClient
from signing.trust import TrustStore, load_certificates

T = TypeVar("T")

CA_KEY_NAME = "registry-ca"
CA_NAME = "Arna registry CA"
MIN_PASSPHRASE_LENGTH = 12

_PEM = serialization.Encoding.PEM


def _kek(kek: str | None) -> bytes:
    """The CA bundle's passphrase: the given KEK, else the running app's (see Keyring)."""
    return Keyring(kek or str(current_setting("ARNA_KEK"))).passphrase


def ensure_registry_ca(session: Session, *, kek: str | None = None) -> bool:
    """Create the registry CA if it does not exist yet; True if created. Flushes, never commits."""
    if session.get(RegistryKey, CA_KEY_NAME) is not None:
        return False
    ca = CertificateAuthority.create(CA_NAME)
    session.add(
        RegistryKey(
            name=CA_KEY_NAME,
            wrapped_private=ca.dump(_kek(kek)),
            public=ca.certificate.public_bytes(_PEM).decode("ascii"),
            crl=ca.crl().public_bytes(_PEM).decode("ascii"),
        )
    )
    session.flush()
    return True


def _ca_row(session: Session) -> RegistryKey:
    row = session.get(RegistryKey, CA_KEY_NAME)
    if row is None:
        raise Conflict("the registry has no CA yet: run 'flask bootstrap'", code="no_ca")
    return row


def load_registry_ca(session: Session, *, kek: str | None = None) -> CertificateAuthority:
    """The registry CA with its private key (needs the KEK)."""
    return CertificateAuthority.load(_ca_row(session).wrapped_private, _kek(kek))


def ca_certificate(session: Session) -> x509.Certificate:
    """The registry CA's certificate (public; kept per trust generation)."""
    return cached(
        session,
        "ca_certificate",
        lambda s: x509.load_pem_x509_certificate(_ca_row(s).public.encode("ascii")),
    )


def current_crl(session: Session) -> x509.CertificateRevocationList | None:
    """The registry CA's current CRL (public; what verifiers check revocations against)."""
    crl = _ca_row(session).crl
    return x509.load_pem_x509_crl(crl.encode("ascii")) if crl else None


TEST_REGISTRY = "test_registry"


def is_test_registry(session: Session) -> bool:
    """Whether this is a TEST registry (the demo): it says so on every page and paper copy,
    and accepts NCA RK test certificates."""
    return cached(
        session, TEST_REGISTRY, lambda s: s.get(RegistrySetting, TEST_REGISTRY) is not None
    )


def mark_test_registry(session: Session) -> bool:
    """Make this a TEST registry; True if it was not one yet. Flushes, never commits."""
    if is_test_registry(session):
        return False
    session.add(RegistrySetting(name=TEST_REGISTRY, value="1"))
    session.flush()
    return True


def trust_store(session: Session, *, ocsp: bool = False) -> TrustStore:
    """Anchors (the registry CA and every live imported anchor), each with its CRL and
    the PKI mark the administrator gave it (an NCA *test* anchor is refused unless
    ``ARNA_ACCEPT_TEST_PKI``).  With ``ocsp`` (a letter's receipt) the OCSP responder a
    signer's certificate names is asked too (``signing.revocation.OcspClient``), unless
    ``ARNA_OCSP_AT_RECEIPT`` is 0.

    One store per trust generation and setting: besides saving the reads, each keeps a
    cache of validated paths that makes the next verification fast."""
    accept_test_pki = bool(current_setting("ARNA_ACCEPT_TEST_PKI")) or is_test_registry(session)
    ocsp = ocsp and bool(current_setting("ARNA_OCSP_AT_RECEIPT"))

    def build(session: Session) -> TrustStore:
        return _build_store(session, accept_test_pki=accept_test_pki, ocsp=ocsp)

    return cached(session, f"trust_store:test={accept_test_pki}:ocsp={ocsp}", build)


def _build_store(session: Session, *, accept_test_pki: bool, ocsp: bool) -> TrustStore:
    # One round trip: the CA's certificate and CRL, then every live imported anchor's.
    rows = session.execute(
        select(
            literal(0).label("pos"),
            RegistryKey.public,
            RegistryKey.crl,
            cast(null(), Text).label("delta"),
            literal(pki_marks.REGISTRY).label("pki"),
        )
        .where(RegistryKey.name == CA_KEY_NAME)
        .union_all(
            select(
                TrustAnchor.id,
                TrustAnchor.certificate_pem,
                TrustAnchor.crl_pem,
                TrustAnchor.delta_crl_pem,
                TrustAnchor.pki,
            ).where(TrustAnchor.removed_at.is_(None))
        )
        .order_by("pos")
    ).all()
    if not rows or rows[0].pos != 0:
        raise Conflict("the registry has no CA yet: run 'flask bootstrap'", code="no_ca")
    store = TrustStore(
        production=True, allow_test_pki=accept_test_pki, ocsp=OcspClient() if ocsp else None
    )
    for row in rows:
        own = row.pos == 0  # the registry CA, whose CRL row is its live revocation state
        for cert in load_certificates(row.public.encode("ascii")):
            store.add_anchor(cert, pki=row.pki)  # what the administrator marked it
        if row.crl:
            store.add_crl(row.crl.encode("ascii"), live=own)
        if row.delta:
            store.add_crl(row.delta.encode("ascii"))
    return store


class ServerSigningOff(Forbidden):
    """The registry holds no officers' keys (``ARNA_SERVER_SIGNING=0``)."""

    code = "server_signing_off"


def server_signing() -> bool:
    """Whether the running registry holds officers' signing keys (``ARNA_SERVER_SIGNING``)."""
    return bool(current_setting("ARNA_SERVER_SIGNING"))


def require_server_signing() -> None:
    """Refuse (ServerSigningOff) any creation or use of an Arna-held key while switched off."""
    if not server_signing():
        raise ServerSigningOff(
            "this registry does not hold signing keys: sign with your own key "
            "(NCALayer or an upload)"
        )


def enroll_signing_key(
    session: Session,
    user_id: int,
    passphrase: str,
    *,
    kek: str | None = None,
    public_url: str | None = None,
) -> User:
    """Give a user a new signing key (encrypted with ``passphrase``) and a certificate.

    The certificate names the user and their agency (with the IIN and the agency's BIN
    where recorded); a first head's carries the
    NCA first-head role (extendedKeyUsage) that ¶14-7 and ¶14-8 letters need; it names
    where the CA's certificate and CRL are published (``public_url``, by default
    ``ARNA_PUBLIC_URL``). A previous certificate is revoked. Flushes; the caller's unit
    of work commits.
    Within the app (no explicit ``kek``: every request) it is refused while
    ``ARNA_SERVER_SIGNING`` is off; the demo's seeding (``bootstrap --demo``, with the KEK
    given) is not a request.
    """
    if kek is None:
        require_server_signing()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if user.agency_code is None:
        raise Invalid("only people of an agency sign letters", code="no_agency")
    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise Invalid(f"a signing passphrase needs at least {MIN_PASSPHRASE_LENGTH} characters")
    ca = load_registry_ca(session, kek=kek)
    key = generate_signing_key()
    identity = OfficerIdentity(
        name=user.full_name,
        agency=user.agency_code,
        first_head=user.role == Role.FIRST_HEAD,
        iin=user.iin,
        bin=user.agency.bin if user.agency is not None else None,
    )
    if public_url is None and kek is None:  # inside the app, like the KEK: its setting
        public_url = current_setting("ARNA_PUBLIC_URL") or None
    cert = ca.issue_officer_cert(identity, key.public_key(), published_at=public_url)
    if user.certificate_serial is not None and user.certificate_revoked_at is None:
        _revoke(session, int(user.certificate_serial), kek)
    user.signing_key = encrypt_private_key(key, passphrase.encode("utf-8"))
    user.certificate_pem = cert.public_bytes(_PEM).decode("ascii")
    user.certificate_serial = str(cert.serial_number)
    user.certificate_revoked_at = None
    session.flush()
    return user


def _revoke(session: Session, serial: int, kek: str | None) -> None:
    """Add ``serial`` to the CA's revocations and publish the new CRL.

    The CA row is locked first, so that two revocations at once cannot lose one
    another (each rewrites the whole revocation list).
    """
    row = session.scalar(
        select(RegistryKey).where(RegistryKey.name == CA_KEY_NAME).with_for_update()
    )
    if row is None:
        raise Conflict("the registry has no CA yet: run 'flask bootstrap'", code="no_ca")
    ca = CertificateAuthority.load(row.wrapped_private, _kek(kek))
    ca.revoke(serial)
    row.wrapped_private = ca.dump(_kek(kek))
    row.crl = ca.crl().public_bytes(_PEM).decode("ascii")


def revoke_certificate(session: Session, user_id: int, *, kek: str | None = None) -> None:
    """Revoke a user's signing certificate (it stays on record; the CRL lists it).

    Flushes; the caller's unit of work commits.
    """
    user = session.get(User, user_id)
    if user is None or user.certificate_serial is None:
        raise NotFound(f"user {user_id} has no certificate")
    if user.certificate_revoked_at is None:
        _revoke(session, int(user.certificate_serial), kek)
        user.certificate_revoked_at = utcnow()
    session.flush()


@dataclass(frozen=True)
class UnlockedKey:
    """An officer's key and certificate, unlocked for one signature and then dropped."""

    key: SigningKey
    certificate: x509.Certificate


def unlock_signing_key(user: User, passphrase: str) -> UnlockedKey:
    """The user's key, decrypted with their passphrase; Invalid if missing, revoked or wrong.

    A key still stored in an older wrapping format (signing.keys.needs_rewrap) is wrapped
    again with the passphrase just proven right — the only moment Arna holds it — and
    the new form is saved with the caller's transaction.
    """
    if user.signing_key is None or user.certificate_pem is None:
        raise Invalid("you have no signing key yet: create one on your account page", code="no_key")
    if user.certificate_revoked_at is not None:
        raise Invalid("your signing certificate is revoked", code="certificate_revoked")
    try:
        key = load_private_key(user.signing_key, passphrase.encode("utf-8"))
    except KeyLoadError:
        raise WrongPassphrase("the signing passphrase is wrong", code="wrong_passphrase") from None
    if needs_rewrap(user.signing_key):
        user.signing_key = encrypt_private_key(key, passphrase.encode("utf-8"))
    return UnlockedKey(key, x509.load_pem_x509_certificate(user.certificate_pem.encode("ascii")))


class WrongPassphrase(Invalid):
    """A wrong signing passphrase. Guesses are throttled and not each written into the
    custody log: only the guess that locks the passphrase out is (``record_refusal``)."""

    record_refusal = False


def with_passphrase(session: Session, user_id: int, action: Callable[[throttle.Attempt], T]) -> T:
    """Run ``action`` (which unlocks the key with ``unlock_charged``) as one throttled
    signing-passphrase attempt of ``user_id``: charged (and committed) before the action's
    own transaction begins, Throttled while the passphrase is locked out, and given back
    when the action is refused before the passphrase was found wrong."""
    attempt = throttle.charge(
        session,
        [throttle.Key.person("passphrase", user_id)],
        throttle.configured_policy(),
        refusal="too many wrong signing passphrases; try again later",
    )
    try:
        return action(attempt)
    except WrongPassphrase:
        raise
    except ServiceError:
        throttle.give_back(session, attempt)
        session.commit()
        raise


def unlock_charged(
    session: Session, user: User, passphrase: str, attempt: throttle.Attempt
) -> UnlockedKey:
    """``unlock_signing_key`` within ``with_passphrase``: a right
    passphrase gives the attempt back; the wrong guess that locks the passphrase out is
    the one recorded as a refusal.  Every signature with an Arna-held key (letters, the
    dispatch record) unlocks it here: refused (ServerSigningOff) while
    ``ARNA_SERVER_SIGNING`` is off, even for a key created before."""
    require_server_signing()
    try:
        unlocked = unlock_signing_key(user, passphrase)
    except WrongPassphrase as exc:
        throttle.failed(attempt, "signing passphrase", user.username)
        exc.record_refusal = attempt.last_try
        raise
    throttle.give_back(session, attempt)
    return unlocked
