"""The custody log in the database: appends, proofs, checkpoints, and tampering with the rows.

Each tamper test rewrites rows the way a database administrator could, then
expects ``verify_log`` to name the first bad index and what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from custody.bundle import verify_bundle
from custody.event import CustodyEvent, canonical_bytes, decode_leaf
from custody.merkle import (
    leaf_hash,
    root_from_leaves,
    verify_consistency,
    verify_inclusion,
)
from custody.note import (
    Checkpoint,
    LogKey,
    VerifierKey,
    sign_checkpoint,
    verify_checkpoint,
)
from registry.db import create_db_engine
from registry.models import CustodyCheckpoint, CustodyEntry, CustodyHead, CustodyNode
from registry.services import custody
from registry.services.custody import Actor, append_event
from registry.services.schema import upgrade_to_head

KEK = "00" * 32
ORIGIN = "arna.test/custody"
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")
CLERK = Actor(user="clerk.mfa", role="mfa_clerk", agency="MFA")
STATES = ("registered", "signed", "submitted", "received", "dispatched")
ACTIONS = ("letter:signed", "letter:submitted", "letter:received", "letter:dispatched")


def _letter(session: Session, number: str) -> list[int]:
    """One letter's life (¶44: through MFA): registered, then each transition."""
    indices = [
        append_event(
            session,
            actor=OFFICER,
            action="letter:registered",
            registry_number=number,
            letter_sha256="ab" * 32,
            state_before=None,
            state_after="registered",
        )
    ]
    for action, before, after in zip(ACTIONS, STATES[:-1], STATES[1:], strict=True):
        indices.append(
            append_event(
                session,
                actor=CLERK if action in {"letter:received", "letter:dispatched"} else OFFICER,
                action=action,
                registry_number=number,
                letter_sha256="ab" * 32,
                state_before=before,
                state_after=after,
            )
        )
    return indices


@pytest.fixture(scope="module")
def custody_engine(databases: Any) -> Iterator[Engine]:
    """A database of this module's own, so that the log starts empty whatever others append."""
    engine = create_db_engine(databases.new("custody_service"))
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_session(custody_engine: Engine) -> Iterator[Session]:
    """A Session whose commits are savepoints inside a transaction rolled back after the test."""
    connection = custody_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def log(db_session: Session) -> Session:
    """A log of 3 letters (15 events), interleaved with a refused attempt."""
    custody.ensure_log_key(db_session, kek=KEK, origin=ORIGIN)
    _letter(db_session, "MINHEALTH-2026-000001")
    append_event(
        db_session,
        actor=OFFICER,
        action="letter:submitted-refused",
        registry_number="MINHEALTH-2026-000002",
        letter_sha256=None,
        state_before=None,
        state_after=None,
    )
    _letter(db_session, "MINHEALTH-2026-000003")
    _letter(db_session, "MINHEALTH-2026-000004")
    db_session.flush()
    return db_session


def _problem(session: Session) -> tuple[int | None, str]:
    report = custody.verify_log(session)
    assert report.problem is not None, "tampering went unnoticed"
    return report.problem.index, report.problem.message


def test_appends_number_events_and_sign_a_checkpoint_each(log: Session) -> None:
    assert log.scalar(select(CustodyHead.size)) == 16
    indices = log.scalars(select(CustodyEntry.index).order_by(CustodyEntry.index)).all()
    assert indices == list(range(16))
    sizes = log.scalars(select(CustodyCheckpoint.size).order_by(CustodyCheckpoint.size)).all()
    assert sizes == list(range(1, 17))
    key = VerifierKey.parse(custody.verifier_key(log) or "")
    assert key.name == ORIGIN
    leaves = [bytes(leaf) for leaf in log.scalars(select(CustodyEntry.leaf).order_by("index"))]
    for size in (1, 5, 16):
        note = log.get(CustodyCheckpoint, size).note  # type: ignore[union-attr]
        checkpoint = verify_checkpoint(note, key, ORIGIN)
        assert checkpoint.root_hash == root_from_leaves(leaves[:size])


def test_event_leaf_is_the_canonical_event(log: Session) -> None:
    leaf = bytes(log.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == 5)) or b"")
    event = decode_leaf(leaf)
    assert event.index == 5
    assert event.action == "letter:submitted-refused"
    assert event.actor == OFFICER
    assert event.time.endswith("Z")
    assert canonical_bytes(event) == leaf


def test_refused_event_must_be_a_known_tag(log: Session) -> None:
    with pytest.raises(ValueError, match="action: unknown tag"):
        append_event(
            log,
            actor=OFFICER,
            action="letter:teleported",
            registry_number=None,
            letter_sha256=None,
            state_before=None,
            state_after=None,
        )


def test_proofs_from_stored_nodes_verify(log: Session) -> None:
    leaves = [bytes(leaf) for leaf in log.scalars(select(CustodyEntry.leaf).order_by("index"))]
    root16 = root_from_leaves(leaves)
    for index in range(16):
        for size in (index + 1, 11, 16):
            if index < size:
                proof = custody.inclusion_proof(log, index, size)
                verify_inclusion(
                    leaf_hash(leaves[index]), index, size, proof, root_from_leaves(leaves[:size])
                )
    for size1 in range(1, 17):
        proof = custody.consistency_proof(log, size1, 16)
        verify_consistency(size1, 16, proof, root_from_leaves(leaves[:size1]), root16)


def test_intact_log_verifies_with_progress(log: Session) -> None:
    seen: list[tuple[int, int]] = []
    report = custody.verify_log(log, progress=lambda done, total: seen.append((done, total)))
    assert report.ok, report.problem
    assert (report.size, report.checkpoints) == (16, 16)
    assert seen[-1] == (16, 16)


def test_letter_export_verifies_offline(log: Session) -> None:
    bundle = custody.export_bundle(log, "MINHEALTH-2026-000003")
    assert [e["index"] for e in bundle["entries"]] == list(range(6, 11))  # type: ignore[index]
    report = verify_bundle(bundle, verifier_key=custody.verifier_key(log))
    assert report.ok, report.problem
    whole = custody.export_bundle(log)
    assert verify_bundle(whole, verifier_key=custody.verifier_key(log)).ok


def _rewrite(session: Session, index: int, change: Callable[[dict], None]) -> None:
    """Rewrite an event consistently: a well-formed, canonical leaf at the same index."""
    leaf = bytes(session.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == index)))
    data = decode_leaf(leaf).to_dict()
    change(data)
    new = canonical_bytes(CustodyEvent.from_dict(data))
    session.execute(update(CustodyEntry).where(CustodyEntry.index == index).values(leaf=new))


def test_edited_event_is_named(log: Session) -> None:
    _rewrite(log, 7, lambda d: d.update(state_after="returned"))
    assert _problem(log) == (
        7,
        "it does not hash to the signed checkpoint of size 8: an event was altered, "
        "inserted or removed",
    )


def test_edited_leaf_with_its_nodes_recomputed_is_still_named(log: Session) -> None:
    _rewrite(log, 3, lambda d: d["actor"].update(user="someone.else"))
    leaf = bytes(log.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == 3)))
    log.execute(
        update(CustodyNode)
        .where(CustodyNode.level == 0, CustodyNode.idx == 3)
        .values(hash=leaf_hash(leaf))
    )
    index, message = _problem(log)
    assert index == 3
    assert "signed checkpoint of size 4" in message


def test_deleted_event_is_named(log: Session) -> None:
    log.execute(delete(CustodyEntry).where(CustodyEntry.index == 9))
    assert _problem(log) == (9, "is missing: the next stored row is entry 10")


def test_inserted_event_shifting_the_rest_is_named(log: Session) -> None:
    # Move entries 6.. one up (leaves rewritten to match) and slip a forged one in at 6.
    rows = log.execute(
        select(CustodyEntry.index, CustodyEntry.leaf).where(CustodyEntry.index >= 6)
    ).all()
    log.execute(delete(CustodyEntry).where(CustodyEntry.index >= 6))
    for index, leaf in rows:
        data = decode_leaf(bytes(leaf)).to_dict()
        data["index"] = index + 1
        new = canonical_bytes(CustodyEvent.from_dict(data))
        log.add(CustodyEntry(index=index + 1, leaf=new, registry_number=data["registry_number"]))
    forged = decode_leaf(bytes(rows[0][1])).to_dict()
    forged["action"] = "letter:returned"
    log.add(
        CustodyEntry(
            index=6, leaf=canonical_bytes(CustodyEvent.from_dict(forged)), registry_number=None
        )
    )
    log.flush()
    index, _message = _problem(log)
    assert index == 6


def test_appended_row_without_checkpoint_is_named(log: Session) -> None:
    forged = decode_leaf(
        bytes(log.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == 0)))
    )
    data = forged.to_dict() | {"index": 16}
    log.add(
        CustodyEntry(
            index=16,
            leaf=canonical_bytes(CustodyEvent.from_dict(data)),
            registry_number=forged.registry_number,
        )
    )
    log.flush()
    assert _problem(log) == (16, "is beyond the latest checkpoint's size 16")


def _swap(session: Session, a: int, b: int) -> None:
    leaf_a, leaf_b = (
        bytes(session.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == i)))
        for i in (a, b)
    )
    session.execute(update(CustodyEntry).where(CustodyEntry.index == a).values(leaf=leaf_b))
    session.execute(update(CustodyEntry).where(CustodyEntry.index == b).values(leaf=leaf_a))


def test_swapped_events_are_named(log: Session) -> None:
    _swap(log, 12, 4)
    assert _problem(log) == (4, "its leaf records index 12 (moved from there)")


def test_reordered_events_renumbered_are_named(log: Session) -> None:
    # Swap 8 and 9 and fix the index inside each leaf, so both rows look in place.
    leaves = {
        i: decode_leaf(bytes(log.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == i))))
        for i in (8, 9)
    }
    for index, other in ((8, 9), (9, 8)):
        data = leaves[other].to_dict() | {"index": index}
        log.execute(
            update(CustodyEntry)
            .where(CustodyEntry.index == index)
            .values(leaf=canonical_bytes(CustodyEvent.from_dict(data)))
        )
    index, message = _problem(log)
    assert index == 8
    assert "checkpoint of size 9" in message


def test_truncated_log_is_named(log: Session) -> None:
    log.execute(delete(CustodyEntry).where(CustodyEntry.index >= 13))
    assert _problem(log) == (13, "is missing: the latest checkpoint's size is 16")


def test_registry_number_column_must_match_the_leaf(log: Session) -> None:
    log.execute(
        update(CustodyEntry).where(CustodyEntry.index == 2).values(registry_number="OTHER-1")
    )
    index, message = _problem(log)
    assert index == 2
    assert "registry_number column" in message


def test_tampered_subtree_hash_is_named(log: Session) -> None:
    log.execute(
        update(CustodyNode)
        .where(CustodyNode.level == 2, CustodyNode.idx == 1)
        .values(hash=b"\x00" * 32)
    )
    assert _problem(log) == (4, "stored subtree hash (2, 1) differs from the events")


def test_checkpoint_signed_by_another_key_is_rejected(log: Session) -> None:
    leaves = [bytes(leaf) for leaf in log.scalars(select(CustodyEntry.leaf).order_by("index"))]
    impostor = LogKey.generate(ORIGIN)
    note = sign_checkpoint(impostor, Checkpoint(ORIGIN, 16, root_from_leaves(leaves)))
    log.execute(update(CustodyCheckpoint).where(CustodyCheckpoint.size == 16).values(note=note))
    index, message = _problem(log)
    assert index is None
    assert message.startswith("checkpoint of size 16: note: not signed by")


def test_garbage_leaf_is_named(log: Session) -> None:
    log.execute(update(CustodyEntry).where(CustodyEntry.index == 1).values(leaf=b"\xff{"))
    index, message = _problem(log)
    assert index == 1
    assert message.startswith("leaf: not UTF-8 JSON")


def test_empty_log_verifies(db_session: Session) -> None:
    report = custody.verify_log(db_session)
    assert report.ok
    assert report.size == 0


def test_sqlite_or_postgresql_head_row_exists(db_session: Session) -> None:
    assert db_session.execute(text("SELECT id FROM custody_head")).scalars().all() == [1]


def test_leaf_rewritten_as_text_is_named_not_a_crash(log: Session) -> None:
    """SQLite's replace() turns a BLOB into TEXT; the verifier must still name the entry."""
    if log.get_bind().dialect.name != "sqlite":
        pytest.skip("only SQLite lets a text value into a binary column")
    log.execute(
        text(
            "UPDATE custody_events SET leaf = replace(leaf, 'registered', 'returned') "
            'WHERE "index" = 0'
        )
    )
    index, message = _problem(log)
    assert index == 0
    assert "signed checkpoint of size 1" in message
