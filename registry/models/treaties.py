"""The treaty register and the treaties' yearly returns (Chapter 1, ¶1–6, Appendices 1–6).

A treaty is registered once (by MFA) with its kind, status and responsible
bodies; each reporting year its consolidating body files one return per treaty
on the Appendix (1–5) its kind and status give (routing.treaties.form_for). A
return keeps its fields as JSON in the structure of the form's XML schema
(xml_schemas/appendix-N.xsd) and the XML built from them; MFA's foreign-policy
assessment (the form's last rows) is a second author's part, kept apart: it is
not in the XML the body signs. The
cycle's deadlines are a rule file of kind ``treaty-cycle`` (registry.services.rule_files).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow


class Treaty(Base):
    """One international treaty of the Republic or the Government that a CSB implements."""

    __tablename__ = "treaties"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(20))  # routing.treaties.TreatyKind
    status: Mapped[str] = mapped_column(String(20), index=True)  # routing.treaties.TreatyStatus
    concluded_on: Mapped[date]
    #: Every responsible central state body (Appendices 1–5, "responsible body" row).
    responsible: Mapped[list[Any]]
    #: The one that owes MFA the return (the only body, or the one marked).
    consolidating: Mapped[str] = mapped_column(String(64), index=True)
    registered_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TreatySummary(Base):
    """MFA's own parts of a year's Appendix 6: its conclusions and proposals (1.3) and the
    international organisations' recommendations it attaches «болған жағдайда» (¶4)."""

    __tablename__ = "treaty_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    conclusions: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TreatyReturn(Base):
    """A treaty's return for one reporting year, on its Appendix form."""

    __tablename__ = "treaty_returns"
    __table_args__ = (UniqueConstraint("year", "treaty_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    treaty_id: Mapped[int] = mapped_column(ForeignKey("treaties.id"), index=True)
    body: Mapped[str] = mapped_column(String(64))
    form: Mapped[int]
    #: The body's fields, named as the form's schema names them.
    fields: Mapped[dict[str, Any]]
    #: MFA's part: the foreign-policy assessment (empty until MFA fills it).
    assessment: Mapped[str] = mapped_column(Text, default="")
    #: The body's return on its form's schema; once signed, with its XAdES signatures.
    xml: Mapped[str] = mapped_column(Text)
    #: The signers' identities as the verifier reported them (empty until signed).
    signed_by: Mapped[list[Any]] = mapped_column(default=list)
    signed_at: Mapped[datetime | None]
    submitted_on: Mapped[date]
    submitted_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    treaty: Mapped[Treaty] = relationship(lazy="joined")
