"""Letters, their registry numbers and their deadlines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow


class RegistrySequence(Base):
    """The last registry number issued to an agency in a year (numbers are never reused)."""

    __tablename__ = "registry_sequences"

    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class RegistryNumber(Base):
    """A registry number issued by Arna, reserved before the letter carrying it is signed.

    A letter signed with the agency's own tools must carry a number reserved here,
    since the number sits inside the signed header and cannot be assigned afterwards.
    """

    __tablename__ = "registry_numbers"

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    reserved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reserved_at: Mapped[datetime] = mapped_column(default=utcnow)


class Letter(Base):
    """A registered letter (or incoming item) and where it stands in its route.

    ``xml`` holds the bytes exactly as signed (never re-serialised); ``sha256`` is
    their digest, the value the custody log records.  ``plan`` is the route plan
    computed at registration and ``envelope`` the header it was computed from.
    """

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_agency_state", "agency_code", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    registry_number: Mapped[str] = mapped_column(ForeignKey("registry_numbers.number"), unique=True)
    direction: Mapped[str] = mapped_column(String(16))  # "outgoing" | "incoming"
    kind: Mapped[str] = mapped_column(String(40))
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    sender: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    letter_date: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), index=True)
    # Index in plan["route"] of the party that holds (or is about to receive) the original.
    hop: Mapped[int] = mapped_column(default=0)
    holder: Mapped[str] = mapped_column(String(64), index=True)
    # Every party the plan involves ("|MFA|MOJ|…|"), so that hub scope is one LIKE.
    parties: Mapped[str] = mapped_column(String(1000))
    envelope: Mapped[dict[str, Any]]
    plan: Mapped[dict[str, Any]]
    xml: Mapped[bytes | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    verification: Mapped[dict[str, Any] | None]
    verified_at: Mapped[datetime | None]
    signed_by: Mapped[list[Any] | None]
    # ¶44: a five-day urgent direct send obliges the sender to inform MFA afterwards.
    notice_required: Mapped[bool] = mapped_column(default=False)
    notice_filed_at: Mapped[datetime | None]
    notice_text: Mapped[str | None] = mapped_column(Text)
    note_number: Mapped[str | None] = mapped_column(String(64))
    note_date: Mapped[date | None]
    dispatch_record: Mapped[bytes | None]
    return_reasons: Mapped[list[Any] | None]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="letter", order_by="Deadline.position", cascade="all, delete-orphan"
    )


class Deadline(Base):
    """One step of the plan with its due date, once the event it counts from has happened.

    ``due`` stays empty while the step's start (a receipt, a send) is still to come.
    """

    __tablename__ = "deadlines"
    __table_args__ = (UniqueConstraint("letter_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letters.id", ondelete="CASCADE"))
    position: Mapped[int]
    rule: Mapped[str] = mapped_column(String(16))
    by_party: Mapped[str] = mapped_column(String(64), index=True)
    to_parties: Mapped[list[Any]]
    basis: Mapped[str] = mapped_column(String(16))  # receipt | send | before_send | fixed | …
    workdays: Mapped[int | None]
    # The day the clock counts from, when an outside event starts it (OHCHR's publication).
    counted_from: Mapped[date | None]
    due: Mapped[date | None] = mapped_column(index=True)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    letter: Mapped[Letter] = relationship(back_populates="deadlines")
