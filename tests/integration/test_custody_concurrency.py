"""Concurrent writers never fork the log, skip an index or lose an event (SQLite and PostgreSQL).

Several processes — as several gunicorn workers would — append hundreds of
events at once, each in its own committed transaction; afterwards the log must
hold exactly every event, indices 0..n-1, and verify in full.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.db import create_db_engine
from registry.models import CustodyCheckpoint, CustodyEntry
from registry.services import custody
from registry.services.schema import upgrade_to_head

KEK = "00" * 32
WORKERS = 4
APPENDS = 150

_WORKER = """
import sys, time
from pathlib import Path
from sqlalchemy.orm import Session
from registry.db import create_db_engine
from registry.services.custody import Actor, append_event, ensure_log_key

url, worker, count, kek, gate = sys.argv[1:6]
count, gate = int(count), Path(gate)
engine = create_db_engine(url)
with Session(engine) as session:
    ensure_log_key(session, kek=kek)  # unwrap once; the key already exists
    session.rollback()
(gate / f"ready-{worker}").touch()
while not (gate / "go").exists():  # start together, so the appends really race
    time.sleep(0.01)
actor = Actor(user=f"worker.{worker}", role="agency_officer", agency="AGENCY:MINHEALTH")
for n in range(count):
    with Session(engine) as session:
        append_event(
            session,
            actor=actor,
            action="letter:registered",
            registry_number=f"W{worker}-{n:04d}",
            letter_sha256=None,
            state_before=None,
            state_after="registered",
        )
        session.commit()
engine.dispose()
"""


@pytest.mark.slow
def test_concurrent_appends_keep_one_tree(databases, tmp_path: Path) -> None:
    url = databases.new("custody_concurrency")
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    with Session(engine) as session:
        custody.ensure_log_key(session, kek=KEK, origin="arna.test/custody")
        session.commit()
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, url, str(w), str(APPENDS), KEK, str(tmp_path)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WORKERS)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
    total = WORKERS * APPENDS
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(CustodyEntry)) == total
        assert session.scalar(select(func.count()).select_from(CustodyCheckpoint)) == total
        leaves = session.scalars(select(CustodyEntry.leaf).order_by(CustodyEntry.index)).all()
        events = [decode_leaf(bytes(leaf)) for leaf in leaves]
        assert [e.index for e in events] == list(range(total))
        numbers = Counter(e.registry_number for e in events)
        assert len(numbers) == total  # every event once: none lost, none doubled
        report = custody.verify_log(session)
        assert report.ok, report.problem
        assert (report.size, report.checkpoints) == (total, total)
    engine.dispose()
