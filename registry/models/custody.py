"""The custody log's tables: events (the leaves), stored subtree hashes, signed checkpoints.

The leaf bytes are the record; ``registry_number`` beside them only indexes a
letter's events and is checked against the leaf by the verifier. Nothing here
is ever updated or deleted except ``custody_head.size``, the row every append
locks so that concurrent writers queue instead of forking the tree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.db import Base, utcnow

HEAD_ID = 1


class CustodyRefusalReason(Base):
    """Why a refused attempt (a ``<tag>-refused`` event) was refused, as the person was told.

    Kept beside the log, not in it: the event's leaf (contracts/custody-bundle.md) has no
    field for it, so the reason is not signed; the event itself is.
    """

    __tablename__ = "custody_refusal_reasons"

    index: Mapped[int] = mapped_column(
        Integer, ForeignKey("custody_events.index"), primary_key=True, autoincrement=False
    )
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class CustodyHead(Base):
    """One row: the number of leaves; appends lock it (``UPDATE`` first) to serialise."""

    __tablename__ = "custody_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(Integer, default=0)


class CustodyEntry(Base):
    """One leaf of the log: its RFC 8785 bytes, as hashed and as exported."""

    __tablename__ = "custody_events"
    __table_args__ = (Index("ix_custody_events_registry_number", "registry_number", "index"),)

    index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    leaf: Mapped[bytes] = mapped_column(LargeBinary)
    registry_number: Mapped[str | None] = mapped_column(String(64))


class CustodyNode(Base):
    """The hash of the perfect subtree of leaves ``[idx * 2**level, (idx + 1) * 2**level)``."""

    __tablename__ = "custody_nodes"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class CustodyCheckpoint(Base):
    """A signed C2SP checkpoint the log issued; every one is kept; auditors compare them."""

    __tablename__ = "custody_checkpoints"

    size: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
