"""Verifying the live custody log: in chunks, from a signed mark, as a background job.

**Never holding the write lock.** The log is read in chunks of ``CHUNK`` events,
each in a short transaction of its own (on SQLite every transaction takes the
write lock from ``BEGIN IMMEDIATE``, so a read transaction spanning a
million-event verification stopped every writer). Between chunks writers go on
appending; the log is append-only, so the first chunk's snapshot fixes the
verified size ``S`` (the latest checkpoint) and later chunks read the same rows
below ``S`` whatever is appended above it. Memory stays flat: one chunk and the
tree's border (:class:`custody.compact.CompactRange`).

**What a whole-log verification checks, and why that is sound.**

* Every event row ``0 .. S-1``: present, decoding canonically to an event of its
  own index, its ``registry_number`` column equal to the leaf's. Every leaf is
  hashed into the tree: nothing below ``S`` is taken on trust.
* Every stored subtree hash equals the one the events imply, and none is stored
  beyond them (inclusion and consistency proofs are served from those rows).
* The latest checkpoint's signature under the log key, and its root against the
  root recomputed from the events. That one signature commits to every event.
* Every stored checkpoint's root against the root recomputed at its size. The
  border kept at each size is exactly what a consistency proof from the previous
  checkpoint carries, so this is each checkpoint's consistency with the previous
  one (and the latest), at popcount(size) hashes each and with no proof to
  build. Older checkpoints' *signatures* are not re-verified on each run (a
  million Ed25519 verifications are minutes): those signed after a mark are
  checked by the incremental verification that first covers them, and a monitor
  fetching one checks it again.
* The latest signed mark: its signature, its size not beyond ``S`` (else events
  were removed since it was signed), and its root equal to the recomputed one.

**Incremental verification** starts from the latest mark ``(N, root)`` whose
signature checks: the stored border of ``N`` must fold to the mark's root (the
stored tree still extends what was verified), then only events ``N .. S-1`` are
read and checked as above, with each new checkpoint's signature verified as well
as its root. It costs O(S - N + log S). What it cannot see is a row below ``N``
rewritten since the mark was signed *without* touching the stored subtree
hashes: inclusion proofs of that letter's events fail (its timeline page shows
it), and the next whole-log verification names it. Run one periodically.

A passing verification stores a new mark, signed with the log key, for the next
incremental one (:func:`record_mark`); jobs (``jobs``) run verifications in the
background.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from custody.bundle import Problem
from custody.compact import CompactRange
from custody.event import EventError, decode_leaf, format_time
from custody.mark import VerifiedMark, sign_mark, verify_mark
from custody.merkle import leaf_hash
from custody.note import Checkpoint, LogKey, NoteError, VerifierKey, verify_checkpoint
from custody.tree import perfect_subtrees
from registry.db import utcnow
from registry.models.custody import HEAD_ID, CustodyCheckpoint, CustodyEntry, CustodyHead
from registry.models.custody_verification import CustodyMark
from registry.services.custody.keys import verifier_key
from registry.services.custody.store import (
    CHUNK,
    DbTreeStore,
    Reader,
    raw_bytes,
    session_reader,
)


@dataclass(frozen=True)
class LogReport:
    """What a verification found: events ``from_size .. size-1`` checked, and the first problem."""

    size: int
    checkpoints: int
    problem: Problem | None
    from_size: int = 0
    root_hash: bytes | None = None

    @property
    def ok(self) -> bool:
        """True when everything checked."""
        return self.problem is None


class _Bad(Exception):
    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(index, message)


# ----------------------------------------------------------------------------- reads


@dataclass(frozen=True)
class _Start:
    """What the first short transaction fixes: the size to verify and what signs it."""

    key: VerifierKey | None
    head: int
    latest: tuple[int, str] | None
    beyond: int | None  # the first event row at or above the latest checkpoint's size
    extra_node: tuple[int, int] | None  # a stored subtree hash above it
    marks: list[tuple[int, str]]


def _read_start(session: Session) -> _Start:
    key = verifier_key(session)
    head = session.execute(select(CustodyHead.size).where(CustodyHead.id == HEAD_ID)).scalar_one()
    latest = session.execute(
        select(CustodyCheckpoint.size, CustodyCheckpoint.note)
        .order_by(CustodyCheckpoint.size.desc())
        .limit(1)
    ).first()
    size = latest[0] if latest is not None else 0
    beyond = session.scalar(select(func.min(CustodyEntry.index)).where(CustodyEntry.index >= size))
    marks = session.execute(
        select(CustodyMark.size, CustodyMark.note).order_by(CustodyMark.size.desc()).limit(5)
    ).all()
    return _Start(
        key=VerifierKey.parse(key) if key is not None else None,
        head=int(head),
        latest=(int(latest[0]), latest[1]) if latest is not None else None,
        beyond=beyond,
        extra_node=_nodes_beyond(session, size),
        marks=[(int(s), n) for s, n in marks],
    )


def _nodes_beyond(session: Session, size: int) -> tuple[int, int] | None:
    """A stored subtree hash the first ``size`` events do not imply, if any (PK searches)."""
    top = size.bit_length()
    for level in range(top + 1):
        idx = session.scalar(
            text("SELECT min(idx) FROM custody_nodes WHERE level = :level AND idx >= :first"),
            {"level": level, "first": size >> level},
        )
        if idx is not None:
            return level, int(idx)
    found = session.execute(
        text("SELECT level, min(idx) FROM custody_nodes WHERE level > :top GROUP BY level"),
        {"top": top},
    ).first()
    return (int(found[0]), int(found[1])) if found is not None else None


@dataclass(frozen=True)
class _Chunk:
    rows: list[tuple[int, bytes, str | None]]
    checkpoints: list[tuple[int, str]]
    nodes: dict[tuple[int, int], bytes]
    next_row: int | None  # the first stored index at or after the chunk's end of rows


def _read_chunk(session: Session, start: int, end: int) -> _Chunk:
    """Events ``[start, end)``, the checkpoints of sizes ``(start, end]``, and the stored
    subtree hashes those events complete (level L: indices ``[start >> L, end >> L)``)."""
    rows = [
        (int(index), raw_bytes(leaf), column)
        for index, leaf, column in session.execute(
            select(CustodyEntry.index, CustodyEntry.leaf, CustodyEntry.registry_number)
            .where(CustodyEntry.index >= start, CustodyEntry.index < end)
            .order_by(CustodyEntry.index)
        )
    ]
    next_row = None
    if len(rows) < end - start:
        seen = rows[-1][0] + 1 if rows else start
        next_row = session.scalar(
            select(func.min(CustodyEntry.index)).where(CustodyEntry.index >= seen)
        )
    checkpoints = [
        (int(size), note)
        for size, note in session.execute(
            select(CustodyCheckpoint.size, CustodyCheckpoint.note)
            .where(CustodyCheckpoint.size > start, CustodyCheckpoint.size <= end)
            .order_by(CustodyCheckpoint.size)
        )
    ]
    # Integers computed here, inlined as DbTreeStore does: one primary-key range per level.
    ranges = []
    level = 0
    while (start >> level) < (end >> level):
        ranges.append(f"(level = {level} AND idx >= {start >> level} AND idx < {end >> level})")
        level += 1
    nodes = {
        (int(lv), int(ix)): raw_bytes(value)
        for lv, ix, value in session.execute(
            text(f"SELECT level, idx, hash FROM custody_nodes WHERE {' OR '.join(ranges)}")  # noqa: S608
        )
    }
    return _Chunk(rows, checkpoints, nodes, next_row)


# ----------------------------------------------------------------------------- checks


def _check_entry(position: int, index: int, leaf: bytes, column: str | None) -> None:
    if index != position:
        raise _Bad(position, f"is missing: the next stored row is entry {index}")
    try:
        event = decode_leaf(leaf)
    except EventError as exc:
        raise _Bad(position, str(exc)) from None
    if event.index != position:
        raise _Bad(position, f"its leaf records index {event.index} (moved from there)")
    if column != event.registry_number:
        raise _Bad(
            position,
            f"the registry_number column says {column!r}, the leaf {event.registry_number!r}",
        )


def _checkpoint(size: int, note: str, key: VerifierKey, *, signature: bool) -> Checkpoint:
    """The stored checkpoint of ``size``: signature checked, or (covered already) only parsed."""
    try:
        if signature:
            checkpoint = verify_checkpoint(note, key, key.name)
        else:
            checkpoint = Checkpoint.parse(note[: note.rfind("\n\n") + 1])
            if checkpoint.origin != key.name:
                raise NoteError(f"checkpoint: origin {checkpoint.origin!r} is not {key.name!r}")
    except NoteError as exc:
        raise _Bad(None, f"checkpoint of size {size}: {exc}") from None
    if checkpoint.size != size:
        raise _Bad(None, f"checkpoint stored as size {size} says size {checkpoint.size}")
    return checkpoint


def _check_nodes(
    expected: dict[tuple[int, int], bytes], stored: dict[tuple[int, int], bytes]
) -> None:
    first_bad: tuple[int, str] | None = None
    for (level, idx), value in expected.items():
        found = stored.get((level, idx))
        if found != value:
            what = "is missing" if found is None else "differs from the events"
            candidate = (idx << level, f"stored subtree hash ({level}, {idx}) {what}")
            first_bad = min(first_bad or candidate, candidate)
    if first_bad is not None:
        raise _Bad(*first_bad)


def _latest_mark(start: _Start, key: VerifierKey) -> VerifiedMark | None:
    """The newest mark whose signature checks (a bad one is a problem, not skipped)."""
    if not start.marks:
        return None
    size, note = start.marks[0]
    try:
        mark = verify_mark(note, key)
    except NoteError as exc:
        raise _Bad(None, f"verified mark of size {size}: {exc}") from None
    if mark.size != size:
        raise _Bad(None, f"verified mark stored as size {size} says size {mark.size}")
    return mark


def _border(read: Reader, mark: VerifiedMark) -> CompactRange:
    def fetch(session: Session) -> list[bytes]:
        return DbTreeStore(session, mark.size).get_nodes(perfect_subtrees(0, mark.size))

    try:
        stream = CompactRange(mark.size, read(fetch))
    except KeyError as exc:
        raise _Bad(None, f"verified mark of size {mark.size}: {exc.args[0]}") from None
    if stream.root() != mark.root_hash:
        raise _Bad(
            None,
            f"the stored subtree hashes below the verified mark of size {mark.size} "
            f"no longer hash to its root (verified {mark.time}): the log was rewritten",
        )
    return stream


# ----------------------------------------------------------------------------- verifying


def verify_chunked(
    read: Reader,
    *,
    incremental: bool = False,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = CHUNK,
) -> LogReport:
    """Verify the log (whole, or from the latest mark), ``chunk`` events per read."""
    checked, checkpoints, first = 0, 0, 0
    try:
        start = read(_read_start)
        key = start.key
        if key is None:
            if start.head or start.latest is not None:
                raise _Bad(None, "the log has events or checkpoints but no key")
            return LogReport(0, 0, None)
        if start.latest is None:
            if start.head or start.beyond is not None:
                raise _Bad(0, "is not covered by any signed checkpoint")
            return LogReport(0, 0, None)
        size, note = start.latest
        latest = _checkpoint(size, note, key, signature=True)
        mark = _latest_mark(start, key)
        if mark is not None and mark.size > size:
            raise _Bad(
                size,
                f"is missing: the log was verified up to {mark.size} events at {mark.time}, "
                f"its latest checkpoint has {size}",
            )
        resume = incremental and mark is not None
        stream = _border(read, mark) if resume else CompactRange()
        first = checked = stream.size
        previous = first
        while checked < size:
            end = min(checked - checked % chunk + chunk, size)
            part = read(lambda session, a=checked, b=end: _read_chunk(session, a, b))
            pending = iter(part.checkpoints)
            upcoming = next(pending, None)
            expected: dict[tuple[int, int], bytes] = {}
            for index, leaf, column in part.rows:
                _check_entry(checked, index, leaf, column)
                for level, idx, value in stream.append(leaf_hash(leaf)):
                    expected[(level, idx)] = value
                checked += 1
                if mark is not None and checked == mark.size and stream.root() != mark.root_hash:
                    raise _Bad(
                        None,
                        f"the events differ from those verified up to {mark.size} at "
                        f"{mark.time}: the log was rewritten",
                    )
                if upcoming is None or upcoming[0] != checked:
                    continue
                size_note = upcoming[1]
                root = stream.root()
                body = Checkpoint(key.name, checked, root).body()
                # Unsigned checks compare the note's text with the one expected (no parse);
                # any difference goes through the parse for its precise message.
                if resume or size_note[: size_note.rfind("\n\n") + 1] != body:
                    checkpoint = _checkpoint(checked, size_note, key, signature=resume)
                else:
                    checkpoint = Checkpoint(key.name, checked, root)
                if root != checkpoint.root_hash:
                    where = (
                        f"entries {previous}..{checked - 1} do"
                        if checked - previous > 1
                        else "it does"
                    )
                    raise _Bad(
                        previous,
                        f"{where} not hash to the signed checkpoint of size {checked}: "
                        "an event was altered, inserted or removed",
                    )
                checkpoints += 1
                previous = checked
                upcoming = next(pending, None)
            if checked < end:
                if part.next_row is not None:
                    raise _Bad(checked, f"is missing: the next stored row is entry {part.next_row}")
                raise _Bad(checked, f"is missing: the latest checkpoint's size is {size}")
            _check_nodes(expected, part.nodes)
            if progress is not None:
                progress(checked, size)
        # What the first snapshot showed at or above the verified size, after everything below.
        if start.beyond is not None:
            raise _Bad(start.beyond, f"is beyond the latest checkpoint's size {size}")
        if start.head != size:
            raise _Bad(min(start.head, size), f"custody_head says {start.head} events, not {size}")
        if start.extra_node is not None:
            level, idx = start.extra_node
            raise _Bad(
                idx << level, f"stored subtree hash ({level}, {idx}) is not implied by the events"
            )
        if stream.root() != latest.root_hash:  # only reachable for an empty range of new events
            raise _Bad(
                None, f"the latest checkpoint of size {size} is not the verified tree's root"
            )
    except _Bad as bad:
        return LogReport(checked, checkpoints, bad.problem, first)
    if progress is not None:
        progress(checked, size)
    return LogReport(checked, checkpoints, None, first, stream.root())


def verify_log(session: Session, progress: Callable[[int, int], None] | None = None) -> LogReport:
    """Check the whole live log within the caller's session (see :func:`verify_chunked`)."""
    return verify_chunked(session_reader(session), progress=progress)


# ----------------------------------------------------------------------------- marks


def record_mark(session: Session, key: LogKey, report: LogReport) -> CustodyMark | None:
    """Store the signed "verified up to N" mark of a passing report (no commit)."""
    if not report.ok or report.root_hash is None or report.size == 0:
        return None
    existing = session.get(CustodyMark, report.size)
    if existing is not None:
        return existing
    mark = VerifiedMark(key.name, report.size, report.root_hash, format_time(utcnow()))
    row = CustodyMark(size=report.size, note=sign_mark(key, mark))
    session.add(row)
    session.flush()
    return row


def latest_mark(session: Session) -> CustodyMark | None:
    """The newest stored mark, or None."""
    return session.scalar(select(CustodyMark).order_by(CustodyMark.size.desc()).limit(1))
