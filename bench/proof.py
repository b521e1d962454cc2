"""What proof costs a submission: an RFC 3161 time-stamp and the witnesses' round trips.

Prints, measured in the same run:

* one time-stamp round trip (query, ``openssl ts -reply`` behind HTTP on
  127.0.0.1, reply, Arna's verification of the token) and one witness round
  trip (``add-checkpoint`` with a consistency proof to a witness process,
  cosignature verified), each beside the bare HTTP round trip to the same
  server (the lower bound of any remote call);
* submissions over HTTP (bench/submit.py's gunicorn, 2 workers, 16 clients) with
  nothing configured, and again with a local TSA and 2 local witnesses: the
  receipt records the time-stamps owed and the CRLs met in its transaction, and
  the tokens, the witnesses' cosignatures and the checkpoint's stamp are
  fetched after commit by each worker's background publisher, so a submission
  waits for none of them. It also prints how far the proof had got when the
  clients stopped (signature stamps stored, latest cosigned size).

    .venv/bin/python bench/proof.py [--seconds 8] [--clients 16] [--only sqlite|postgresql]
                                    [--pg-url URL]
    e.g.  .venv/bin/python bench/proof.py --only postgresql

It needs ``openssl`` (the TSA) and the local PostgreSQL of bench/submit.py
(``--pg-url``, default ``$ARNA_BENCH_PG_URL`` or the local ``test`` database). Each
line of submissions carries the machine's load average when it ended: on a machine
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import submit  # noqa: E402
from cryptography.hazmat.primitives.serialization import Encoding  # noqa: E402
from proof_services import local_tsa, witness_processes  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from custody.note import Checkpoint, LogKey, sign_checkpoint  # noqa: E402
from custody.tree import MemoryStore, MerkleTree  # noqa: E402
from custody.witness import AddCheckpoint  # noqa: E402
from custody.witness_http import WitnessEndpoint  # noqa: E402
from custody.witness_http import submit as add_checkpoint  # noqa: E402
from registry.db import create_db_engine  # noqa: E402
from registry.models.proof import Cosignature, Evidence  # noqa: E402
from registry.services.custody import verifier_key  # noqa: E402
from signing.timestamp import request_timestamp, verify_timestamp  # noqa: E402


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


def round_trips(tmp: Path) -> None:
    """One time-stamp and one witness round trip beside a bare HTTP round trip."""
    print("== round trips on 127.0.0.1 (median)")
    (tmp / "tsa").mkdir()
    with local_tsa(tmp / "tsa") as tsa:
        data = b"checkpoint body\n"
        stamp = _timed(
            lambda: verify_timestamp(request_timestamp(tsa.url, data), data, [tsa.root]), 30
        )
        bare = _bare_round_trip(tsa.url)
        print(
            f"   time-stamp (openssl ts -reply)  {stamp * 1000:8.2f} ms   "
            f"(bare HTTP round trip {bare * 1000:.2f} ms)"
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
        cosign = _timed(grow, 100)
        bare = _bare_round_trip(witness.url)
        print(
            f"   witness cosignature            {cosign * 1000:8.2f} ms   "
            f"(bare HTTP round trip {bare * 1000:.2f} ms)"
        )


def _run(kind: str, seconds: float, clients: int, tmp: Path, proof: bool, pg_url: str) -> None:
    """One submit.py run on a fresh database; with ``proof``, a TSA and 2 witnesses configured."""
    url, schema = submit._database(kind, tmp, pg_url)
    try:
        prefix = f"MINHEALTH-PROOF-{secrets.token_hex(3).upper()}-"
        token, letters, env = submit._prepare(url, tmp, int(seconds * 400) + 200, prefix)
        engine = create_db_engine(url)
        with Session(engine) as session:
            log_key = verifier_key(session)
        engine.dispose()
        assert log_key is not None, "bootstrap appends events, so the log key exists"
        with ExitStack() as stack:
            if proof:
                (tmp / "tsa").mkdir()
                tsa = stack.enter_context(local_tsa(tmp / "tsa"))
                roots = tmp / "tsa-roots.pem"
                roots.write_bytes(tsa.root.public_bytes(Encoding.PEM))
                (tmp / "witnesses").mkdir()
                witnesses = stack.enter_context(witness_processes(tmp / "witnesses", log_key))
                env |= {
                    "ARNA_TSA_URL": tsa.url,
                    "ARNA_TSA_ROOTS": str(roots),
                    "ARNA_WITNESSES": ";".join(w.config for w in witnesses),
                }
            port = submit._free_port()
            server = submit._serve(env, port)
            try:
                run = submit._drive_elsewhere(port, token, letters, seconds, clients)
            finally:
                server.terminate()
                server.wait(timeout=30)
        stored, _ = submit._stored(url, prefix)
        proved = _proved(url) if proof else ""
    finally:
        submit._drop(pg_url, schema)
    lat = sorted(run.latencies)
    ok = len(lat)
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else float("nan")
    label = "TSA + 2 witnesses" if proof else "no TSA, no witness"
    print(
        f"   {label:<19} {ok / run.elapsed:7.1f}/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"errors {sum(run.errors.values())}  stored {stored}/{ok}  {proved}  "
        f"(load {submit._load()})"
    )


def _proved(url: str) -> str:
    engine = create_db_engine(url)
    with Session(engine) as session:
        stamps = session.scalar(
            select(func.count(Evidence.id)).where(Evidence.kind == "signature-timestamp")
        )
        latest = session.scalar(select(func.max(Cosignature.size)))
    engine.dispose()
    return f"signature stamps {stamps}, latest cosigned size {latest}"


def submissions(kind: str, seconds: float, clients: int, tmp: Path, pg_url: str) -> None:
    """bench/submit.py's load without, then with, a TSA and 2 witnesses."""
    print(f"== submissions over HTTP, {kind}, gunicorn 2 workers, {clients} clients")
    for proof in (False, True):
        (tmp / str(proof)).mkdir()
        _run(kind, seconds, clients, tmp / str(proof), proof, pg_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ARNA_BENCH_PG_URL", submit.PG_DEFAULT),
        help="the PostgreSQL database a fresh schema is made in",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arna-bench-proof-") as name:
        tmp = Path(name)
        round_trips(tmp)
        for kind in ("postgresql", "sqlite"):
            if args.only in (None, kind):
                (tmp / kind).mkdir()
                submissions(kind, args.seconds, args.clients, tmp / kind, args.pg_url)


if __name__ == "__main__":
    main()
