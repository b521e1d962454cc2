"""What proof costs a submission: RFC 3161 time-stamps and the witnesses' round trips.

Prints, measured in the same run:

* one time-stamp round trip (query, reply, Arna's verification of the token) from
  each local TSA — OpenSSL's ``openssl ts -reply`` (a new process per token) and
  pyHanko's RFC 3161 responder in one long-running process — and one witness
  round trip (``add-checkpoint`` with a consistency proof to a witness process,
  cosignature verified), each beside the bare HTTP round trip to the same server
  (the lower bound of any remote call), with the CPU the TSA or witness process
  spent per answer;
* submissions over HTTP (bench/submit.py's gunicorn, 2 workers, 16 clients in a
  process of their own) with nothing configured, with a TSA only, and with a TSA
  and 2 witnesses (all local, each a process of its own). The receipt records the
  time-stamps owed in its transaction; the tokens, the cosignatures and the
  checkpoint's stamp are fetched after commit by each worker's background
  publisher, so a submission waits for none of them. The CPU is counted from the
  clients' start until the proof has caught up (every owed stamp stored, the
  newest checkpoint cosigned by every witness) and printed per accepted letter:
  the gunicorn workers (and, of that, the publisher thread), their PostgreSQL
  backends, the TSA process (with the ``openssl`` processes it ran) and the
  witness processes. The last lines say what proof added per letter.

    .venv/bin/python bench/proof.py [--seconds 8] [--clients 16] [--only sqlite|postgresql]
                                    [--tsa pyhanko|openssl] [--pg-url URL]
    e.g.  .venv/bin/python bench/proof.py --only postgresql

It needs ``openssl`` and the local PostgreSQL of bench/submit.py (``--pg-url``,
default ``$ARNA_BENCH_PG_URL`` or the local ``test`` database). The TSA and
witnesses share the machine's cores with the service: their CPU is what a local
one costs here, not what a real TSA or witness elsewhere costs. Each line of
submissions carries the machine's load average when it ended: on a machine
shared with other work the figures are "under load".
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import submit  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from proof_services import Engine, tsa_process, witness_processes  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from custody.note import Checkpoint, LogKey, sign_checkpoint  # noqa: E402
from custody.tree import MemoryStore, MerkleTree  # noqa: E402
from custody.witness import AddCheckpoint  # noqa: E402
from custody.witness_http import WitnessEndpoint  # noqa: E402
from custody.witness_http import submit as add_checkpoint  # noqa: E402
from registry.db import create_db_engine  # noqa: E402
from registry.models.custody import CustodyCheckpoint  # noqa: E402
from registry.models.proof import (  # noqa: E402
    SIGNATURE_PENDING,
    SIGNATURE_TIMESTAMP,
    Evidence,
    WitnessState,
)
from registry.services.custody import verifier_key  # noqa: E402
from registry.services.proofs import THREAD_NAME  # noqa: E402
from signing.timestamp import request_timestamp, verify_timestamp  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def _timed(call: Callable[[], object], repeat: int) -> float:
    """Median seconds of ``call``."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _bare_round_trip(url: str) -> float:
    host = url.split("//", 1)[1].split("/", 1)[0]

    def call() -> None:
        conn = http.client.HTTPConnection(host, timeout=5)
        conn.request("GET", "/nothing-here")
        conn.getresponse().read()
        conn.close()

    return _timed(call, 50)


def _process_cpu(pids: list[int]) -> float:
    """CPU seconds the processes ``pids`` and the children they waited for have used."""
    return submit._cpu(pids, children=True)


def _thread_cpu(pids: list[int], name: str) -> float:
    """CPU seconds the threads called ``name`` (in the OS) of the processes ``pids`` have used."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                if (task / "comm").read_text().strip() != name:
                    continue
                fields = (task / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
    return total / TICK


def _stamped(url: str, data: bytes, root: x509.Certificate) -> None:
    """Ask for a token and verify it, as the publisher does."""
    verify_timestamp(request_timestamp(url, data), data, [root])


def round_trips(tmp: Path) -> None:
    """One time-stamp from each TSA and one witness round trip, beside bare HTTP round trips."""
    print("== round trips on 127.0.0.1 (median; CPU of the TSA or witness process per answer)")
    data = b"checkpoint body\n"
    engines: tuple[Engine, ...] = ("openssl", "pyhanko")
    for engine in engines:
        (tmp / engine).mkdir()
        with tsa_process(tmp / engine, engine) as tsa:
            assert tsa.pid is not None
            request_timestamp(tsa.url, data)
            before = _process_cpu([tsa.pid])
            stamp = _timed(partial(_stamped, tsa.url, data, tsa.root), 30)
            cpu = (_process_cpu([tsa.pid]) - before) / 30
            bare = _bare_round_trip(tsa.url)
        label = "openssl ts -reply, a process per token" if engine == "openssl" else "pyHanko"
        print(
            f"   time-stamp ({label + ')':<40} {stamp * 1000:7.2f} ms   "
            f"(bare HTTP round trip {bare * 1000:.2f} ms; TSA CPU {cpu * 1000:.2f} ms/token)"
        )
    key = LogKey.generate("bench.arna/custody")
    (tmp / "w").mkdir()
    with witness_processes(tmp / "w", key.verifier_key, count=1) as (witness,):
        endpoint = WitnessEndpoint.parse(witness.config)
        tree = MerkleTree(MemoryStore())
        size = 0

        def grow() -> None:
            nonlocal size
            tree.append(f"event {size}".encode())
            old, size = size, size + 1
            checkpoint = Checkpoint(key.name, size, tree.root(size))
            proof = tree.consistency_proof(old, size) if old else []
            note = sign_checkpoint(key, checkpoint)
            add_checkpoint(endpoint, AddCheckpoint(old, tuple(proof), note), checkpoint.body(), 5)

        grow()
        before = _process_cpu([witness.process.pid])
        cosign = _timed(grow, 100)
        cpu = (_process_cpu([witness.process.pid]) - before) / 100
        bare = _bare_round_trip(witness.url)
    print(
        f"   {'witness cosignature':<52} {cosign * 1000:7.2f} ms   "
        f"(bare HTTP round trip {bare * 1000:.2f} ms; witness CPU {cpu * 1000:.2f} ms/checkpoint)"
    )


@dataclass(frozen=True)
class Setup:
    """What a run of submissions has configured."""

    label: str
    tsa: bool
    witnesses: int


SETUPS = (
    Setup("no TSA, no witness", tsa=False, witnesses=0),
    Setup("TSA only", tsa=True, witnesses=0),
    Setup("TSA + 2 witnesses", tsa=True, witnesses=2),
)


@dataclass
class Figures:
    """One run's throughput and the CPU it cost per accepted letter (seconds)."""

    rate: float
    workers: float
    publisher: float
    database: float | None
    tsa: float
    witnesses: float


def _caught_up(url: str, witnesses: int, timeout: float = 120.0) -> float | None:
    """Seconds until no stamp is owed and every witness cosigned the newest checkpoint
    (None: not within ``timeout``)."""
    engine = create_db_engine(url)
    start = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            with Session(engine) as session:
                owed = session.scalar(
                    select(func.count(Evidence.id)).where(Evidence.kind == SIGNATURE_PENDING)
                )
                newest = session.scalar(select(func.max(CustodyCheckpoint.size)))
                cosigned = session.scalars(
                    select(WitnessState.cosigned_size).where(WitnessState.last_error.is_(None))
                ).all()
            if not owed and sum(1 for size in cosigned if size == newest) >= witnesses:
                return time.monotonic() - start
            time.sleep(0.2)
        return None
    finally:
        engine.dispose()


def _run(
    kind: str, setup: Setup, args: argparse.Namespace, tmp: Path, pg_url: str
) -> Figures | None:
    """One submit.py run on a fresh database with ``setup``'s services; its figures."""
    url, schema = submit._database(kind, tmp, pg_url)
    try:
        prefix = f"MINHEALTH-PROOF-{secrets.token_hex(3).upper()}-"
        token, letters, env = submit._prepare(url, tmp, int(args.seconds * 400) + 200, prefix)
        engine = create_db_engine(url)
        with Session(engine) as session:
            log_key = verifier_key(session)
        engine.dispose()
        assert log_key is not None, "bootstrap appends events, so the log key exists"
        services: list[int] = []
        with ExitStack() as stack:
            if setup.tsa:
                (tmp / "tsa").mkdir()
                tsa = stack.enter_context(tsa_process(tmp / "tsa", args.tsa))
                assert tsa.pid is not None
                roots = tmp / "tsa-roots.pem"
                roots.write_bytes(tsa.root.public_bytes(Encoding.PEM))
                env |= {"ARNA_TSA_URL": tsa.url, "ARNA_TSA_ROOTS": str(roots)}
            witnesses = []
            if setup.witnesses:
                (tmp / "witnesses").mkdir()
                witnesses = stack.enter_context(
                    witness_processes(tmp / "witnesses", log_key, count=setup.witnesses)
                )
                env["ARNA_WITNESSES"] = ";".join(w.config for w in witnesses)
            services = [w.process.pid for w in witnesses]
            port = submit._free_port()
            server = submit._serve(env, port)
            try:
                workers = submit._children(server.pid)

                def cpu() -> tuple[float, float, float | None, float, float]:
                    return (
                        submit._cpu(workers),
                        _thread_cpu(workers, THREAD_NAME),
                        submit._backend_cpu(url, schema),
                        _process_cpu([tsa.pid]) if setup.tsa and tsa.pid else 0.0,
                        _process_cpu(services),
                    )

                before = cpu()
                run = submit._drive_elsewhere(port, token, letters, args.seconds, args.clients)
                caught = _caught_up(url, setup.witnesses) if setup.tsa or setup.witnesses else 0.0
                after = cpu()
            finally:
                server.terminate()
                server.wait(timeout=30)
        stored, _ = submit._stored(url, prefix)
        stamps = _count_stamps(url) if setup.tsa else None
    finally:
        submit._drop(pg_url, schema)
    lat = sorted(run.latencies)
    ok = len(lat)
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
    proof = f", {stamps} signature stamps" if stamps is not None else ""
    print(
        f"   {setup.label:<19} {ok / run.elapsed:7.1f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"errors {sum(run.errors.values())}  stored {stored}/{ok}{proof}  "
        f"(load {submit._load()})"
    )
    if not ok:
        return None
    backends = after[2] - before[2] if after[2] is not None and before[2] is not None else None
    figures = Figures(
        rate=ok / run.elapsed,
        workers=(after[0] - before[0]) / ok,
        publisher=(after[1] - before[1]) / ok,
        database=backends / ok if backends is not None else None,
        tsa=(after[3] - before[3]) / ok,
        witnesses=(after[4] - before[4]) / ok,
    )
    database = f" + PostgreSQL {figures.database * 1000:.2f}" if figures.database else ""
    line = (
        f"      CPU/letter: workers {figures.workers * 1000:.2f} ms (publisher thread "
        f"{figures.publisher * 1000:.2f}){database}"
    )
    if setup.tsa:
        line += f" + TSA {figures.tsa * 1000:.2f}"
    if setup.witnesses:
        line += f" + witnesses {figures.witnesses * 1000:.2f}"
    if caught is None:
        line += "; the proof had NOT caught up 120 s after the clients stopped"
    elif setup.tsa or setup.witnesses:
        line += f"; proof caught up {caught:.1f} s after the clients stopped"
    print(line)
    return figures


def _count_stamps(url: str) -> int:
    engine = create_db_engine(url)
    with Session(engine) as session:
        stamps = session.scalar(
            select(func.count(Evidence.id)).where(Evidence.kind == SIGNATURE_TIMESTAMP)
        )
    engine.dispose()
    return int(stamps or 0)


def _total(figures: Figures) -> float:
    return figures.workers + (figures.database or 0) + figures.tsa + figures.witnesses


def submissions(kind: str, args: argparse.Namespace, tmp: Path) -> None:
    """bench/submit.py's load without proof, with a TSA, and with a TSA and 2 witnesses."""
    print(
        f"== submissions over HTTP, {kind}, gunicorn 2 workers, {args.clients} clients, "
        f"TSA: {args.tsa} (goal: >= 200/s on PostgreSQL with the TSA and witnesses local)"
    )
    runs: dict[str, Figures | None] = {}
    for setup in SETUPS:
        (tmp / setup.label).mkdir()
        runs[setup.label] = _run(kind, setup, args, tmp / setup.label, args.pg_url)
    alone = runs[SETUPS[0].label]
    if alone is None:
        return
    for setup in SETUPS[1:]:
        with_proof = runs[setup.label]
        if with_proof is None:
            continue
        print(
            f"   {setup.label} adds "
            f"{(_total(with_proof) - _total(alone)) * 1000:5.2f} ms CPU/letter "
            f"(in the workers {(with_proof.workers - alone.workers) * 1000:.2f}, of which the "
            f"publisher {with_proof.publisher * 1000:.2f}; outside them "
            f"{(with_proof.tsa + with_proof.witnesses) * 1000:.2f}) to the submission's "
            f"{_total(alone) * 1000:.2f}: {with_proof.rate:.0f}/s beside {alone.rate:.0f}/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--tsa",
        choices=("pyhanko", "openssl"),
        default="pyhanko",
        help="the local TSA of the submission runs (openssl: a process per token)",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ARNA_BENCH_PG_URL", submit.PG_DEFAULT),
        help="the PostgreSQL database a fresh schema is made in",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arna-bench-proof-") as name:
        tmp = Path(name)
        (tmp / "round-trips").mkdir()
        round_trips(tmp / "round-trips")
        for kind in ("postgresql", "sqlite"):
            if args.only in (None, kind):
                (tmp / kind).mkdir()
                submissions(kind, args, tmp / kind)


if __name__ == "__main__":
    main()
