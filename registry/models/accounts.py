"""Agencies, users, API tokens and login throttling."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow


class Agency(Base):
    """A party of RULES.md that has people in Arna (MFA, MOJ, a ministry, the NCE …)."""

    __tablename__ = "agencies"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)  # e.g. "AGENCY:MINHEALTH"
    # The prefix of the agency's registry numbers, e.g. "MINHEALTH".
    registry_id: Mapped[str] = mapped_column(String(32), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    # The agency's business identification number (BIN, 12 digits): NCA RK certificates
    # name the organisation by it (OU=BIN…), so a signature counts as the agency's only
    # when its certificate carries this number (registry.services.identity).
    bin: Mapped[str | None] = mapped_column(String(12), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person signing in to Arna, with one role and (for agency roles) one agency."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    agency_code: Mapped[str | None] = mapped_column(ForeignKey("agencies.code"))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The holder's individual identification number (IIN, 12 digits), as their NCA RK
    # certificates name them (SERIALNUMBER=IIN…); set by the administrator.
    iin: Mapped[str | None] = mapped_column(String(12), unique=True)
    # The officer's signing key, PKCS#8-encrypted with the officer's own passphrase
    # (never with a server key: Arna cannot sign for an officer on its own).
    signing_key: Mapped[bytes | None]
    certificate_pem: Mapped[str | None] = mapped_column(Text)
    certificate_serial: Mapped[str | None] = mapped_column(String(64))
    certificate_revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of every session cookie; raised at sign-out and password changes, which ends
    # every session issued before (a copied cookie stops working).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    # Deadline e-mails (registry/services/notifications.py): where, whether, in which language.
    email: Mapped[str | None] = mapped_column(String(254))
    notify_deadlines: Mapped[bool] = mapped_column(default=True, server_default=true())
    language: Mapped[str] = mapped_column(String(2), default="kk", server_default="kk")

    agency: Mapped[Agency | None] = relationship(lazy="joined")


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored (a leaked table is harmless)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class ActingFirstHead(Base):
    """A person (by IIN) the administrator recorded as acting for an agency's first head
    for a period (¶14-7 «не олардың міндеттерін атқаратын адамдар», ¶14-8 «не оның
    міндетін атқаратын адам»): their signatures count as the first head's on those days."""

    __tablename__ = "acting_first_heads"

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    iin: Mapped[str] = mapped_column(String(12), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
