"""The registry's own key material and the trust anchors it accepts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow


class RegistryKey(Base):
    """A private key of the registry (CA, custody log, PDF signing), wrapped with the KEK.

    ``public`` holds what may be shown (a certificate or a verifier key) so that it
    can be served without unwrapping anything.
    """

    __tablename__ = "registry_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    wrapped_private: Mapped[bytes]
    public: Mapped[str] = mapped_column(Text)
    # The registry CA's current CRL (PEM): public, so verifiers read it without the KEK.
    crl: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustAnchor(Base):
    """An outside root certificate (an agency's own CA) accepted for uploaded letters."""

    __tablename__ = "trust_anchors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    certificate_pem: Mapped[str] = mapped_column(Text)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]
    # The anchor's latest imported CRL (PEM), checked against its signature on import.
    crl_pem: Mapped[str | None] = mapped_column(Text)
    crl_this_update: Mapped[datetime | None]
    # Its latest delta CRL (RFC 5280 §5.2.4), where the CA publishes them (NCA RK does).
    delta_crl_pem: Mapped[str | None] = mapped_column(Text)
    delta_crl_this_update: Mapped[datetime | None]
    # Which PKI the anchor is (signing.pki_marks: nca-production, nca-test, other) and,
    # for "other", what it may vouch for: the party codes of the agencies whose officers
    # it certifies, and whether it may certify their first heads (issue 11, M4).
    pki: Mapped[str] = mapped_column(String(20), default="other", server_default="other")
    scope: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")
    vouches_first_head: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class RegistrySetting(Base):
    """A fact about the whole registry that outlives restarts, e.g. ``test_registry``: the
    demo (``bootstrap --demo``) marks itself a TEST registry, which every page and paper
    copy then says, and which accepts NCA RK test certificates."""

    __tablename__ = "registry_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
