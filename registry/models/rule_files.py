"""Files of the Rules' other chains: agreements reached (Ch.4) and decision files (Ch.2).

A file holds the facts that open its chain (``facts``, the engine's input as
JSON) and one row per thing that happened (``RuleFileEvent``: a duty done, a
draft received, a silence recorded as consent). The duties and their dates are
never stored: ``routing`` computes them from these rows, so a fix to a reading
of the Rules re-dates every open file at once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow


class RuleFile(Base):
    """One agreement reached (the ¶30 register) or one decision file (¶10-14)."""

    __tablename__ = "rule_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)  # "agreement" | "decision"
    opened_by_agency: Mapped[str] = mapped_column(String(64))
    opened_on: Mapped[date]
    title: Mapped[str] = mapped_column(String(500))
    facts: Mapped[dict[str, Any]]
    #: Every party of the chain, delimited for LIKE (as ``Letter.parties``): who may see it.
    parties: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    events: Mapped[list[RuleFileEvent]] = relationship(
        back_populates="file", order_by="RuleFileEvent.id", lazy="selectin"
    )


class RuleFileEvent(Base):
    """One thing that happened in a file, on ``day``; a key happens at most once."""

    __tablename__ = "rule_file_events"
    __table_args__ = (UniqueConstraint("file_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("rule_files.id"), index=True)
    #: E.g. "proposals:AGENCY:MINHEALTH", "silence:ORG:KTZ", "to-go".
    key: Mapped[str] = mapped_column(String(200))
    day: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    custody_index: Mapped[int | None]
    #: The step's signed record (signing.records) when one was filed, exactly as signed;
    #: its SHA-256, the verification report kept with it and its signers (as a letter's).
    xml: Mapped[bytes | None]
    sha256: Mapped[str | None] = mapped_column(String(64))
    verification: Mapped[dict[str, Any] | None]
    verified_at: Mapped[datetime | None]
    signed_by: Mapped[list[Any] | None]
    file: Mapped[RuleFile] = relationship(back_populates="events")


class ThesisCheck(Base):
    """¶23: one body's draft theses for the Head of State's talks, checked page by page
    for the initials of its head or supervising deputy («әр параққа»)."""

    __tablename__ = "thesis_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("rule_files.id"), index=True)
    body: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int]
    #: The page numbers found initialled.
    initialled_pages: Mapped[list[Any]]
    initialled_on_every_page: Mapped[bool]
    checked_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    custody_index: Mapped[int | None]


class PeriodicReport(Base):
    """One period of a fixed-date report of Chapter 4 that no single agreement owns, recorded
    as sent: MFA's quarterly investment report to GO (¶33 part 2, ``period`` a quarter) or
    GO's half-yearly summary to PA (¶35, ``period`` a half). Its due date is never stored:
    ``routing.agreements.period_due`` computes it."""

    __tablename__ = "periodic_reports"
    __table_args__ = (UniqueConstraint("report", "year", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report: Mapped[str] = mapped_column(String(20))  # routing.agreements.Periodic
    year: Mapped[int]
    period: Mapped[int]
    sent_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    custody_index: Mapped[int | None]
