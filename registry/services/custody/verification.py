"""Full verification of the live log: every event, every stored node, every checkpoint."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.bundle import Problem
from custody.event import EventError, decode_leaf
from custody.merkle import ProofError, leaf_hash, verify_consistency
from custody.note import Checkpoint, NoteError, VerifierKey, verify_checkpoint
from custody.tree import MemoryStore, MerkleTree
from registry.models.custody import (
    HEAD_ID,
    CustodyCheckpoint,
    CustodyEntry,
    CustodyHead,
    CustodyNode,
)
from registry.services.custody.keys import verifier_key
from registry.services.custody.proofs import latest_checkpoint
from registry.services.custody.store import CHUNK, raw_bytes


@dataclass(frozen=True)
class LogReport:
    """What a full verification of the live log found: sizes checked and the first problem."""

    size: int
    checkpoints: int
    problem: Problem | None

    @property
    def ok(self) -> bool:
        """True when every event, node and checkpoint checks."""
        return self.problem is None


class _Bad(Exception):
    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(index, message)


def _verified_checkpoints(session: Session, verifier: VerifierKey) -> list[Checkpoint]:
    """Every stored checkpoint, signature checked, in size order."""
    result = []
    rows = session.execute(
        select(CustodyCheckpoint.size, CustodyCheckpoint.note).order_by(CustodyCheckpoint.size)
    )
    for size, note in rows:
        try:
            checkpoint = verify_checkpoint(note, verifier, verifier.name)
        except NoteError as exc:
            raise _Bad(None, f"checkpoint of size {size}: {exc}") from None
        if checkpoint.size != size:
            raise _Bad(None, f"checkpoint stored as size {size} says size {checkpoint.size}")
        result.append(checkpoint)
    return result


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


def _check_nodes(session: Session, memory: MemoryStore) -> None:
    """The stored subtree hashes must be exactly those the events imply (proofs use them)."""
    first_bad: tuple[int, str] | None = None
    counts = [0] * len(memory.levels)
    rows = session.execute(
        select(CustodyNode.level, CustodyNode.idx, CustodyNode.hash)
        .order_by(CustodyNode.level, CustodyNode.idx)
        .execution_options(yield_per=CHUNK)
    )
    for level, idx, value in rows:
        expected = (
            memory.levels[level][idx]
            if level < len(memory.levels) and idx < len(memory.levels[level])
            else None
        )
        if expected is not None:
            counts[level] += 1
        if expected != raw_bytes(value):
            what = "is not implied by the events" if expected is None else "differs from the events"
            candidate = (idx << level, f"stored subtree hash ({level}, {idx}) {what}")
            first_bad = min(first_bad or candidate, candidate)
    for level, stored in enumerate(counts):
        if stored != len(memory.levels[level]):
            candidate = (stored << level, f"stored subtree hashes of level {level} are missing")
            first_bad = min(first_bad or candidate, candidate)
    if first_bad is not None:
        raise _Bad(*first_bad)


@dataclass(frozen=True)
class Progress:
    """How far a verification has got: ``done`` of ``total`` entries."""

    done: int
    total: int


def verify_log(session: Session, progress: Callable[[int, int], None] | None = None) -> LogReport:
    """Check the whole live log (see :func:`verify_log_steps`), reporting progress if asked."""
    for step in verify_log_steps(session):
        if isinstance(step, LogReport):
            return step
        if progress is not None:
            progress(step.done, step.total)
    raise AssertionError("verify_log_steps ends with its report")


def verify_log_steps(session: Session) -> Iterator[Progress | LogReport]:
    """Check the live log: every event, every stored node, every checkpoint.

    Each event must decode canonically at its own index; the tree recomputed from
    the events must have each stored checkpoint's root at its size (a checkpoint
    per append pins a rewritten event to its index); each checkpoint must be
    signed by the log key and consistent with the next one by a proof built from
    the stored subtree hashes, which must equal the recomputed ones.
    """
    head = session.execute(select(CustodyHead.size).where(CustodyHead.id == HEAD_ID)).scalar_one()
    checked = 0
    checkpoints: list[Checkpoint] = []
    try:
        key = verifier_key(session)
        if key is None:
            if head or latest_checkpoint(session) is not None:
                raise _Bad(None, "the log has events or checkpoints but no key")
            yield LogReport(0, 0, None)
            return
        checkpoints = _verified_checkpoints(session, VerifierKey.parse(key))
        if not checkpoints:
            if head or session.scalar(select(CustodyEntry.index).limit(1)) is not None:
                raise _Bad(0, "is not covered by any signed checkpoint")
            yield LogReport(0, 0, None)
            return
        latest = checkpoints[-1]
        total = max(head, latest.size)
        memory = MemoryStore()
        tree = MerkleTree(memory)
        pending = iter(checkpoints)
        upcoming = next(pending)
        previous_size = 0
        batch: list[bytes] = []
        rows = session.execute(
            select(CustodyEntry.index, CustodyEntry.leaf, CustodyEntry.registry_number)
            .order_by(CustodyEntry.index)
            .execution_options(yield_per=CHUNK)
        )
        for index, leaf, column in rows:
            if checked >= latest.size:
                raise _Bad(checked, f"is beyond the latest checkpoint's size {latest.size}")
            leaf = raw_bytes(leaf)
            _check_entry(checked, index, leaf, column)
            batch.append(leaf_hash(leaf))
            checked += 1
            if checked == upcoming.size:
                tree.append_hashes(batch)
                batch = []
                if tree.root(checked) != upcoming.root_hash:
                    where = (
                        f"entries {previous_size}..{checked - 1} do"
                        if checked - previous_size > 1
                        else "it does"
                    )
                    raise _Bad(
                        previous_size,
                        f"{where} not hash to the signed checkpoint of size {checked}: "
                        "an event was altered, inserted or removed",
                    )
                previous_size = checked
                upcoming = next(pending, upcoming)
            if checked % CHUNK == 0:
                yield Progress(checked, total)
        if checked < latest.size:
            raise _Bad(checked, f"is missing: the latest checkpoint's size is {latest.size}")
        if head != checked:
            raise _Bad(min(head, checked), f"custody_head says {head} events, the table {checked}")
        # Once the stored nodes equal the recomputed ones, proofs from either are the same.
        _check_nodes(session, memory)
        for older, newer in itertools.pairwise(checkpoints):
            try:
                proof = tree.consistency_proof(older.size, newer.size)
                verify_consistency(older.size, newer.size, proof, older.root_hash, newer.root_hash)
            except (ProofError, KeyError) as exc:
                raise _Bad(older.size, f"checkpoint {older.size} -> {newer.size}: {exc}") from None
    except _Bad as bad:
        yield LogReport(checked, len(checkpoints), bad.problem)
        return
    yield Progress(checked, checked)
    yield LogReport(checked, len(checkpoints), None)
