"""While the auditor verifies a 100,000-event log, everyone else goes on working (issue 11).

The app runs as deployed: its own database (on SQLite a file in WAL mode, where
every transaction takes the write lock from ``BEGIN IMMEDIATE``), the
verification a background thread of the worker. Before chunked reads, the
verification held one read transaction for its whole run, so the officer's
sign-in and submission below waited 30 s and failed with "database is locked".
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import EXTENSION_KEY
from registry.models import CustodyVerification
from registry.services.custody import Actor, NewEvent, append_events
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_demo_keys, ensure_demo_users, ensure_registry

from .conftest import ADMIN_PASSWORD, KEK, PASSWORD, SIGNING_PASSPHRASE
from .test_web_letters import compose_signed, state_of
from .web_fixtures import sign_in

EVENTS = 100_000
BATCH = 1_000  # events per append (one signed checkpoint each): the setup stays fast
CLERK = Actor(user="clerk.mfa", role="mfa_clerk", agency="MFA")


@pytest.fixture(scope="module")
def grown_app(databases: Any, base_config: dict[str, Any]) -> Iterator[Flask]:
    """An app whose custody log holds 100,000 events, its verifications run in threads."""
    app = create_app(
        {
            **base_config,
            "DATABASE_URL": databases.new("custody_live"),
            "ARNA_CUSTODY_JOBS": "thread",
        }
    )
    engine = app.extensions[EXTENSION_KEY].engine
    upgrade_to_head(engine)
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        ensure_registry(session, kek=KEK, admin_password=ADMIN_PASSWORD)
        ensure_demo_users(session, PASSWORD)
        ensure_demo_keys(session, kek=KEK, passphrase=SIGNING_PASSPHRASE)
        for start in range(0, EVENTS, BATCH):
            append_events(
                session,
                [
                    NewEvent(CLERK, "letter:received", f"MFA-2026-{i:06d}", None, "a", "a")
                    for i in range(start, start + BATCH)
                ],
            )
            session.commit()
    yield app
    engine.dispose()


def _job(app: Flask, job_id: int) -> CustodyVerification:
    with Session(app.extensions[EXTENSION_KEY].engine) as session:
        job = session.get(CustodyVerification, job_id)
        assert job is not None
        return job


@pytest.mark.slow
def test_a_letter_is_signed_and_submitted_while_the_whole_log_is_verified(
    grown_app: Flask,
) -> None:
    auditor = sign_in(grown_app, "auditor")
    started = auditor.post("/custody/verify", data={"kind": "full"})
    assert started.status_code == 302
    job_id = int(started.headers["Location"].rsplit("/", 1)[-1])

    began = time.monotonic()
    officer = sign_in(grown_app, "officer.minhealth")
    number = compose_signed(officer)
    assert officer.post(f"/letters/{number}/submit").status_code == 302
    assert state_of(officer, number) == "submitted"
    meanwhile = _job(grown_app, job_id)
    assert meanwhile.state == "running", "the verification ended before the officer did"
    assert time.monotonic() - began < 20  # no request waited out the 30 s busy timeout

    while (job := _job(grown_app, job_id)).state == "running":
        assert time.monotonic() - began < 600, f"still verifying: {job.done} of {job.size}"
        time.sleep(0.5)
    assert job.state == "passed", job.problem
    assert job.done == job.size >= EVENTS
    page = auditor.get(f"/custody/verify/{job_id}").get_data(as_text=True)
    assert "OK: every entry checks." in page
