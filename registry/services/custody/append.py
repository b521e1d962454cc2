"""The one append function: events in the caller's transaction, under one lock, signed.

Appends are serialised by updating the single ``custody_head`` row first: on
PostgreSQL that row lock queues concurrent writers until the holder commits; on
SQLite the engine already begins every transaction with ``BEGIN IMMEDIATE``
(registry/db.py), so the write lock is held from the start. Either way two
workers can never read the same size, so the tree never forks and no index is
skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert
from sqlalchemy.orm import Session

from custody.event import Actor, CustodyEvent, EventError, canonical_bytes, decode_leaf, format_time
from custody.merkle import leaf_hash
from custody.note import Checkpoint, sign_checkpoint
from custody.tree import MerkleTree, perfect_subtrees
from registry.db import utcnow
from registry.models.custody import CustodyCheckpoint, CustodyEntry
from registry.models.generation import cached
from registry.services.custody.keys import LOG_KEY_NAME, ensure_log_key, existing_log_key
from registry.services.custody.proofs import letter_entries
from registry.services.custody.store import DbTreeStore, lock_head
from registry.services.custody.tags import Tag
from registry.services.errors import NotFound

APPENDED = "custody_appended"
"""``session.info`` key set by an append: after commit there is a checkpoint to publish."""


@dataclass(frozen=True)
class NewEvent:
    """An event to append; the log adds its index and time."""

    actor: Actor
    action: str
    registry_number: str | None
    letter_sha256: str | None
    state_before: str | None
    state_after: str | None


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
    # happens under it the better): once created it never changes, so it is kept per
    # trust generation. Only the very first append, before the key exists, creates it
    # under the lock.
    key = cached(session, LOG_KEY_NAME, existing_log_key)
    end = lock_head(session, len(events))
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
    # Once this commits, the new checkpoint is to be witnessed (services/proofs.Publisher).
    session.info[APPENDED] = True
    return list(range(first, end))


def record_export(
    session: Session,
    *,
    actor: Actor,
    registry_number: str | None = None,
    action: Tag = Tag.LOG_EXPORTED,
) -> int:
    """Append the event of an export: ``log:exported`` (whole log, or one letter's events),
    or another download (``letters:exported``, ``letter:report-exported``).

    A letter's export event keeps the letter in the state its last event left it
    in, so the letter's events still chain; that last event is read under the
    append lock, so no transition can slip in between.
    """
    if registry_number is None:
        return append_event(
            session,
            actor=actor,
            action=action,
            registry_number=None,
            letter_sha256=None,
            state_before=None,
            state_after=None,
        )
    lock_head(session, 0)
    entries = letter_entries(session, registry_number)
    if not entries:
        raise NotFound(f"the custody log has no event of {registry_number}")
    last = decode_leaf(entries[-1][1])
    return append_event(
        session,
        actor=actor,
        action=action,
        registry_number=registry_number,
        letter_sha256=last.letter_sha256,
        state_before=last.state_after,
        state_after=last.state_after,
    )
