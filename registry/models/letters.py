"""Letters, their registry numbers and their deadlines."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, dialect_index, utcnow


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


#: The predicate of the partial indexes on open letters. Queries use this very expression
#: (the state as a literal, not a bound parameter) so that PostgreSQL can prove a partial
#: index applies in a prepared, generic plan too.
_OPEN = "state <> 'closed'"


class Letter(Base):
    """A registered letter (or incoming item) and where it stands in its route.

    ``xml`` holds the bytes exactly as signed (never re-serialised); ``sha256`` is
    their digest, the value the custody log records.  ``plan`` is the route plan
    computed at registration and ``envelope`` the header it was computed from.
    """

    __tablename__ = "letters"
    __table_args__ = (
        Index("ix_letters_agency_state", "agency_code", "state"),
        # Inboxes: letters still open (closed ones are never counted), by who holds them,
        # and by id alone (is this letter with open steps still open? — from the index).
        Index(
            "ix_letters_open_holder",
            "holder",
            "state",
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        Index("ix_letters_open_id", "id", postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        # List filters and sort keys, each ending in the id that breaks ties (keyset paging).
        Index("ix_letters_letter_date_id", "letter_date", "id"),
        Index("ix_letters_recipient_id", "recipient", "id"),
        # Search (registry.services.letters.queries.text_match): trigrams on PostgreSQL;
        # SQLite matches prefixes on plain indexes (registry numbers are unique-indexed).
        *(
            dialect_index(
                f"ix_letters_{column}_trgm",
                column,
                dialect="postgresql",
                postgresql_using="gin",
                postgresql_ops={column: "public.gin_trgm_ops"},
            )
            for column in ("registry_number", "subject")
        ),
        dialect_index("ix_letters_subject", "subject", dialect="sqlite"),
    )

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
    # Every party the letter involves ("|MFA|MOJ|…|"), for the scope check of one loaded
    # letter; queries select by the same parties in ``letter_parties`` (LetterParty).
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
    party_links: Mapped[list[LetterParty]] = relationship(cascade="all, delete-orphan")


OPEN_LETTER = Letter.state != literal_column("'closed'")


class LetterParty(Base):
    """One party a letter involves and how: the rows the scope of a person's queries uses.

    ``relation`` is ``agency`` (the letter's own), ``route`` (a hop of its route),
    ``copy`` (gets a copy for information), ``step`` (owes or is owed a deadline step)
    or ``notice`` (to be informed after sending, ¶44). Written with the letter and
    whenever a step is added (registry.services.letters.records.keep_parties), in the
    same unit of work; ``Letter.parties`` holds the same set as one string.
    """

    __tablename__ = "letter_parties"
    __table_args__ = (Index("ix_letter_parties_party_letter_id", "party", "letter_id"),)

    letter_id: Mapped[int] = mapped_column(
        ForeignKey("letters.id", ondelete="CASCADE"), primary_key=True
    )
    party: Mapped[str] = mapped_column(String(64), primary_key=True)
    relation: Mapped[str] = mapped_column(String(16), primary_key=True)


class Deadline(Base):
    """One step of the plan with its due date, once the event it counts from has happened.

    ``due`` stays empty while the step's start (a receipt, a send) is still to come.
    """

    __tablename__ = "deadlines"
    __table_args__ = (
        UniqueConstraint("letter_id", "position"),
        # Inboxes: the open steps a party owes, with their due dates, read from the index.
        Index(
            "ix_deadlines_open",
            "by_party",
            "letter_id",
            "due",
            postgresql_where=text("done_at IS NULL"),
            sqlite_where=text("done_at IS NULL"),
        ),
    )

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
