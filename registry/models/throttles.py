"""Attempt counters of the one throttle (registry/services/throttle.py), shared by every worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base


class Throttle(Base):
    """Attempts per key within a window: sign-ins per account and per address, copy
    look-ups per address, password re-authentication and signing passphrases per user.

    The key's prefix names what is counted (``login-user:``, ``copy-addr:`` …)."""

    __tablename__ = "throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    attempts: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]
