"""Deadline e-mails already sent: one row per person, item and kind, so none goes twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow


class NotificationSent(Base):
    """One e-mail about one item (a letter's deadline, a rule file's duty) to one person.

    The unique constraint is the guard against sending twice: a run inserts the row
    before it sends, so a concurrent run waits on it and then skips the item.
    """

    __tablename__ = "notifications_sent"
    __table_args__ = (UniqueConstraint("item", "user_id", "kind"),)  # item first: looked up by it

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    #: "deadline:<Deadline.id>" or "file:<RuleFile.id>:<Duty.key>".
    item: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))  # "due_soon" | "overdue"
    due: Mapped[date]
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
