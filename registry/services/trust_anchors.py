"""Outside trust anchors: the roots of agencies' own signing tools, accepted for uploads.

Imported by an administrator after comparing the fingerprint with the one the
authority publishes; removed anchors stay on record (``removed_at``) so that the
reports of letters verified while they were trusted remain explained. Each anchor
carries its latest full and delta CRLs, so that a certificate the agency's CA revoked
stops signing uploads at once: imported by the administrator, or refreshed by
``flask --app wsgi crl refresh`` from the distribution points the anchors name (or
from files, offline).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import TrustAnchor
from registry.permissions import Action, Principal, check
from registry.services.errors import Conflict, Invalid, NotFound
from registry.services.identity import ANCHOR_MARKS
from signing import pki_marks
from signing.revocation import RevocationError, crl_urls, fetch_crl
from signing.trust import TrustError, TrustStore, crl_issued_by, load_certificates, load_crl

#: A CRL to consider: where it came from (a URL or a file) and its bytes.
CrlSource = tuple[str, bytes]


def list_anchors(session: Session) -> list[TrustAnchor]:
    """Every anchor ever imported, newest first (removed ones included)."""
    return list(session.scalars(select(TrustAnchor).order_by(TrustAnchor.id.desc())))


def import_anchor(
    session: Session, principal: Principal, name: str, data: bytes, *, pki: str | None = None
) -> TrustAnchor:
    """Trust one CA certificate (PEM or DER); Invalid unless it is exactly one CA certificate.

    ``pki`` marks which PKI it is (``identity.ANCHOR_MARKS``); by default what
    ``signing.pki_marks.recognise`` reads from it (an NCA RK CA by its fingerprint or
    name, else ``other``).  An ``other`` anchor starts with no scope: it vouches for
    nobody until the administrator scopes it (``identity.set_anchor_scope``)."""
    check(principal, Action.TRUST_MANAGE)
    if not name.strip():
        raise Invalid("name: say whose root this is", details=["name"])
    if pki is not None and pki not in ANCHOR_MARKS:
        raise Invalid(f"pki: one of {', '.join(ANCHOR_MARKS)}", details=["pki"])
    try:
        certs = load_certificates(data)
        if len(certs) != 1:
            raise Invalid("certificate: import one root at a time", details=["certificate"])
        cert = certs[0]
        TrustStore().add_anchor(cert)  # the signing library's own check: a CA certificate
    except TrustError as exc:
        raise Invalid(f"certificate: {exc}", details=["certificate"]) from None
    digest = cert.fingerprint(hashes.SHA256()).hex()
    if pki is None:
        recognised = pki_marks.recognise(cert)
        pki = recognised if recognised in ANCHOR_MARKS else pki_marks.OTHER
    existing = session.scalar(select(TrustAnchor).where(TrustAnchor.fingerprint_sha256 == digest))
    if existing is not None and existing.removed_at is None:
        raise Conflict(f"that root is already trusted as {existing.name!r}", code="anchor_exists")
    if existing is not None:
        existing.removed_at = None
        existing.name = name.strip()
        existing.pki = pki
        anchor = existing
    else:
        anchor = TrustAnchor(
            name=name.strip()[:200],
            certificate_pem=cert.public_bytes(Encoding.PEM).decode("ascii"),
            fingerprint_sha256=digest,
            added_by_id=principal.id,
            pki=pki,
            scope=[],
        )
        session.add(anchor)
    session.flush()
    return anchor


def remove_anchor(session: Session, principal: Principal, anchor_id: int) -> None:
    """Stop trusting an anchor (its row stays, marked removed)."""
    check(principal, Action.TRUST_MANAGE)
    anchor = session.get(TrustAnchor, anchor_id)
    if anchor is None:
        raise NotFound(f"no trust anchor {anchor_id}")
    if anchor.removed_at is None:
        anchor.removed_at = utcnow()
    session.flush()


def import_crl(session: Session, principal: Principal, anchor_id: int, data: bytes) -> TrustAnchor:
    """Replace a live anchor's CRL (PEM or DER) with a newer one it signed — its full CRL,
    or its delta CRL when the list is one (RFC 5280 §5.2.4).

    Refused: anything but a CRL, a CRL of another issuer or with a bad signature, and
    one older than the CRL already held — an old list could quietly un-revoke someone.
    """
    check(principal, Action.TRUST_MANAGE)
    anchor = session.get(TrustAnchor, anchor_id)
    if anchor is None or anchor.removed_at is not None:
        raise NotFound(f"no trusted anchor {anchor_id}")
    try:
        crl = load_crl(data)
    except TrustError as exc:
        raise Invalid(f"crl: {exc}", details=["crl"]) from None
    if not _signed_by(crl, anchor):
        raise Invalid(f"crl: not signed by {anchor.name!r}", details=["crl"])
    _store(anchor, crl)
    session.flush()
    return anchor


def _signed_by(crl: x509.CertificateRevocationList, anchor: TrustAnchor) -> bool:
    root = x509.load_pem_x509_certificate(anchor.certificate_pem.encode("ascii"))
    return crl.issuer == root.subject and crl_issued_by(crl, root)  # GOST (NCA RK) too


def _is_delta(crl: x509.CertificateRevocationList) -> bool:
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        return False
    return True


def _store(anchor: TrustAnchor, crl: x509.CertificateRevocationList) -> bool:
    """Keep ``crl`` as the anchor's full or delta CRL; False if it is the one held already,
    Conflict if it is older than the one held."""
    delta = _is_delta(crl)
    held = anchor.delta_crl_this_update if delta else anchor.crl_this_update
    if held is not None and crl.last_update_utc < held:
        raise Conflict(
            f"crl: issued {crl.last_update_utc:%Y-%m-%d %H:%M} UTC, older than the one held "
            f"({held:%Y-%m-%d %H:%M} UTC)",
            code="crl_outdated",
        )
    pem = crl.public_bytes(Encoding.PEM).decode("ascii")
    if pem == (anchor.delta_crl_pem if delta else anchor.crl_pem):
        return False
    if delta:
        anchor.delta_crl_pem, anchor.delta_crl_this_update = pem, crl.last_update_utc
    else:
        anchor.crl_pem, anchor.crl_this_update = pem, crl.last_update_utc
    return True


@dataclass(frozen=True)
class CrlOutcome:
    """What ``refresh_crls`` did with one CRL (``stored``, ``unchanged``, ``refused``)."""

    source: str
    status: str
    detail: str


def crl_sources(
    session: Session, extra_urls: Iterable[str] = (), *, timeout: float = 10.0
) -> tuple[list[CrlSource], list[str]]:
    """The full and delta CRLs the live anchors' certificates name (cRLDistributionPoints,
    freshestCRL: the CRL of the CA above each anchor, e.g. an intermediate's root), and those
    at ``extra_urls`` (``ARNA_CRL_URLS``: an anchor's own CRLs, which only the certificates it
    issues name), downloaded; and what could not be fetched, one line each."""
    wanted: dict[str, str] = {}  # url -> whose certificate names it
    for anchor in session.scalars(select(TrustAnchor).where(TrustAnchor.removed_at.is_(None))):
        cert = x509.load_pem_x509_certificate(anchor.certificate_pem.encode("ascii"))
        for url in crl_urls(cert):
            wanted.setdefault(url, cert.issuer.rfc4514_string())
    for url in extra_urls:
        wanted.setdefault(url, "ARNA_CRL_URLS")
    fetched: list[CrlSource] = []
    failures = []
    for url, issuer in wanted.items():
        try:
            fetched.append((url, fetch_crl(url, issuer, timeout=timeout).data))
        except RevocationError as exc:
            failures.append(str(exc))  # names the URL
    return fetched, failures


def refresh_crls(
    session: Session, sources: Iterable[CrlSource], *, now: dt.datetime
) -> list[CrlOutcome]:
    """Store each CRL (PEM or DER) as the full or delta CRL of the live anchor that signed
    it, when it is current at ``now`` (nextUpdate not passed) and not older than the one
    held; every CRL gets an outcome, none stops the others.  Flushes, never commits."""
    anchors = list(session.scalars(select(TrustAnchor).where(TrustAnchor.removed_at.is_(None))))
    outcomes = []
    for source, data in sources:
        try:
            crl = load_crl(data)
        except TrustError as exc:
            outcomes.append(CrlOutcome(source, "refused", str(exc)))
            continue
        issuer = crl.issuer.rfc4514_string()
        signer = next((a for a in anchors if _signed_by(crl, a)), None)
        if signer is None:
            detail = f"{issuer}: signed by no trusted anchor"
            outcomes.append(CrlOutcome(source, "refused", detail))
            continue
        if crl.next_update_utc is not None and crl.next_update_utc < now:
            detail = f"{signer.name}: expired on {crl.next_update_utc:%Y-%m-%d %H:%M} UTC"
            outcomes.append(CrlOutcome(source, "refused", detail))
            continue
        kind = "delta CRL" if _is_delta(crl) else "CRL"
        try:
            stored = _store(signer, crl)
        except Conflict as exc:
            outcomes.append(CrlOutcome(source, "refused", f"{signer.name}: {exc.message}"))
            continue
        when = f"{crl.last_update_utc:%Y-%m-%d %H:%M} UTC"
        detail = f"{signer.name}: {kind} of {when}"
        outcomes.append(CrlOutcome(source, "stored" if stored else "unchanged", detail))
    session.flush()
    return outcomes
