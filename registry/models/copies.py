"""Certified paper copies and the throttle on guessing their verification codes.

What is kept of an issued copy is exactly what ``/verify`` may show (what the
paper itself shows) plus what is needed to recognise the copy again: the SHA-256
of its verification code and of its signed PDF. Neither the code nor the PDF is
stored, so a database reader (a backup, a dump) cannot build a working
verification URL nor extract one from a stored file.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow


class CertifiedCopy(Base):
    """One issued copy: printed facts, the code's hash and the signed PDF's hash."""

    __tablename__ = "certified_copies"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The letter copied, or (``rule_file_event_id``) the signed record of a rule file's
    #: step, e.g. PA's electronic approval sheet (¶32-1); exactly one of the two is set.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letters.id"), index=True)
    rule_file_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("rule_file_events.id"), index=True
    )
    #: The letter's registry number, or "<file number>/<step>" for a record.
    registry_number: Mapped[str] = mapped_column(String(300))
    # registry.paper.codes.lookup_key(code): SHA-256 of the normalised code.
    code_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the signed PDF as handed out; the upload check looks it up.
    pdf_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    pdf_size: Mapped[int]
    # As printed on the copy: the letter's hash and state, and each signature's result.
    letter_sha256: Mapped[str] = mapped_column(String(64))
    letter_state: Mapped[str] = mapped_column(String(20))
    signatures: Mapped[list[Any]]
    certified_by: Mapped[str] = mapped_column(String(300))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Index of the copy:issued event in the custody log.
    custody_index: Mapped[int | None]
