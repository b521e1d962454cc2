"""Submission throughput over HTTP (issue 4, Speed).

Starts the service with gunicorn (2 workers) on PostgreSQL and on SQLite, has 16
concurrent clients — in a load-generator process of their own, not the bench's —
POST signed ~5 KB letters to ``/api/v1/letters`` for a fixed time, and prints
throughput, p50 and p99 latency, the errors, whether every accepted letter is in
the registry (no lost letter), and whether the custody log verifies (from its last
verified mark: on a fresh database, every event, node and signed checkpoint).
Beside it, the lower bound measured in the same run: the in-process cost of the
same letters' parse + schema check + signature verification, and the submissions
per second two cores could reach if that were all a submission cost. The clients,
gunicorn and the database share the machine's cores, as an outside load generator
on the same machine would.

Goal: at least 200 submissions/s with PostgreSQL, p99 under 150 ms, no error, no
lost letter. The machine's load average is printed beside the figures: on a
machine shared with other work they are "under load".

    .venv/bin/python bench/submit.py [--seconds 10] [--clients 16] [--only sqlite|postgresql]
                                     [--pg-url URL] [--db-url URL] [--outside wrk]
                                     [--profile FOLDER]
    e.g.  .venv/bin/python bench/submit.py --only postgresql --outside wrk

``--outside wrk`` then repeats the same work on the same server with wrk, an
outside load generator (Debian ``wrk``, see scripts/system-deps.sh): the same
token, as many connections, as long, its own set of distinct signed letters
(written to files that ``bench/submit.lua`` reads before it starts). It prints
wrk's throughput and latency percentiles beside our client's figure and their
ratio, counts every answer that is not 201 as an error, and checks that each
letter wrk saw accepted is in the registry. ``--profile FOLDER`` has py-spy record
each gunicorn worker (all threads, idle time too) during our client's run and writes
a flame graph per worker there.

``--pg-url`` is the PostgreSQL database a fresh schema is made in (default
``$ARNA_BENCH_PG_URL``, else the local ``test`` database); ``--db-url`` runs against
that database as it is instead — e.g. a registry grown to 100,000 letters — adding
the run's letters under numbers of their own.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import queue
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from registry import create_app  # noqa: E402
from registry.db import create_db_engine  # noqa: E402
from registry.models import Letter, RegistryNumber, User  # noqa: E402
from registry.services import pki  # noqa: E402
from registry.services.custody import LogReport  # noqa: E402
from registry.services.custody.store import chunked_reader  # noqa: E402
from registry.services.custody.verification import verify_chunked  # noqa: E402
from registry.services.schema import upgrade_to_head  # noqa: E402
from registry.services.setup import (  # noqa: E402
    DEMO_SIGNING_PASSPHRASE,
    ensure_demo_users,
    ensure_registry,
)
from registry.services.tokens import issue_token  # noqa: E402
from signing.letter import build_letter, validate_letter  # noqa: E402
from signing.sign import sign_letter  # noqa: E402
from signing.verify import verify_letter  # noqa: E402
from signing.xmlparse import parse_xml  # noqa: E402

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KEK = secrets.token_hex(32)
OFFICER = "officer.minhealth"
# With the XAdES signature and the officer's certificate, a letter of about 5 KB.
BODY = "The Ministry presents its compliments and has the honour to inform. " * 22


@dataclass
class Run:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database(kind: str, tmp: Path, pg_url: str) -> tuple[str, str | None]:
    """A fresh database URL (and the PostgreSQL schema to drop afterwards)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'bench.db'}", None
    schema = f"arna_bench_{secrets.token_hex(4)}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    # The schema's name as application_name too: :func:`_backend_cpu` finds the
    # server's PostgreSQL backends by it.
    url = make_url(pg_url).update_query_dict(
        {"options": f"-csearch_path={schema}", "application_name": schema}
    )
    return url.render_as_string(hide_password=False), schema


def _drop(pg_url: str, schema: str | None) -> None:
    if schema is None:
        return
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _prepare(
    url: str, tmp: Path, count: int, prefix: str
) -> tuple[str, list[bytes], dict[str, str]]:
    """Set the registry up (idempotent), reserve ``count`` numbers starting with ``prefix``,
    sign ``count`` letters; (token, letters, the service's environment)."""
    config = {"DATABASE_URL": url, "ARNA_KEK": KEK, "SECRET_KEY": KEK, "ARNA_INSTANCE": str(tmp)}
    engine = create_db_engine(url)
    upgrade_to_head(engine)
    app = create_app(config)
    with app.app_context(), Session(engine, expire_on_commit=False) as session:
        ensure_registry(session, kek=KEK, admin_password=secrets.token_hex(12))
        ensure_demo_users(session)
        user = session.scalar(select(User).where(User.username == OFFICER))
        assert user is not None
        pki.enroll_signing_key(session, user.id, DEMO_SIGNING_PASSPHRASE, kek=KEK)
        token = issue_token(session, user.id, "bench").token
        numbers = [f"{prefix}{i:06d}" for i in range(count)]
        session.execute(
            insert(RegistryNumber),
            [{"number": n, "agency_code": "AGENCY:MINHEALTH"} for n in numbers],
        )
        session.commit()
        key = pki.unlock_signing_key(user, DEMO_SIGNING_PASSPHRASE)
    envelope = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": "2026-03-19",
        "language": "en",
    }
    signed = [
        sign_letter(
            build_letter(envelope, registry_number=n, subject=f"Bench {n}", body=BODY),
            key.key,
            key.certificate,
        )
        for n in numbers
    ]
    app.extensions["arna_db"].engine.dispose()
    engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "ARNA_KEK": KEK,
        "SECRET_KEY": KEK,
        "ARNA_INSTANCE": str(tmp),
        "ARNA_COOKIE_SECURE": "0",
    }
    return token, signed, env


def _lower_bound(url: str, tmp: Path, letters: list[bytes]) -> float:
    """Seconds per letter of parse + schema check + signature verification, in process."""
    config = {"DATABASE_URL": url, "ARNA_KEK": KEK, "SECRET_KEY": KEK, "ARNA_INSTANCE": str(tmp)}
    app = create_app(config)
    engine = create_db_engine(url)
    with app.app_context(), Session(engine) as session:
        store = pki.trust_store(session)
    sample = letters[: min(len(letters), 300)]
    verify_letter(sample[0], store)  # warm the path cache, as a running worker has it
    start = time.perf_counter()
    for xml in sample:
        validate_letter(parse_xml(xml))
        result = verify_letter(xml, store)
        assert result.passed, result.report
    app.extensions["arna_db"].engine.dispose()
    engine.dispose()
    return (time.perf_counter() - start) / len(sample)


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def _drive(port: int, token: str, letters: list[bytes], seconds: float, clients: int) -> Run:
    """The load generator: ``clients`` connections posting letters until time or letters run out."""
    work: queue.Queue[bytes] = queue.Queue()
    for xml in letters:
        work.put(xml)
    run = Run()
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/xml"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop_at:
            try:
                xml = work.get_nowait()
            except queue.Empty:
                return
            start = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/letters", body=xml, headers=headers)
                response = conn.getresponse()
                response.read()
                status = str(response.status)
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            took = time.perf_counter() - start
            with lock:
                if status == "201":
                    run.latencies.append(took)
                else:
                    run.errors[status] = run.errors.get(status, 0) + 1
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.elapsed = time.perf_counter() - started
    return run


def _drive_elsewhere(
    port: int, token: str, letters: list[bytes], seconds: float, clients: int
) -> Run:
    """Run :func:`_drive` in a process of its own, so the clients' work is not the bench's."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_drive, (port, token, letters, seconds, clients))


@dataclass
class WrkRun:
    """What wrk saw (its own figures; latencies in seconds) and the letters it had accepted."""

    figures: dict[str, int]
    accepted: list[str]

    @property
    def elapsed(self) -> float:
        return self.figures["duration_us"] / 1e6

    def latency(self, percentile: int) -> float:
        return self.figures[f"p{percentile}_us"] / 1e6

    @property
    def errors(self) -> dict[str, int]:
        kinds = ("refused", "connect", "read", "write", "timeout")
        return {kind: self.figures[kind] for kind in kinds if self.figures[kind]}


def _drive_wrk(
    port: int, token: str, letters: list[bytes], seconds: float, clients: int, tmp: Path
) -> WrkRun:
    """The outside load generator: wrk (``bench/submit.lua``) posting ``letters`` over
    ``clients`` connections for ``seconds``, from files it reads before it starts."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed (scripts/system-deps.sh installs it)")
    folder = tmp / "wrk-letters"
    folder.mkdir()
    for i, xml in enumerate(letters):
        (folder / f"{i:06d}.xml").write_bytes(xml)
    out = tmp / "wrk-out.txt"
    threads = 2  # the machine's cores; wrk's connections are spread over its threads
    subprocess.run(
        [
            wrk,
            f"-t{threads}",
            f"-c{clients}",
            f"-d{seconds:g}s",
            "--timeout",
            "30s",
            "-s",
            str(ROOT / "bench" / "submit.lua"),
            f"http://127.0.0.1:{port}",
            "--",
            str(folder),
            str(len(letters)),
            token,
            str(threads),
        ],
        check=True,
        env={**os.environ, "ARNA_WRK_OUT": str(out)},
        stdout=subprocess.DEVNULL,
    )
    first, *numbers = out.read_text().splitlines()
    return WrkRun(figures=json.loads(first), accepted=numbers)


def _cpu(pids: list[int], *, children: bool = False) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far (0 for gone ones),
    with ``children`` also that of the children they waited for."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        # utime, stime (and cutime, cstime)
        total += sum(int(n) for n in fields[11 : 15 if children else 13])
    return total / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _backend_cpu(url: str, schema: str | None) -> float | None:
    """CPU seconds the service's PostgreSQL backends have used (found by application_name;
    None when they cannot be seen: SQLite, a given database, or a server elsewhere)."""
    if schema is None or make_url(url).host not in ("127.0.0.1", "localhost"):
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT pid FROM pg_stat_activity WHERE application_name = :name"
            pids = [int(pid) for pid in conn.scalars(text(query), {"name": schema})]
            own = int(conn.scalar(text("SELECT pg_backend_pid()")) or 0)
    finally:
        engine.dispose()
    return _cpu([pid for pid in pids if pid != own])


def _spy(workers: list[int], seconds: float, folder: Path) -> list[subprocess.Popen[bytes]]:
    """py-spy (requirements-dev) recording each worker, every thread, idle time too, for
    ``seconds``: a flame graph per worker in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    options = ["--duration", str(max(1, round(seconds))), "--rate", "100", "--threads", "--idle"]
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--nonblocking",
                *options,
                "-o",
                str(folder / f"{pid}.svg"),
                "-p",
                str(pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in workers
    ]


def _stored_numbers(url: str, prefix: str) -> set[str]:
    """The registry numbers starting with ``prefix`` the registry holds letters under."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            query = select(Letter.registry_number).where(Letter.registry_number.like(f"{prefix}%"))
            return set(session.scalars(query))
    finally:
        engine.dispose()


def _stored(url: str, prefix: str) -> tuple[int, LogReport]:
    """How many of the run's letters the registry holds, and the check of its custody log
    (incremental from its last verified mark: everything, on a fresh database)."""
    engine = create_db_engine(url)
    try:
        with Session(engine) as session:
            query = select(func.count(Letter.id)).where(Letter.registry_number.like(f"{prefix}%"))
            stored = int(session.scalar(query) or 0)
        report = verify_chunked(chunked_reader(sessionmaker(engine)), incremental=True)
        return stored, report
    finally:
        engine.dispose()


def bench(
    kind: str,
    seconds: float,
    clients: int,
    *,
    pg_url: str,
    db_url: str | None = None,
    outside: str | None = None,
    profile: Path | None = None,
) -> None:
    """One run on ``kind``; with ``outside="wrk"``, wrk then repeats it on the same server;
    with ``profile``, py-spy records each worker during our client's run into that folder."""
    prefix = f"MINHEALTH-BENCH-{secrets.token_hex(3).upper()}-"
    with tempfile.TemporaryDirectory(prefix=f"arna-bench-{kind}-") as tmp_name:
        tmp = Path(tmp_name)
        url, schema = (db_url, None) if db_url else _database(kind, tmp, pg_url)
        try:
            count = int(seconds * 400) + 200  # more than the goal rate can use
            token, letters, env = _prepare(url, tmp, count * (2 if outside else 1), prefix)
            ours, theirs = letters[:count], letters[count:]
            lower = _lower_bound(url, tmp, ours)
            port = _free_port()
            load = _load()
            server = _serve(env, port)
            try:
                workers = _children(server.pid)
                spies = _spy(workers, seconds, profile) if profile else []
                before = _cpu(workers), _backend_cpu(url, schema)
                each = [_cpu([pid]) for pid in workers]
                run = _drive_elsewhere(port, token, ours, seconds, clients)
                after = _cpu(workers), _backend_cpu(url, schema)
                each = [_cpu([pid]) - start for pid, start in zip(workers, each, strict=True)]
                for spy in spies:
                    spy.wait(timeout=60)
                wrk = _drive_wrk(port, token, theirs, seconds, clients, tmp) if outside else None
            finally:
                server.terminate()
                server.wait(timeout=30)
            numbers = _stored_numbers(url, prefix)
            _, log = _stored(url, prefix)
        finally:
            _drop(pg_url, schema)
    ok = len(run.latencies)
    lat = sorted(run.latencies)
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
    size = sum(map(len, letters)) / len(letters) / 1024
    where = "the given database" if db_url else "a fresh database"
    workers = env.get("ARNA_WORKERS", "2")
    print(
        f"== {kind}, {where}: gunicorn {workers} workers, {clients} clients in a separate "
        f"process, {run.elapsed:.1f} s, {size:.1f} KB letters"
    )
    print(f"   load average       {load}  (before) / {_load()}  (after; 1, 5, 15 min)")
    print(f"   submissions/s      {ok / run.elapsed:8.1f}   (goal >= 200 with PostgreSQL)")
    print(f"   latency p50        {p50:8.1f} ms")
    print(f"   latency p99        {p99:8.1f} ms   (goal < 150 ms)")
    print(f"   errors             {sum(run.errors.values()):8d}   {run.errors or ''}")
    _print_cpu(before, after, ok, lower, each)
    stored = sum(1 for i in range(count) if f"{prefix}{i:06d}" in numbers)
    verdict = "no letter lost" if stored == ok else "MISMATCH"
    print(f"   accepted / stored  {ok:8d} / {stored}   ({verdict})")
    if wrk is not None:
        _print_wrk(wrk, ok / run.elapsed, numbers - {f"{prefix}{i:06d}" for i in range(count)})
    checked = (
        f"events {log.from_size}..{log.size - 1}, {log.checkpoints} checkpoints {log.problem or ''}"
    )
    print(f"   custody log        {'verifies' if log.ok else 'BROKEN':>8}   ({checked.strip()})")
    print(
        f"   lower bound        {lower * 1000:8.2f} ms/letter parse+schema+verify in process "
        f"= {2 / lower:.0f} letters/s on 2 cores"
    )


def _print_cpu(
    before: tuple[float, float | None],
    after: tuple[float, float | None],
    letters: int,
    lower: float,
    each: list[float],
) -> None:
    """The CPU the server spent per accepted letter, also in units of the lower bound
    measured in the same run (at another moment of it: a busy machine still moves the
    ratio), and how that CPU was split between the workers: a keep-alive connection
    stays with the worker that accepted it, and a burst of connections is not spread
    evenly (seen: 12 and 4, then 15 and 1, of 16), so one worker can idle while the
    other queues."""
    if not letters:
        return
    workers = (after[0] - before[0]) / letters
    line = f"   server CPU         {workers * 1000:8.2f} ms/letter in the gunicorn workers"
    total = workers
    if before[1] is not None and after[1] is not None:
        backends = (after[1] - before[1]) / letters
        total += backends
        line += f" + {backends * 1000:.2f} ms in PostgreSQL"
    print(f"{line} = {2 / total:.0f} letters/s if 2 cores did only this")
    print(f"                      {total / lower:8.2f} × the lower bound below")
    spent = sum(each) or 1.0
    split = " / ".join(f"{share / spent:.0%}" for share in sorted(each, reverse=True))
    print(f"   workers' CPU split     {split}")


def _print_wrk(wrk: WrkRun, ours: float, stored: set[str]) -> None:
    """wrk's figures beside our client's rate; every letter wrk saw accepted must be stored
    (the ones still in flight when wrk stopped may be stored unseen: at most one a connection)."""
    created = wrk.figures["created"]
    rate = created / wrk.elapsed
    print(f"   -- the same by wrk (outside load generator), {wrk.elapsed:.1f} s, after the above")
    print(f"   submissions/s      {rate:8.1f}   (wrk / our client = {rate / ours:.3f})")
    for percentile in (50, 90, 99):
        print(f"   latency p{percentile}        {wrk.latency(percentile) * 1000:8.1f} ms")
    print(f"   errors (non-201)   {sum(wrk.errors.values()):8d}   {wrk.errors or ''}")
    lost = set(wrk.accepted) - stored
    unseen = len(stored) - (created - len(lost))
    verdict = "no letter lost" if not lost and len(wrk.accepted) == created else "LOST"
    print(
        f"   accepted / stored  {created:8d} / {len(stored)}   ({verdict}; "
        f"{unseen} stored while in flight at the stop; {wrk.figures['sent']} requests sent)"
    )


def _load() -> str:
    """The machine's load averages (1, 5, 15 min): the other work the figures shared it with."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ARNA_BENCH_PG_URL", PG_DEFAULT),
        help="PostgreSQL database to make a fresh schema in",
    )
    parser.add_argument("--db-url", help="bench this database as it is (e.g. a grown registry)")
    parser.add_argument(
        "--outside",
        choices=("wrk",),
        help="repeat the run with an outside load generator and print the ratio",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FOLDER",
        help="py-spy each gunicorn worker during the run: a flame graph per worker in FOLDER",
    )
    args = parser.parse_args()
    if args.db_url:
        kind = "sqlite" if args.db_url.startswith("sqlite") else "postgresql"
        bench(
            kind,
            args.seconds,
            args.clients,
            pg_url=args.pg_url,
            db_url=args.db_url,
            outside=args.outside,
            profile=args.profile,
        )
        return
    for kind in ("postgresql", "sqlite"):
        if args.only in (None, kind):
            bench(
                kind,
                args.seconds,
                args.clients,
                pg_url=args.pg_url,
                outside=args.outside,
                profile=args.profile,
            )


if __name__ == "__main__":
    main()
