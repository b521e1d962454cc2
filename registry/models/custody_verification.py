"""Verifications of the custody log: background jobs with their progress, and signed marks.

A job row is how a verification running in one worker shows its progress to
every worker (pages and API poll it); it is updated in short transactions of
its own, never inside the reads it reports on. A mark is the log key's signed
statement that the first ``size`` events were verified (registry/custody/mark.py):
the next incremental verification starts there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow


class CustodyVerification(Base):
    """One verification run: whole log or incremental, its progress and its outcome."""

    __tablename__ = "custody_verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "full" | "incremental"
    state: Mapped[str] = mapped_column(String(16))  # "running" | "passed" | "failed" | "error"
    started_by: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    from_size: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    checkpoints: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str | None] = mapped_column(Text, default=None)


class CustodyMark(Base):
    """A signed "verified up to ``size``" note; every one is kept."""

    __tablename__ = "custody_marks"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
