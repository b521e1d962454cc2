"""Outside trust anchors: the roots of agencies' own signing tools, accepted for uploads.

Imported by an administrator after comparing the fingerprint with the one the
authority publishes; removed anchors stay on record (``removed_at``) so that the
reports of letters verified while they were trusted remain explained. Each anchor
carries its latest CRL, so that a certificate the agency's CA revoked stops
signing uploads at once.
"""

from __future__ import annotations

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
from signing.trust import TrustError, TrustStore, crl_issued_by, load_certificates, load_crl


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
    """Replace a live anchor's CRL (PEM or DER) with a newer one it signed.

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
    root = x509.load_pem_x509_certificate(anchor.certificate_pem.encode("ascii"))
    if crl.issuer != root.subject or not crl_issued_by(crl, root):  # GOST (NCA RK) too
        raise Invalid(f"crl: not signed by {anchor.name!r}", details=["crl"])
    if anchor.crl_this_update is not None and crl.last_update_utc < anchor.crl_this_update:
        raise Conflict(
            f"crl: issued {crl.last_update_utc:%Y-%m-%d %H:%M} UTC, older than the one held "
            f"({anchor.crl_this_update:%Y-%m-%d %H:%M} UTC)",
            code="crl_outdated",
        )
    anchor.crl_pem = crl.public_bytes(Encoding.PEM).decode("ascii")
    anchor.crl_this_update = crl.last_update_utc
    session.flush()
    return anchor
