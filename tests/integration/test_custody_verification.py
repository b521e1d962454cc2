"""Verifying the live log in chunks, incrementally from a signed mark, and as a job.

The tamper cases of test_custody_service.py run through the same verifier
(``custody.verify_log``); these pin what is new: chunk boundaries, the mark and
what incremental verification does and does not see, and jobs on a database
whose rows are committed (a job reads in transactions of its own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from custody.event import CustodyEvent, canonical_bytes, decode_leaf
from custody.mark import VerifiedMark, sign_mark
from custody.note import LogKey
from custody.tree import MerkleTree
from registry.db import create_db_engine
from registry.models import (
    CustodyCheckpoint,
    CustodyEntry,
    CustodyHead,
    CustodyMark,
    CustodyNode,
    CustodyVerification,
)
from registry.services import custody
from registry.services.custody import Actor, NewEvent, append_events
from registry.services.custody.jobs import launch, run_job, start_job
from registry.services.custody.store import DbTreeStore, chunked_reader, session_reader
from registry.services.custody.verification import LogReport, record_mark, verify_chunked
from registry.services.schema import upgrade_to_head
from registry.services.unit_of_work import unit_of_work

KEK = "00" * 32
ORIGIN = "arna.test/custody"
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")


def _events(first_letter: int, count: int) -> list[NewEvent]:
    """``count`` registrations of letters numbered from ``first_letter``."""
    return [
        NewEvent(
            OFFICER,
            "letter:registered",
            f"MINHEALTH-2026-{first_letter + i:06d}",
            "ab" * 32,
            None,
            "registered",
        )
        for i in range(count)
    ]


def _append(session: Session, count: int, *, per_checkpoint: int = 1) -> None:
    size = session.scalar(select(CustodyHead.size)) or 0
    for start in range(0, count, per_checkpoint):
        append_events(session, _events(size + start, min(per_checkpoint, count - start)))


@pytest.fixture(scope="module")
def verification_engine(databases: Any) -> Iterator[Engine]:
    engine = create_db_engine(databases.new("custody_verification"))
    upgrade_to_head(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def log(verification_engine: Engine) -> Iterator[Session]:
    """23 events (some appended in batches under one checkpoint), rolled back afterwards."""
    connection = verification_engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    custody.ensure_log_key(session, kek=KEK, origin=ORIGIN)
    _append(session, 13)
    _append(session, 10, per_checkpoint=4)
    session.flush()
    yield session
    session.close()
    outer.rollback()
    connection.close()


def _key(session: Session) -> LogKey:
    return custody.ensure_log_key(session, kek=KEK, origin=ORIGIN)


def _verify(session: Session, *, incremental: bool = False, chunk: int = 5) -> LogReport:
    return verify_chunked(session_reader(session), incremental=incremental, chunk=chunk)


def test_chunked_verification_checks_every_event_and_reports_each_chunk(log: Session) -> None:
    seen: list[tuple[int, int]] = []
    report = verify_chunked(session_reader(log), chunk=5, progress=lambda *p: seen.append(p))
    assert report.ok, report.problem
    assert (report.from_size, report.size, report.checkpoints) == (0, 23, 13 + 3)
    assert seen == [(5, 23), (10, 23), (15, 23), (20, 23), (23, 23), (23, 23)]
    assert report.root_hash == MerkleTree(DbTreeStore(log, 23)).root(23)


@pytest.mark.parametrize("chunk", [1, 2, 4, 7, 64])
def test_a_tampered_subtree_hash_is_found_whatever_the_chunk_size(log: Session, chunk: int) -> None:
    log.execute(
        update(CustodyNode)
        .where(CustodyNode.level == 3, CustodyNode.idx == 1)
        .values(hash=b"\x00" * 32)
    )
    report = _verify(log, chunk=chunk)
    assert report.problem is not None
    assert (report.problem.index, report.problem.message) == (
        8,
        "stored subtree hash (3, 1) differs from the events",
    )


def test_a_missing_row_at_a_chunk_border_names_the_next_one(log: Session) -> None:
    log.execute(delete(CustodyEntry).where(CustodyEntry.index.in_([9, 10])))
    report = _verify(log, chunk=5)
    assert report.problem is not None
    assert (report.problem.index, report.problem.message) == (
        9,
        "is missing: the next stored row is entry 11",
    )


def test_a_stray_subtree_hash_above_the_log_is_named(log: Session) -> None:
    log.add(CustodyNode(level=1, idx=40, hash=b"\x01" * 32))
    log.flush()
    report = _verify(log)
    assert report.problem is not None
    assert report.problem.message == "stored subtree hash (1, 40) is not implied by the events"


def test_incremental_verification_starts_at_the_mark(log: Session) -> None:
    record_mark(log, _key(log), _verify(log))
    _append(log, 7)
    report = _verify(log, incremental=True)
    assert report.ok, report.problem
    assert (report.from_size, report.size, report.checkpoints) == (23, 30, 7)
    record_mark(log, _key(log), report)
    assert log.scalars(select(CustodyMark.size).order_by(CustodyMark.size)).all() == [23, 30]
    nothing_new = _verify(log, incremental=True)
    assert nothing_new.ok, nothing_new.problem
    assert (nothing_new.from_size, nothing_new.size, nothing_new.checkpoints) == (30, 30, 0)


def test_without_a_mark_incremental_verification_checks_everything(log: Session) -> None:
    report = _verify(log, incremental=True)
    assert report.ok, report.problem
    assert (report.from_size, report.size) == (0, 23)


def test_incremental_checks_the_new_checkpoints_signatures(log: Session) -> None:
    record_mark(log, _key(log), _verify(log))
    _append(log, 3)
    stored = log.get(CustodyCheckpoint, 24)
    assert stored is not None
    impostor = LogKey.generate(ORIGIN)
    forged = impostor.sign_note(stored.note[: stored.note.rfind("\n\n") + 1])
    log.execute(update(CustodyCheckpoint).where(CustodyCheckpoint.size == 24).values(note=forged))
    report = _verify(log, incremental=True)
    assert report.problem is not None
    assert report.problem.message.startswith("checkpoint of size 24: note: not signed by")


def test_a_rewritten_border_below_the_mark_fails_incremental_verification(log: Session) -> None:
    record_mark(log, _key(log), _verify(log))
    _append(log, 2)
    # The border of 23 is (4, 0), (2, 4), (1, 10), (0, 22).
    log.execute(
        update(CustodyNode)
        .where(CustodyNode.level == 1, CustodyNode.idx == 10)
        .values(hash=b"\x00" * 32)
    )
    report = _verify(log, incremental=True)
    assert report.problem is not None
    assert "below the verified mark of size 23 no longer hash to its root" in report.problem.message


def test_a_rewritten_row_below_the_mark_is_for_the_whole_log_verification(log: Session) -> None:
    """What the module docstring says incremental verification cannot see, and what does."""
    record_mark(log, _key(log), _verify(log))
    leaf = bytes(log.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == 2)) or b"")
    data = decode_leaf(leaf).to_dict() | {"state_after": "closed"}
    rewritten = canonical_bytes(CustodyEvent.from_dict(data))
    log.execute(update(CustodyEntry).where(CustodyEntry.index == 2).values(leaf=rewritten))
    assert _verify(log, incremental=True).ok
    whole = _verify(log)
    assert whole.problem is not None
    assert whole.problem.index == 2


def test_events_removed_below_a_mark_are_named(log: Session) -> None:
    record_mark(log, _key(log), _verify(log))
    # Cut the log back to 20 events consistently: rows, nodes, checkpoints and head.
    log.execute(delete(CustodyEntry).where(CustodyEntry.index >= 20))
    log.execute(delete(CustodyCheckpoint).where(CustodyCheckpoint.size > 20))
    for level in range(5):
        log.execute(
            delete(CustodyNode).where(CustodyNode.level == level, CustodyNode.idx >= 20 >> level)
        )
    log.execute(update(CustodyHead).values(size=20))
    for incremental in (False, True):
        report = _verify(log, incremental=incremental)
        assert report.problem is not None
        assert report.problem.message.startswith(
            "is missing: the log was verified up to 23 events at "
        )


def test_a_forged_mark_is_named(log: Session) -> None:
    report = _verify(log)
    impostor = LogKey.generate(ORIGIN)
    mark = VerifiedMark(ORIGIN, 23, report.root_hash or b"", "2026-01-01T00:00:00.000000Z")
    log.add(CustodyMark(size=23, note=sign_mark(impostor, mark)))
    log.flush()
    problem = _verify(log, incremental=True).problem
    assert problem is not None
    assert problem.message.startswith("verified mark of size 23: note: not signed by")


def test_a_failed_verification_leaves_no_mark(log: Session) -> None:
    log.execute(update(CustodyEntry).where(CustodyEntry.index == 4).values(leaf=b"{}"))
    assert record_mark(log, _key(log), _verify(log)) is None
    assert log.scalar(select(CustodyMark.size)) is None


# ----------------------------------------------------------------------------- jobs


@pytest.fixture
def committed(databases: Any) -> Iterator[sessionmaker[Session]]:
    """A database of its own whose rows are committed, as a job in its own sessions sees them."""
    engine = create_db_engine(databases.new("custody_jobs"))
    upgrade_to_head(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        custody.ensure_log_key(session, kek=KEK, origin=ORIGIN)
        _append(session, 12, per_checkpoint=3)
        session.commit()
    yield factory
    engine.dispose()


def _run(
    factory: sessionmaker[Session], session: Session, kind: str, key: LogKey | None
) -> CustodyVerification:
    """Start a job as a request does: recorded and committed, then run (inline), re-read."""
    with unit_of_work(session):
        job, new = start_job(session, kind=kind, started_by="auditor")
    assert new
    launch(factory, job.id, key, inline=True)
    session.refresh(job)
    return job


def test_a_job_runs_to_its_end_and_leaves_a_mark_then_an_incremental_one(
    committed: sessionmaker[Session],
) -> None:
    with committed() as session:
        key = _key(session)
        job = _run(committed, session, "full", key)
        assert (job.state, job.done, job.size, job.checkpoints) == ("passed", 12, 12, 4)
        _append(session, 5)
        session.commit()
        again = _run(committed, session, "incremental", key)
        assert (again.state, again.from_size, again.done, again.checkpoints) == (
            "passed",
            12,
            17,
            5,
        )
        assert session.scalars(select(CustodyMark.size).order_by(CustodyMark.size)).all() == [
            12,
            17,
        ]


def test_a_job_names_the_problem_it_found(committed: sessionmaker[Session]) -> None:
    with committed() as session:
        session.execute(update(CustodyEntry).where(CustodyEntry.index == 7).values(leaf=b"{}"))
        session.commit()
        job = _run(committed, session, "full", _key(session))
        assert job.state == "failed"
        assert job.problem == "entry 7: event: fields are []"
        assert session.scalar(select(CustodyMark.size)) is None


def test_a_running_job_is_joined_not_doubled(committed: sessionmaker[Session]) -> None:
    with committed() as session:
        running = CustodyVerification(
            kind="full",
            state="running",
            started_by="auditor",
            from_size=0,
            size=0,
            done=0,
            checkpoints=0,
        )
        session.add(running)
        session.commit()
        with unit_of_work(session):
            joined, new = start_job(session, kind="incremental", started_by="admin")
        job_id = running.id
        assert (joined.id, new) == (job_id, False)
    run_job(committed, job_id, None)
    with committed() as session:
        assert session.get(CustodyVerification, job_id).state == "passed"  # type: ignore[union-attr]


def test_chunked_reads_leave_no_transaction_open(committed: sessionmaker[Session]) -> None:
    """Each read ends its transaction: a writer on another connection is never kept waiting."""
    reads: list[bool] = []

    def reader_then_write(fn):  # type: ignore[no-untyped-def]
        result = chunked_reader(committed)(fn)
        with committed() as writer:  # would wait (SQLite) behind an open write lock
            _append(writer, 1)
            writer.commit()
        reads.append(True)
        return result

    report = verify_chunked(reader_then_write, chunk=4)
    assert report.ok, report.problem
    assert report.size == 12  # the size the first snapshot fixed, whatever came after
    assert len(reads) >= 4
