"""Custody verifications as jobs: recorded, run in the background, polled for progress.

A job runs in a daemon thread of the worker that started it (or inline, when
configured), reading the log through short transactions of its own
(``verification``); its row, updated after each chunk, is how every worker's
pages and API show its progress and result. A worker that dies mid-job leaves
a row that stops moving: after ``STALE_AFTER`` it reads as ``interrupted``.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from custody.note import LogKey
from registry.db import utcnow
from registry.models.custody_verification import CustodyVerification
from registry.services.custody.store import chunked_reader
from registry.services.custody.verification import record_mark, verify_chunked
from registry.services.errors import Invalid, NotFound
from registry.services.unit_of_work import unit_of_work

STALE_AFTER = timedelta(minutes=2)
"""A running job whose progress has not moved for this long died with its worker."""

KINDS = ("full", "incremental")


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


def start_job(session: Session, *, kind: str, started_by: str) -> tuple[CustodyVerification, bool]:
    """Record a verification job (flushed; :func:`launch` runs it once committed) and True,
    or the one already running and False: it is joined, not doubled."""
    if kind not in KINDS:
        raise Invalid(f"kind: one of {', '.join(KINDS)}", details=["kind"])
    job = running_job(session)
    if job is not None:
        return job, False
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
    session.flush()
    return job, True


def launch(
    factory: sessionmaker[Session], job_id: int, key: LogKey | None, *, inline: bool = False
) -> None:
    """Run a committed job: in a daemon thread of this worker, or ``inline`` before returning."""
    if inline:
        run_job(factory, job_id, key)
        return
    thread = threading.Thread(
        target=run_job, args=(factory, job_id, key), name=f"custody-verify-{job_id}", daemon=True
    )
    thread.start()


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
        with factory() as session, unit_of_work(session):
            session.execute(
                update(CustodyVerification)
                .where(CustodyVerification.id == job_id)
                .values(updated_at=utcnow(), **values)
            )

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
    with factory() as session, unit_of_work(session):
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
