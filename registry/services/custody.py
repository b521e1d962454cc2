"""The custody log in the database: the one append function, proofs, exports, full verification.

Every action on a letter calls :func:`append_event` inside its own transaction,
so the event commits or rolls back with the action (X-Road's message-log rule).
Appends are serialised by updating the single ``custody_head`` row first: on
PostgreSQL that row lock queues concurrent writers until the holder commits; on
SQLite the engine already begins every transaction with ``BEGIN IMMEDIATE``
(registry/db.py), so the write lock is held from the start. Either way two
workers can never read the same size, so the tree never forks and no index is
skipped.

Each append stores the leaf, the perfect-subtree hashes it completes (two rows
per leaf on average) and a checkpoint signed with the log's Ed25519 key, so any
inclusion or consistency proof reads O(log n) rows and every size the log ever
had stays provable.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, select, text, update
from sqlalchemy.orm import Session

from custody.bundle import Problem, build_bundle
from custody.event import (
    Actor,
    CustodyEvent,
    EventError,
    canonical_bytes,
    decode_leaf,
    format_time,
)
from custody.merkle import ProofError, leaf_hash, verify_consistency, verify_inclusion
from custody.note import (
    Checkpoint,
    LogKey,
    NoteError,
    VerifierKey,
    sign_checkpoint,
    verify_checkpoint,
)
from custody.tree import MemoryStore, MerkleTree, NodeKey, perfect_subtrees
from registry.db import utcnow
from registry.models.custody import (
    HEAD_ID,
    CustodyCheckpoint,
    CustodyEntry,
    CustodyHead,
    CustodyNode,
)
from registry.models.keys import RegistryKey
from registry.services.errors import NotFound

__all__ = [
    "LOG_KEY_NAME",
    "Actor",
    "LogReport",
    "NewEvent",
    "Progress",
    "TimelineEntry",
    "append_event",
    "append_events",
    "checkpoints_page",
    "consistency_proof",
    "ensure_log_key",
    "export_bundle",
    "inclusion_proof",
    "latest_checkpoint",
    "letter_entries",
    "letter_timeline",
    "record_export",
    "verifier_key",
    "verify_log",
    "verify_log_steps",
]

LOG_KEY_NAME = "custody-log"
ORIGIN_SUFFIX = "/custody"
_CHUNK = 5_000
_IN_LIMIT = 400  # keys per ``(level, idx) IN (...)``: far below every driver's parameter cap

# Decrypted log keys by the SHA-256 of their wrapped form: unwrapping runs PBKDF2,
# far too slow to repeat on every append.
_KEYS: dict[bytes, LogKey] = {}


class CustodyStateError(RuntimeError):
    """The log's tables are not in a state appends can continue from (e.g. no head row)."""


@dataclass(frozen=True)
class NewEvent:
    """An event to append; the log adds its index and time."""

    actor: Actor
    action: str
    registry_number: str | None
    letter_sha256: str | None
    state_before: str | None
    state_after: str | None


# ----------------------------------------------------------------------------- the key


def _wrap(key: Ed25519PrivateKey, kek: str) -> bytes:
    """Encrypted PKCS#8, as signing.keys does for RSA/ECDSA (whose loader refuses Ed25519)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(kek.encode()),
    )


def _unwrap(row: RegistryKey, kek: str) -> LogKey:
    cache_key = hashlib.sha256(row.wrapped_private).digest()
    cached = _KEYS.get(cache_key)
    if cached is not None:
        return cached
    try:
        private = serialization.load_pem_private_key(row.wrapped_private, kek.encode())
    except (TypeError, ValueError):
        raise CustodyStateError(
            "the custody log key cannot be decrypted with the configured ARNA_KEK"
        ) from None
    if not isinstance(private, Ed25519PrivateKey):
        raise CustodyStateError("the stored custody log key is not an Ed25519 key")
    key = LogKey(VerifierKey.parse(row.public).name, private)
    if key.verifier_key != row.public:
        raise CustodyStateError("the stored custody log key does not match its verifier key")
    _KEYS[cache_key] = key
    return key


def _configured() -> tuple[str, str]:
    """(KEK, origin) of the running app, or of the environment outside one (CLI, scripts)."""
    from flask import current_app, has_app_context

    from registry.config import load_config

    config = current_app.config if has_app_context() else load_config()
    return str(config["ARNA_KEK"]), str(config["ARNA_ORIGIN"]) + ORIGIN_SUFFIX


def ensure_log_key(
    session: Session, *, kek: str | None = None, origin: str | None = None
) -> LogKey:
    """The log's signing key, created (Ed25519, wrapped with ``kek``) on first call.

    ``kek`` and ``origin`` default to the configuration (``ARNA_KEK``, and
    ``ARNA_ORIGIN`` + ``/custody``). The origin is the key's name and is fixed
    once the key exists: every checkpoint carries it. Flushes, never commits.
    """
    row = session.get(RegistryKey, LOG_KEY_NAME)
    if row is not None and kek is None:
        cached = _KEYS.get(hashlib.sha256(row.wrapped_private).digest())
        if cached is not None:
            return cached
    if kek is None or origin is None:
        configured_kek, configured_origin = _configured()
        kek = kek or configured_kek
        origin = origin or configured_origin
    if row is not None:
        return _unwrap(row, kek)
    key = LogKey.generate(origin)
    wrapped = _wrap(key.private_key, kek)
    session.add(RegistryKey(name=LOG_KEY_NAME, wrapped_private=wrapped, public=key.verifier_key))
    session.flush()
    _KEYS[hashlib.sha256(wrapped).digest()] = key
    return key


def verifier_key(session: Session) -> str | None:
    """The verifier key auditors pin (``<name>+<id>+<key>``), or None before the first event."""
    row = session.get(RegistryKey, LOG_KEY_NAME)
    return row.public if row is not None else None


def _raw(value: bytes | memoryview | str) -> bytes:
    """Stored bytes as bytes. SQLite gives back text if someone rewrote a BLOB with a
    text function (e.g. ``replace()``); the verifier must then report, not crash."""
    return value.encode("utf-8", "surrogateescape") if isinstance(value, str) else bytes(value)


# ----------------------------------------------------------------------------- the tree


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
        for start in range(0, len(missing), _IN_LIMIT):
            batch = missing[start : start + _IN_LIMIT]
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
                self._cache[(level, idx)] = _raw(value)
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


# ----------------------------------------------------------------------------- appending


def _lock_head(session: Session, grow: int) -> int:
    """Take the append lock until the transaction ends, growing the size; return the new size.

    One round trip: the UPDATE takes the lock and RETURNING reads the size it wrote, so
    a writer that waited sees the committed size (PostgreSQL re-reads the row it waited
    for; SQLite holds the write lock from BEGIN IMMEDIATE).
    """
    size = session.execute(
        update(CustodyHead)
        .where(CustodyHead.id == HEAD_ID)
        .values(size=CustodyHead.size + grow)
        .returning(CustodyHead.size)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if size is None:
        raise CustodyStateError("custody_head has no row: run the migrations (flask bootstrap)")
    return int(size)


def append_event(
    session: Session,
    *,
    actor: Actor,
    action: str,
    registry_number: str | None,
    letter_sha256: str | None,
    state_before: str | None,
    state_after: str | None,
) -> int:
    """Append one custody event in the caller's transaction (no commit); return its index."""
    event = NewEvent(actor, action, registry_number, letter_sha256, state_before, state_after)
    return append_events(session, [event])[0]


def append_events(session: Session, events: Sequence[NewEvent]) -> list[int]:
    """Append several events under one lock and one signed checkpoint; return their indices."""
    if not events:
        return []
    # The key is read before the lock (the lock is held until commit, so the less
    # happens under it the better): once created it never changes. Only the very first
    # append, before the key exists, creates it under the lock. (Holding ``row`` keeps it
    # in the session's weak identity map, so ensure_log_key does not read it again.)
    row = session.get(RegistryKey, LOG_KEY_NAME)
    key = ensure_log_key(session) if row is not None else None
    end = _lock_head(session, len(events))
    first = end - len(events)
    key = key or ensure_log_key(session)
    time = utcnow()
    leaves: list[bytes] = []
    for offset, new in enumerate(events):
        try:
            event = CustodyEvent(
                index=first + offset,
                time=format_time(time),
                actor=new.actor,
                action=new.action,
                registry_number=new.registry_number,
                letter_sha256=new.letter_sha256,
                state_before=new.state_before,
                state_after=new.state_after,
            )
        except EventError as exc:
            raise ValueError(f"custody event: {exc}") from exc
        leaves.append(canonical_bytes(event))
    session.execute(
        insert(CustodyEntry.__table__),
        [
            {"index": first + i, "leaf": leaf, "registry_number": new.registry_number}
            for i, (leaf, new) in enumerate(zip(leaves, events, strict=True))
        ],
    )
    store = DbTreeStore(session, first)
    store.get_nodes(perfect_subtrees(0, first))  # the border: all the append and root need
    tree = MerkleTree(store)
    tree.append_hashes([leaf_hash(leaf) for leaf in leaves])
    checkpoint = Checkpoint(origin=key.name, size=end, root_hash=tree.root(end))
    session.execute(
        insert(CustodyCheckpoint.__table__),
        [{"size": end, "note": sign_checkpoint(key, checkpoint), "created_at": time}],
    )
    return list(range(first, end))


def record_export(session: Session, *, actor: Actor, registry_number: str | None = None) -> int:
    """Append the ``log:exported`` event of an export (whole log, or one letter's events).

    A letter's export event keeps the letter in the state its last event left it
    in, so the letter's events still chain; that last event is read under the
    append lock, so no transition can slip in between.
    """
    if registry_number is None:
        return append_event(
            session,
            actor=actor,
            action="log:exported",
            registry_number=None,
            letter_sha256=None,
            state_before=None,
            state_after=None,
        )
    _lock_head(session, 0)
    entries = letter_entries(session, registry_number)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    last = decode_leaf(entries[-1][1])
    return append_event(
        session,
        actor=actor,
        action="log:exported",
        registry_number=registry_number,
        letter_sha256=last.letter_sha256,
        state_before=last.state_after,
        state_after=last.state_after,
    )


# ----------------------------------------------------------------------------- reading


def latest_checkpoint(session: Session) -> CustodyCheckpoint | None:
    """The newest signed checkpoint, or None for an empty log."""
    return session.scalar(
        select(CustodyCheckpoint).order_by(CustodyCheckpoint.size.desc()).limit(1)
    )


def _require_checkpoint(session: Session, size: int | None = None) -> CustodyCheckpoint:
    found = latest_checkpoint(session) if size is None else session.get(CustodyCheckpoint, size)
    if found is None:
        raise NotFound("the custody log has no checkpoint" + (f" of size {size}" if size else ""))
    return found


def letter_entries(
    session: Session, registry_number: str, size: int | None = None
) -> list[tuple[int, bytes]]:
    """(index, leaf) of a letter's events, in log order, up to ``size`` leaves."""
    query = select(CustodyEntry.index, CustodyEntry.leaf).where(
        CustodyEntry.registry_number == registry_number
    )
    if size is not None:
        query = query.where(CustodyEntry.index < size)
    return [(index, _raw(leaf)) for index, leaf in session.execute(query.order_by("index"))]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The RFC 9162 inclusion proof of leaf ``index`` in the tree of ``size``, from stored nodes."""
    return MerkleTree(DbTreeStore(session, size)).inclusion_proof(index, size)


def consistency_proof(session: Session, size1: int, size2: int) -> list[bytes]:
    """The RFC 9162 consistency proof from ``size1`` to ``size2`` (both at most the log's size)."""
    head = session.execute(select(CustodyHead.size).where(CustodyHead.id == HEAD_ID)).scalar_one()
    if size2 > head:
        raise ProofError(f"tree size {size2} is beyond the log's {head}")
    return MerkleTree(DbTreeStore(session, size2)).consistency_proof(size1, size2)


def _all_entries(session: Session, size: int) -> Iterator[tuple[int, bytes]]:
    rows = session.execute(
        select(CustodyEntry.index, CustodyEntry.leaf)
        .where(CustodyEntry.index < size)
        .order_by(CustodyEntry.index)
        .execution_options(yield_per=_CHUNK)
    )
    for index, leaf in rows:
        yield index, _raw(leaf)


def export_bundle(session: Session, registry_number: str | None = None) -> dict[str, object]:
    """The bundle of contracts/custody-bundle.md against the latest checkpoint.

    Whole log: every entry and no proofs. One letter: its entries, each with an
    inclusion proof, and NotFound when the log holds no event of it.
    """
    checkpoint = _require_checkpoint(session)
    key = verifier_key(session)
    if key is None:
        raise NotFound("the custody log has no key")
    if registry_number is None:
        return build_bundle(
            verifier_key=key,
            checkpoint_note=checkpoint.note,
            entries=_all_entries(session, checkpoint.size),
        )
    entries = letter_entries(session, registry_number, checkpoint.size)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    tree = MerkleTree(DbTreeStore(session, checkpoint.size))
    proofs = [(index, tree.inclusion_proof(index, checkpoint.size)) for index, _ in entries]
    return build_bundle(
        verifier_key=key, checkpoint_note=checkpoint.note, entries=entries, proofs=proofs
    )


def checkpoints_page(
    session: Session, *, before: int | None = None, limit: int = 50
) -> list[CustodyCheckpoint]:
    """Stored checkpoints, newest first, below size ``before`` (for paging)."""
    query = select(CustodyCheckpoint).order_by(CustodyCheckpoint.size.desc()).limit(limit)
    if before is not None:
        query = query.where(CustodyCheckpoint.size < before)
    return list(session.scalars(query))


@dataclass(frozen=True)
class TimelineEntry:
    """One event of a letter and whether it is proved to be in the signed log."""

    index: int
    event: CustodyEvent | None
    verified: bool
    problem: str | None


def letter_timeline(
    session: Session, registry_number: str
) -> tuple[Checkpoint, list[TimelineEntry]]:
    """A letter's events, each checked by inclusion proof against the latest signed checkpoint.

    The checkpoint's signature is checked with the log key the database holds;
    an auditor who distrusts the database checks an export with a pinned key.
    """
    stored = _require_checkpoint(session)
    key = verifier_key(session)
    if key is None:
        raise NotFound("the custody log has no key")
    try:
        checkpoint = verify_checkpoint(stored.note, VerifierKey.parse(key))
    except NoteError as exc:
        raise CustodyStateError(f"the latest checkpoint does not verify: {exc}") from None
    entries = letter_entries(session, registry_number, checkpoint.size)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    tree = MerkleTree(DbTreeStore(session, checkpoint.size))
    timeline = []
    for index, leaf in entries:
        event: CustodyEvent | None = None
        try:
            event = decode_leaf(leaf)
            if event.index != index:
                raise EventError(f"its leaf records index {event.index}")
            verify_inclusion(
                leaf_hash(leaf),
                index,
                checkpoint.size,
                tree.inclusion_proof(index, checkpoint.size),
                checkpoint.root_hash,
            )
        except (EventError, ProofError, KeyError) as exc:
            timeline.append(TimelineEntry(index, event, False, str(exc)))
            continue
        timeline.append(TimelineEntry(index, event, True, None))
    return checkpoint, timeline


# ----------------------------------------------------------------------------- verifying


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
        .execution_options(yield_per=_CHUNK)
    )
    for level, idx, value in rows:
        expected = (
            memory.levels[level][idx]
            if level < len(memory.levels) and idx < len(memory.levels[level])
            else None
        )
        if expected is not None:
            counts[level] += 1
        if expected != _raw(value):
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
            .execution_options(yield_per=_CHUNK)
        )
        for index, leaf, column in rows:
            if checked >= latest.size:
                raise _Bad(checked, f"is beyond the latest checkpoint's size {latest.size}")
            leaf = _raw(leaf)
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
            if checked % _CHUNK == 0:
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
