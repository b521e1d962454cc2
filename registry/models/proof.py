"""Proof kept beside the letters and the custody log: time-stamps, revocation data, cosignatures.

Nothing here changes what was signed: a letter's bytes and the log's leaves and
checkpoints stay as they are; these rows are evidence about them, added later
and only ever inserted (a witness's row also records its latest answer; an owed
time-stamp's marker gives way to its token).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow

SIGNATURE_TIMESTAMP = "signature-timestamp"
SIGNATURE_PENDING = "signature-timestamp-owed"  # no token yet: the publisher fetches it
CHECKPOINT_TIMESTAMP = "checkpoint-timestamp"
CRL = "crl"
OCSP = "ocsp"


class Evidence(Base):
    """One piece of evidence: an RFC 3161 token, or a CRL / OCSP answer captured at receipt.

    ``kind`` is ``signature-timestamp`` (``ref`` = the signature's position in
    the letter), ``checkpoint-timestamp`` (``ref`` = the checkpoint's size, no
    letter), ``crl`` or ``ocsp``. ``at`` is a token's genTime. A row
    ``signature-timestamp-owed`` marks a stamp still to be fetched; it is the one
    kind ever deleted, in the transaction that stores its token.
    """

    __tablename__ = "evidence"
    __table_args__ = (
        UniqueConstraint("kind", "registry_number", "ref", "digest"),
        Index("ix_evidence_registry_number", "registry_number"),
        Index("ix_evidence_kind_ref", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    registry_number: Mapped[str | None] = mapped_column(String(64))
    ref: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of data: keeps duplicates out
    at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Cosignature(Base):
    """A witness's C2SP cosignature of the checkpoint of ``size``."""

    __tablename__ = "custody_cosignatures"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    witness_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    signature: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WitnessState(Base):
    """Per configured witness: the size it last cosigned for us, and its latest failure."""

    __tablename__ = "custody_witnesses"

    witness_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    cosigned_size: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    attempted_at: Mapped[datetime | None]
