"""The log's tables as the engine sees them: the tree store, the append lock, stored bytes,
and readers that run each read of a long scan in a short transaction of its own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.orm import Session, sessionmaker

from custody.tree import NodeKey
from registry.models.custody import HEAD_ID, CustodyHead, CustodyNode

CHUNK = 5_000  # rows per fetch when streaming the whole log
IN_LIMIT = 400  # keys per ``(level, idx) IN (...)``: far below every driver's parameter cap


class CustodyStateError(RuntimeError):
    """The log's tables are not in a state appends can continue from (e.g. no head row)."""


def raw_bytes(value: bytes | memoryview | str) -> bytes:
    """Stored bytes as bytes. SQLite gives back text if someone rewrote a BLOB with a
    text function (e.g. ``replace()``); the verifier must then report, not crash."""
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)


class DbTreeStore:
    """The :class:`TreeStore` over ``custody_nodes``, frozen at ``size`` leaves.

    Nodes never change once written, so reads need no lock: a proof for a
    checkpoint's size reads what was there when it was signed.
    """

    def __init__(self, session: Session, size: int) -> None:
        self.session = session
        self._size = size
        self._cache: dict[NodeKey, bytes] = {}

    def size(self) -> int:
        """The number of leaves this store was opened at (or has grown to)."""
        return self._size

    def get_nodes(self, keys: Sequence[NodeKey]) -> list[bytes]:
        """The hashes at ``keys``, fetched in batches; a missing one is a corrupt log."""
        missing = sorted({key for key in keys if key not in self._cache})
        for start in range(0, len(missing), IN_LIMIT):
            batch = missing[start : start + IN_LIMIT]
            by_level: dict[int, list[int]] = {}
            for level, idx in batch:
                by_level.setdefault(level, []).append(idx)
            # One ``level = n AND idx IN (...)`` per level: SQLite scans the whole table
            # for a row-value IN but searches the primary key for this. The values are
            # ints the tree computed, inlined because building the equivalent
            # SQLAlchemy expression costs more than the query itself.
            where = " OR ".join(
                f"(level = {int(level)} AND idx IN ({','.join(str(int(i)) for i in idxs)}))"
                for level, idxs in by_level.items()
            )
            rows = self.session.execute(
                text(f"SELECT level, idx, hash FROM custody_nodes WHERE {where}")  # noqa: S608
            )
            for level, idx, value in rows:
                self._cache[(level, idx)] = raw_bytes(value)
        try:
            return [self._cache[key] for key in keys]
        except KeyError as exc:
            raise KeyError(f"custody_nodes lacks the subtree hash {exc.args[0]}") from None

    def put_nodes(self, nodes: Sequence[tuple[int, int, bytes]]) -> None:
        """Insert new nodes (they are also kept for the root computed right after)."""
        self.session.execute(
            insert(CustodyNode.__table__),
            [{"level": lv, "idx": ix, "hash": h} for lv, ix, h in nodes],
        )
        for level, idx, value in nodes:
            self._cache[(level, idx)] = value
        self._size += sum(1 for level, _, _ in nodes if level == 0)


_HEAD = CustodyHead.__table__
# Built once (every append runs it): building it cost about as much as running it.
_GROW = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(size=_HEAD.c.size + bindparam("grow"))
    .returning(_HEAD.c.size)
)


def lock_head(session: Session, grow: int) -> int:
    """Take the append lock until the transaction ends, growing the size; return the new size.

    One round trip: the UPDATE takes the lock and RETURNING reads the size it wrote, so
    a writer that waited sees the committed size (PostgreSQL re-reads the row it waited
    for; SQLite holds the write lock from BEGIN IMMEDIATE).
    """
    size = session.execute(_GROW, {"grow": grow}).scalar_one_or_none()
    if size is None:
        raise CustodyStateError("custody_head has no row: run the migrations (flask bootstrap)")
    return int(size)


T = TypeVar("T")


class Reader(Protocol):
    """Runs a function in a (short) read transaction and returns its result."""

    def __call__(self, fn: Callable[[Session], T], /) -> T: ...


def session_reader(session: Session) -> Reader:
    """Every read in the caller's session and transaction (tests, or a caller holding one)."""

    def read(fn: Callable[[Session], T]) -> T:
        return fn(session)

    return read


def chunked_reader(factory: sessionmaker[Session]) -> Reader:
    """Every read in a fresh session whose transaction ends as soon as the read returns."""

    def read(fn: Callable[[Session], T]) -> T:
        with factory() as session:
            try:
                return fn(session)
            finally:
                session.rollback()

    return read
