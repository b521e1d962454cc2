"""Verifying the live custody log: in chunks, from a signed mark, as a background job.

**Never holding the write lock.** The log is read in chunks of ``CHUNK`` events,
each in a short transaction of its own (on SQLite every transaction takes the
write lock from ``BEGIN IMMEDIATE``, so a read transaction spanning a
million-event verification stopped every writer). Between chunks writers go on
appending; the log is append-only, so the first chunk's snapshot fixes the
verified size ``S`` (the latest checkpoint) and later chunks read the same rows
below ``S`` whatever is appended above it. Memory stays flat: one chunk and the
tree's border (:class:`~registry.custody.compact.CompactRange`).

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
incremental one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, TypeVar

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from registry.custody.bundle import Problem
from registry.custody.compact import CompactRange
from registry.custody.event import EventError, decode_leaf, format_time
from registry.custody.mark import VerifiedMark, sign_mark, verify_mark
from registry.custody.merkle import leaf_hash
from registry.custody.note import Checkpoint, LogKey, NoteError, VerifierKey, verify_checkpoint
from registry.custody.tree import perfect_subtrees
from registry.db import utcnow
from registry.models.custody import HEAD_ID, CustodyCheckpoint, CustodyEntry, CustodyHead
from registry.models.custody_verification import CustodyMark, CustodyVerification
from registry.services.custody import DbTreeStore, verifier_key
from registry.services.errors import Invalid, NotFound

CHUNK = 5_000
STALE_AFTER = timedelta(minutes=2)
"""A running job whose progress has not moved for this long died with its worker."""

KINDS = ("full", "incremental")

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


@dataclass(frozen=True)
class Report:
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
        (int(index), _raw(leaf), column)
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
        (int(lv), int(ix)): _raw(value)
        for lv, ix, value in session.execute(
            text(f"SELECT level, idx, hash FROM custody_nodes WHERE {' OR '.join(ranges)}")  # noqa: S608
        )
    }
    return _Chunk(rows, checkpoints, nodes, next_row)


def _raw(value: bytes | memoryview | str) -> bytes:
    """Stored bytes as bytes (SQLite hands back text for a BLOB rewritten by a text function)."""
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)


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
) -> Report:
    """Verify the log (whole, or from the latest mark), ``chunk`` events per read."""
    checked, checkpoints, first = 0, 0, 0
    try:
        start = read(_read_start)
        key = start.key
        if key is None:
            if start.head or start.latest is not None:
                raise _Bad(None, "the log has events or checkpoints but no key")
            return Report(0, 0, None)
        if start.latest is None:
            if start.head or start.beyond is not None:
                raise _Bad(0, "is not covered by any signed checkpoint")
            return Report(0, 0, None)
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
                checkpoint = _checkpoint(*upcoming, key, signature=resume)
                if stream.root() != checkpoint.root_hash:
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
        return Report(checked, checkpoints, bad.problem, first)
    if progress is not None:
        progress(checked, size)
    return Report(checked, checkpoints, None, first, stream.root())


# ----------------------------------------------------------------------------- marks


def record_mark(session: Session, key: LogKey, report: Report) -> CustodyMark | None:
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


# ----------------------------------------------------------------------------- jobs


def state_of(job: CustodyVerification) -> str:
    """The job's state, ``interrupted`` for one whose worker stopped reporting progress."""
    if job.state == "running" and utcnow() - job.updated_at > STALE_AFTER:
        return "interrupted"
    return job.state


def running_job(session: Session) -> CustodyVerification | None:
    """The verification in progress, if one is (it is joined rather than doubled)."""
    job = session.scalar(
        select(CustodyVerification)
        .where(CustodyVerification.state == "running")
        .order_by(CustodyVerification.id.desc())
        .limit(1)
    )
    return job if job is not None and state_of(job) == "running" else None


def start_job(
    session: Session,
    factory: sessionmaker[Session],
    *,
    kind: str,
    started_by: str,
    key: LogKey | None,
    inline: bool = False,
) -> CustodyVerification:
    """Record a verification job (committed) and run it: in a background thread of this
    worker, or ``inline`` before returning. A job already running is returned instead."""
    if kind not in KINDS:
        raise Invalid(f"kind: one of {', '.join(KINDS)}", details=["kind"])
    job = running_job(session)
    if job is not None:
        return job
    job = CustodyVerification(
        kind=kind,
        state="running",
        started_by=started_by,
        from_size=0,
        size=0,
        done=0,
        checkpoints=0,
    )
    session.add(job)
    session.commit()
    if inline:
        run_job(factory, job.id, key)
        session.refresh(job)
    else:
        threading.Thread(
            target=run_job,
            args=(factory, job.id, key),
            name=f"custody-verify-{job.id}",
            daemon=True,
        ).start()
    return job


def get_job(session: Session, job_id: int) -> CustodyVerification:
    """A verification job by id."""
    job = session.get(CustodyVerification, job_id)
    if job is None:
        raise NotFound(f"no custody verification {job_id}")
    return job


def recent_jobs(session: Session, limit: int = 10) -> list[CustodyVerification]:
    """The latest verification jobs, newest first."""
    query = select(CustodyVerification).order_by(CustodyVerification.id.desc()).limit(limit)
    return list(session.scalars(query))


def run_job(factory: sessionmaker[Session], job_id: int, key: LogKey | None) -> None:
    """Run a recorded job to its end, each read and each progress write a short transaction."""

    def save(**values: object) -> None:
        with factory() as session:
            session.execute(
                update(CustodyVerification)
                .where(CustodyVerification.id == job_id)
                .values(updated_at=utcnow(), **values)
            )
            session.commit()

    with factory() as session:
        incremental = get_job(session, job_id).kind == "incremental"
    try:
        report = verify_chunked(
            chunked_reader(factory),
            incremental=incremental,
            progress=lambda done, total: save(done=done, size=total),
        )
    except Exception as exc:  # the thread's last word: the job must end, whatever failed
        save(state="error", problem=f"{exc.__class__.__name__}: {exc}", finished_at=utcnow())
        raise
    with factory() as session:
        if key is not None:
            record_mark(session, key, report)
        job = get_job(session, job_id)
        job.state = "passed" if report.ok else "failed"
        job.from_size = report.from_size
        job.size = max(job.size, report.size)
        job.done = report.size
        job.checkpoints = report.checkpoints
        job.problem = str(report.problem) if report.problem is not None else None
        job.updated_at = job.finished_at = utcnow()
        session.commit()
