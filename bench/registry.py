"""Inbox, list, search and deep paging as the registry grows: 10k and 100k letters (issue 18).

Grows a registry on PostgreSQL (a schema of its own, dropped afterwards) and serves it
with gunicorn (gunicorn.conf.py, 2 workers); clients in a process of their own ask the
JSON API for the pages people open every day, and the bench prints each figure's p50
and p99 at every size, the growth of p99 between the first and the last size, and
beside it a lower bound: the same SQL the service runs for that page (captured from
the service itself), replayed directly through psycopg.

Goal (issue 18): p99 < 100 ms at 100k letters and within 2x of the 10k figure.

The registry is grown from real letters: ``bootstrap --demo``'s letters, made through
the workflow services (signed XML, route plans, deadlines, parties, custody events,
verification reports), are cloned in bulk under numbers of their own, dated over the
years before, with the history closed or dispatched — all steps met, but for 3 % of
closed letters left with a step open, as real registries have — and a fixed number of
letters still open (work in progress does not grow with the archive). A clone keeps
its template's signed XML (whose header names the template's number: the bytes and
their size are real, the signature is not re-made 100,000 times) and the templates'
custody events only (bench/custody.py measures the log at a million events).

    .venv/bin/python bench/registry.py [--sizes 10000,100000] [--requests 300]
                                       [--clients 2] [--open 400] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # before bench/: `registry` is the package, not this file

import psycopg  # noqa: E402
from sqlalchemy import event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from registry import create_app  # noqa: E402
from registry.db import create_db_engine  # noqa: E402
from registry.models import (  # noqa: E402
    Agency,
    Deadline,
    Letter,
    LetterParty,
    RegistryNumber,
    User,
)
from registry.permissions import Principal  # noqa: E402
from registry.services import letters  # noqa: E402
from registry.services.letters import LetterFilter, State  # noqa: E402
from registry.services.schema import upgrade_to_head  # noqa: E402
from registry.services.setup import (  # noqa: E402
    ensure_demo_keys,
    ensure_demo_letters,
    ensure_demo_users,
    ensure_registry,
)
from registry.services.tokens import issue_token  # noqa: E402
from registry.services.unit_of_work import unit_of_work  # noqa: E402

sys.path.insert(1, str(ROOT / "bench"))
from submit import PG_DEFAULT, _database, _drop, _free_port, _serve  # noqa: E402

KEK = secrets.token_hex(32)
USERS = ("officer.minhealth", "clerk.mfa", "auditor")
WORDS = (
    "vaccination",
    "trade",
    "customs",
    "visa",
    "consular",
    "treaty",
    "investment",
    "water",
    "energy",
    "transit",
    "education",
    "culture",
)
BATCH = 5000
HISTORY_STATES = (State.CLOSED, State.DISPATCHED)


@dataclass(frozen=True)
class Case:
    """One page people open: who asks, the API path, and the service call behind it."""

    name: str
    user: str
    path: str
    call: Callable[[Session, Principal], object]


@dataclass
class Figures:
    p50: float
    p99: float


# ----------------------------------------------------------------------------- growing


def _prepare(url: str, tmp: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The registry, demo users with keys, the demo letters (the templates), API tokens."""
    config = {
        "DATABASE_URL": url,
        "ARNA_KEK": KEK,
        "SECRET_KEY": KEK,
        "ARNA_INSTANCE": str(tmp),
        "ARNA_SERVER_SIGNING": "1",  # the demo letters are signed with the demo's Arna-held keys
    }
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    app = create_app(config)
    with (
        app.app_context(),
        Session(engine, expire_on_commit=False) as session,
        unit_of_work(session),
    ):
        ensure_registry(session, kek=KEK, admin_password=secrets.token_hex(12))
        ensure_demo_users(session)
        ensure_demo_keys(session, kek=KEK)
        ensure_demo_letters(session)
        tokens = {}
        for username in USERS:
            user = session.scalar(select(User).where(User.username == username))
            assert user is not None
            tokens[username] = issue_token(session, user.id, "bench").token
    app.extensions["arna_db"].engine.dispose()
    engine.dispose()
    env = {**os.environ, **config, "ARNA_COOKIE_SECURE": "0"}
    return tokens, env


def _rows(session: Session, table: Any, where: Any) -> list[dict[str, Any]]:
    return [dict(row._mapping) for row in session.execute(select(table).where(where))]


def _grow(url: str, target: int, open_letters: int) -> None:
    """Clone the template letters until the registry holds ``target`` letters."""
    engine = create_db_engine(url)
    rng = random.Random(target)
    with Session(engine) as session:
        templates = _rows(session, Letter.__table__, Letter.registry_number.not_like("%-B%"))
        steps = _rows(
            session, Deadline.__table__, Deadline.letter_id.in_([t["id"] for t in templates])
        )
        links = _rows(
            session, LetterParty.__table__, LetterParty.letter_id.in_([t["id"] for t in templates])
        )
        regid = dict(session.execute(select(Agency.code, Agency.registry_id)).all())
        have = int(session.scalar(select(func.count(Letter.id))) or 0)
        next_id = int(session.scalar(select(func.max(Letter.id))) or 0) + 1
    open_templates = [t for t in templates if t["state"] not in HISTORY_STATES]
    today = date.today()
    now = datetime.now(UTC)
    for first in range(have, target, BATCH):
        numbers, rows, deadlines, parties = [], [], [], []
        for i in range(first, min(first + BATCH, target)):
            still_open = i >= target - open_letters
            template = rng.choice(open_templates if still_open else templates)
            letter_id = next_id
            next_id += 1
            day = today - timedelta(days=(target - i) // 40)
            number = f"{regid[template['agency_code']]}-{day.year}-B{i:07d}"
            numbers.append({"number": number, "agency_code": template["agency_code"]})
            row = {**template, "id": letter_id, "registry_number": number, "letter_date": day}
            row["subject"] = f"{template['subject']} on {rng.choice(WORDS)} ({i})"
            row["created_at"] = row["updated_at"] = now - timedelta(days=(target - i) // 40)
            if not still_open:
                row["state"] = rng.choice(HISTORY_STATES).value
            rows.append(row)
            left_open = row["state"] == State.CLOSED and rng.random() < 0.03
            for step in steps:
                if step["letter_id"] != template["id"]:
                    continue
                copy = {k: v for k, v in step.items() if k != "id"}
                copy["letter_id"] = letter_id
                if not still_open and not left_open:
                    copy["done_at"] = copy["done_at"] or now
                    copy["due"] = copy["due"] or day + timedelta(days=14)
                deadlines.append(copy)
            parties.extend(
                {**link, "letter_id": letter_id}
                for link in links
                if link["letter_id"] == template["id"]
            )
        with Session(engine) as session:
            session.execute(insert(RegistryNumber.__table__), numbers)
            session.execute(insert(Letter.__table__), rows)
            if deadlines:
                session.execute(insert(Deadline.__table__), deadlines)
            session.execute(insert(LetterParty.__table__), parties)
            session.commit()
    with engine.begin() as connection:
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('letters', 'id'), max(id)) FROM letters")
        )
    # As autovacuum would have by then: statistics, and the visibility map index-only scans use.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in ("letters", "deadlines", "letter_parties", "registry_numbers"):
            connection.execute(text(f"VACUUM ANALYZE {table}"))
    engine.dispose()


# ----------------------------------------------------------------------------- the pages


def _cases(url: str, size: int) -> list[Case]:
    """The pages measured, their parameters read from the grown registry."""
    engine = create_db_engine(url)
    with Session(engine) as session:
        ids = session.scalars(
            select(Letter.id).order_by(Letter.id.desc()).offset(size * 9 // 10).limit(1)
        )
        deep = int(ids.one())
        middle = session.scalar(
            select(Letter.registry_number).order_by(Letter.id).offset(size // 2).limit(1)
        )
    engine.dispose()
    assert middle is not None
    fragment = middle[-9:]  # "-B0050000": a substring, not a prefix
    page = LetterFilter(limit=50)
    return [
        Case("inbox, agency officer", "officer.minhealth", "/api/v1/inbox?limit=50", _inbox),
        Case("inbox, MFA clerk", "clerk.mfa", "/api/v1/inbox?limit=50", _inbox),
        Case("inbox, auditor", "auditor", "/api/v1/inbox?limit=50", _inbox),
        Case(
            "list, first page",
            "officer.minhealth",
            "/api/v1/letters?limit=50",
            lambda s, p: letters.list_letters(s, p, page),
        ),
        Case(
            "search, registry number",
            "auditor",
            f"/api/v1/letters?limit=50&q={urllib.parse.quote(fragment)}",
            lambda s, p: letters.list_letters(s, p, LetterFilter(limit=50, text=fragment)),
        ),
        Case(
            "search, subject word",
            "officer.minhealth",
            "/api/v1/letters?limit=50&q=vaccination",
            lambda s, p: letters.list_letters(s, p, LetterFilter(limit=50, text="vaccination")),
        ),
        Case(
            "deep page (cursor, 90 %)",
            "auditor",
            f"/api/v1/letters?limit=50&cursor={deep}",
            lambda s, p: letters.list_letters(s, p, LetterFilter(limit=50, cursor=deep)),
        ),
        Case(
            "deep page by offset (old way)",
            "auditor",
            f"/api/v1/letters?limit=50&offset={size * 9 // 10}",
            lambda s, p: letters.list_letters(s, p, LetterFilter(limit=50, offset=size * 9 // 10)),
        ),
    ]


def _inbox(session: Session, principal: Principal) -> object:
    return letters.inbox(session, principal, limit=50, due_soon_workdays=2)


def _figures(latencies: list[float]) -> Figures:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return Figures(statistics.median(ordered) * 1000, p99 * 1000)


def _client(port: int, path: str, token: str, count: int, latencies: list[float]) -> None:
    """One connection asking ``path`` ``count`` times (after 3 answers that warm the worker)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for n in range(count + 3):
        start = time.perf_counter()
        conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = conn.getresponse()
        response.read()
        took = time.perf_counter() - start
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status}")
        if n >= 3:
            latencies.append(took)  # list.append is atomic under the GIL
    conn.close()


def _drive(
    port: int, cases: list[tuple[str, str, str]], requests: int, clients: int
) -> dict[str, Figures]:
    """The clients: for each page, ``clients`` connections asking ``requests`` times in all."""
    figures = {}
    for name, token, path in cases:
        latencies: list[float] = []
        threads = [
            threading.Thread(
                target=_client, args=(port, path, token, requests // clients, latencies)
            )
            for _ in range(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        figures[name] = _figures(latencies)
    return figures


def _through_http(
    env: dict[str, str], tokens: dict[str, str], cases: list[Case], requests: int, clients: int
) -> dict[str, Figures]:
    port = _free_port()
    server = _serve(env, port)
    try:
        asked = [(c.name, tokens[c.user], c.path) for c in cases]
        context = multiprocessing.get_context("spawn")
        with context.Pool(1) as pool:
            return pool.apply(_drive, (port, asked, requests, clients))
    finally:
        server.terminate()
        server.wait(timeout=30)


def _statements(url: str, case: Case) -> list[tuple[str, Any]]:
    """The SQL (with its parameters) the service runs for ``case``."""
    engine = create_db_engine(url)
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    with Session(engine) as session:
        user = session.scalar(select(User).where(User.username == case.user))
        assert user is not None
        principal = Principal.of(user)
        event.listen(engine, "before_cursor_execute", record)
        case.call(session, principal)
        event.remove(engine, "before_cursor_execute", record)
    engine.dispose()
    return seen


def _lower_bound(url: str, cases: list[Case], requests: int) -> dict[str, Figures]:
    """Each page's SQL replayed directly through psycopg, one connection, ``requests`` times."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    figures = {}
    with psycopg.connect(dsn, autocommit=True) as conn:
        for case in cases:
            statements = _statements(url, case)
            latencies = []
            for n in range(requests + 3):
                start = time.perf_counter()
                for statement, parameters in statements:
                    conn.execute(statement, parameters).fetchall()
                if n >= 3:
                    latencies.append(time.perf_counter() - start)
            figures[case.name] = _figures(latencies)
    return figures


# ----------------------------------------------------------------------------- the bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=300, help="per page and size")
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--open", type=int, default=400, help="letters still open, any size")
    parser.add_argument("--pg-url", default=os.environ.get("ARNA_BENCH_PG_URL", PG_DEFAULT))
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, tuple[dict[str, Figures], dict[str, Figures]]] = {}
    with tempfile.TemporaryDirectory(prefix="arna-bench-registry-") as tmp_name:
        url, schema = _database("postgresql", Path(tmp_name), args.pg_url)
        try:
            tokens, env = _prepare(url, Path(tmp_name))
            for size in sizes:
                started = time.perf_counter()
                _grow(url, size, args.open)
                print(
                    f"grown to {size:,} letters in {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
                cases = _cases(url, size)
                http_figures = _through_http(env, tokens, cases, args.requests, args.clients)
                results[size] = (http_figures, _lower_bound(url, cases, args.requests))
                names = [c.name for c in cases]
        finally:
            _drop(args.pg_url, schema)
    first, last = sizes[0], sizes[-1]
    print(
        f"\n== PostgreSQL, gunicorn 2 workers, {args.clients} clients in another process, "
        f"{args.requests} requests per page; ms"
    )
    head = "".join(f"{f'{size:,} p50/p99':>20}" for size in sizes)
    sql_head = f"SQL alone p50/p99 at {last:,}"
    print(f"{'page':32}{head}{'p99 growth':>12}{sql_head:>34}")
    for name in names:
        cells = "".join(
            f"{results[s][0][name].p50:10.1f} /{results[s][0][name].p99:7.1f}" for s in sizes
        )
        growth = results[last][0][name].p99 / results[first][0][name].p99
        sql = results[last][1][name]
        print(f"{name:32}{cells}{growth:11.2f}x{sql.p50:22.2f} /{sql.p99:7.2f}")
    print("goal: p99 < 100 ms at 100k and within 2x of 10k (the offset row shows the old way)")


if __name__ == "__main__":
    main()
