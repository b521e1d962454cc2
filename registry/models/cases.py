"""Court case files (Chapter 5): the request that opens a case, and what the court set."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.db import Base, utcnow
from registry.models.letters import Letter


class CaseFile(Base):
    """One international court's request and its chain (¶36–¶40).

    The request is the registered ``court-request-forward`` item; the replies join
    the case as letters whose ``parent_id`` is the request. What the chain owes and
    when is never stored: routing.court_case computes it from these facts and the
    letters' own events.
    """

    __tablename__ = "case_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("letters.id"), unique=True)
    court: Mapped[str] = mapped_column(String(16))  # INTL_COURT | EAEU_COURT
    # The court's own deadline for the reply (not a Rules deadline), carried to MFA's dispatch.
    court_deadline: Mapped[date | None]
    judicial_practice: Mapped[bool] = mapped_column(default=False)  # ¶38
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)

    request: Mapped[Letter] = relationship()
