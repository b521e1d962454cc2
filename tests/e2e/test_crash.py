"""Issue 11: kill -9 under load. Gunicorn's master and workers are SIGKILLed while clients
compose, sign and submit letters; after a restart every acknowledged letter is there in
at least the acknowledged state, every stored letter agrees with its custody trail (the
row and its events were committed together or not at all), and the custody log verifies.

Runs on the database TEST_DATABASE_URL selects (PostgreSQL in CI, SQLite by default).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from registry.services.deadlines import today_kz
from registry.services.setup import DEMO_PASSWORD, DEMO_SIGNING_PASSPHRASE

from .conftest import (
    BIN,
    ROOT,
    Person,
    bootstrap_demo,
    free_port,
    fresh_database,
    service_env,
    start_gunicorn,
)

pytestmark = pytest.mark.slow

CLIENTS = 6
LOAD_SECONDS = 6
SUBJECT = "Written under load, then killed"
# The order a letter moves in; an acknowledged state may since have moved further.
PROGRESS = ["draft", "signed", "submitted"]


class Acknowledged:
    """The state each letter was last acknowledged in (a 2xx answer), shared by clients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.states: dict[str, str] = {}

    def record(self, number: str, state: str) -> None:
        with self.lock:
            self.states[number] = state


def _client(base: str, headers: dict[str, str], acked: Acknowledged, stop: threading.Event) -> None:
    http = requests.Session()
    http.headers.update(headers)
    envelope = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": today_kz().isoformat(),
    }
    while not stop.is_set():
        try:
            draft = http.post(
                f"{base}/api/v1/drafts",
                json={"envelope": envelope, "subject": SUBJECT, "body": "Under load."},
                timeout=30,
            )
            if draft.status_code != 201:
                continue
            number = draft.json()["registry_number"]
            acked.record(number, "draft")
            signed = http.post(
                f"{base}/api/v1/letters/{number}/sign",
                json={"passphrase": DEMO_SIGNING_PASSPHRASE},
                timeout=30,
            )
            if signed.status_code != 200:
                continue
            acked.record(number, "signed")
            if http.post(f"{base}/api/v1/letters/{number}/submit", timeout=30).status_code == 200:
                acked.record(number, "submitted")
        except requests.RequestException:
            return  # the server is gone


@pytest.fixture
def crash_site(tmp_path: Path) -> Iterator[tuple[str, dict[str, str], Path]]:
    """A database and instance of its own (the other e2e tests' server stays untouched)."""
    with fresh_database(tmp_path) as url:
        env = service_env(url, tmp_path / "instance")
        bootstrap_demo(env)
        yield url, env, tmp_path / "gunicorn.log"


def test_kill_9_under_load_loses_no_acknowledged_letter_and_custody_verifies(
    crash_site: tuple[str, dict[str, str], Path],
) -> None:
    url, env, log = crash_site
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, log)
    headers = Person(base, "officer.minhealth", DEMO_PASSWORD).api_token()
    acked, stop = Acknowledged(), threading.Event()
    clients = [
        threading.Thread(target=_client, args=(base, headers, acked, stop), daemon=True)
        for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()
    time.sleep(LOAD_SECONDS)
    os.killpg(server.pid, signal.SIGKILL)  # the master and every worker, mid-request
    server.wait(timeout=30)
    stop.set()
    for client in clients:
        client.join(timeout=60)
    assert len(acked.states) >= CLIENTS, "the load never got going"

    restarted = start_gunicorn(env, free_port(), log)
    try:
        _check_letters(url, acked.states)
        verified = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "custody", "verify", "--quiet"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("OK")
    finally:
        os.killpg(restarted.pid, signal.SIGTERM)
        restarted.wait(timeout=30)


def _check_letters(url: str, acknowledged: dict[str, str]) -> None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            stored = {
                number: (state, bool(verified))
                for number, state, verified in conn.execute(
                    text(
                        "SELECT registry_number, state, verification IS NOT NULL FROM letters"
                        " WHERE subject = :s"
                    ),
                    {"s": SUBJECT},
                )
            }
            trails: dict[str, list[dict[str, object]]] = {}
            for number, leaf in conn.execute(
                text(
                    "SELECT registry_number, leaf FROM custody_events"
                    ' WHERE registry_number IS NOT NULL ORDER BY "index"'
                )
            ):
                trails.setdefault(number, []).append(json.loads(bytes(leaf)))
    finally:
        engine.dispose()

    for number, state in acknowledged.items():
        assert number in stored, f"acknowledged letter {number} was lost"
        now = stored[number][0]
        assert PROGRESS.index(now) >= PROGRESS.index(state), (number, state, now)
    for number, (state, verified) in stored.items():
        trail = trails.get(number)
        assert trail, f"{number} is stored without its custody trail"
        assert trail[-1]["state_after"] == state, f"{number} disagrees with its custody trail"
        assert verified == (state != "draft"), f"{number} is {state}, verified: {verified}"
