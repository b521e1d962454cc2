"""Custody log speed: the product's own verifiers and exports, beside raw SHA-256 and pymerkle.

    .venv/bin/python bench/custody.py [--events N] [--bundle-events B] [--no-pymerkle]
                                      [--db-events M] [--db-single K] [--new-events E]
                                      [--db-url URL]

In memory, N events (default 1,000,000):
  * event encoding (RFC 8785 leaf bytes) per second — what every append pays first;
  * raw SHA-256 per second over the same leaf bytes: the lower bound of any verifier;
  * tree appends; leaf hashes + root only (no decoding: a bound, not the product);
  * the offline bundle verifier in this process on B entries (decodes every event);
  * inclusion and consistency proof times, and pymerkle 7's on the same leaves.
Through the database (a temporary SQLite file, or ``--db-url`` for PostgreSQL), M events
(default 100,000): K appends as the app makes them (one transaction and one signed
checkpoint each), the rest written in bulk with the same rows (a signed checkpoint per
event), proofs from the stored subtree hashes, raw SHA-256 of those leaves, then — each
in a process of its own, timed (wall and CPU) with its peak RSS — the live verifier over
the whole log, an incremental re-verification after E new events (default 1,000)
appended as the app does, the streamed whole-log export, and the offline verifier
(``python -m registry.custody verify``) on the exported file.

The 1,000,000-event figures (issue 18's goals: whole-log verification <= 60 s and
< 300 MB, incremental <= 2 s, export < 300 MB) take about ten minutes on 2 cores:

    .venv/bin/python bench/custody.py --events 100000 --no-pymerkle --db-events 1000000

The offline verifier reads the whole bundle as one JSON document (the contract's
format), so at 1,000,000 events it needs a few GB; add --no-offline to skip it.
Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import gc
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from custody.bundle import build_bundle, verify_bundle
from custody.event import Actor, CustodyEvent, canonical_bytes, format_time
from custody.merkle import (
    leaf_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from custody.note import Checkpoint, LogKey, sign_checkpoint, verify_checkpoint
from custody.tree import MemoryStore, MerkleTree

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "bench.arna.example/custody"
KEK = "bench-" + "0" * 58
ACTORS = [
    Actor("officer.minhealth", "agency_officer", "AGENCY:MINHEALTH"),
    Actor("head.minhealth", "first_head", "AGENCY:MINHEALTH"),
    Actor("clerk.mfa", "mfa_clerk", "MFA"),
    Actor("officer.moj", "moj_officer", "MOJ"),
]
# A letter's life through MFA (¶44): the leaves cycle through it, one letter per five events.
LIFE = [
    ("letter:registered", None, "registered"),
    ("letter:signed", "registered", "signed"),
    ("letter:submitted", "signed", "submitted"),
    ("letter:received", "submitted", "received"),
    ("letter:dispatched", "received", "dispatched"),
]
PROOF_SAMPLES = 1_000


def _event(index: int, start: datetime) -> CustodyEvent:
    action, before, after = LIFE[index % len(LIFE)]
    letter = index // len(LIFE)
    return CustodyEvent(
        index=index,
        time=format_time(start + timedelta(seconds=index)),
        actor=ACTORS[index % len(ACTORS)],
        action=action,
        registry_number=f"MINHEALTH-2026-{letter:06d}",
        letter_sha256=sha256(letter.to_bytes(8, "big")).hexdigest(),
        state_before=before,
        state_after=after,
    )


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>12,.0f} /s"


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:>10.3f} ms"


def _row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<66}{value}  {note}")


@dataclass(frozen=True)
class MemoryFigures:
    """Arna's in-memory figures, printed again beside pymerkle's."""

    append_s: float
    inclusion_s: float
    consistency_s: float
    root: bytes


def bench_memory(leaves: list[bytes], key: LogKey, bundle_events: int) -> MemoryFigures:
    n = len(leaves)
    print(f"\nIn memory, {n:,} events (leaves average {sum(map(len, leaves)) // n} bytes)")
    raw_s, _ = _timed(lambda: [sha256(leaf).digest() for leaf in leaves])
    _row("raw SHA-256 over the leaf bytes (lower bound)", _rate(n, raw_s))

    tree = MerkleTree(MemoryStore())

    def append_each() -> None:
        for leaf in leaves:
            tree.append(leaf)

    append_s, _ = _timed(append_each)
    _row("tree appends, one leaf at a time", _rate(n, append_s))
    note = sign_checkpoint(key, Checkpoint(ORIGIN, n, tree.root()))

    def verify_merkle() -> bool:
        checkpoint = verify_checkpoint(note, key.verifier, ORIGIN)
        hashes = [sha256(b"\x00" + leaf).digest() for leaf in leaves]
        return root_from_leaf_hashes(hashes) == checkpoint.root_hash

    verify_s, ok = _timed(verify_merkle)
    assert ok
    _row(
        "leaf hashes + root vs signed checkpoint (no decoding)",
        _rate(n, verify_s),
        f"= {raw_s / verify_s:.2f} x raw (goal >= 0.5)",
    )
    rng = random.Random(5)
    root = tree.root()
    indices = [rng.randrange(n) for _ in range(PROOF_SAMPLES)]

    def inclusion() -> None:
        for i in indices:
            verify_inclusion(leaf_hash(leaves[i]), i, n, tree.inclusion_proof(i, n), root)

    inc_s, _ = _timed(inclusion)
    _row(
        f"inclusion proof at {n:,} leaves, build + verify",
        _ms(inc_s / PROOF_SAMPLES),
        "(goal < 5 ms)",
    )
    sizes = [rng.randrange(1, n) for _ in range(PROOF_SAMPLES)]
    roots = {size: tree.root(size) for size in sizes}

    def consistency() -> None:
        for size in sizes:
            verify_consistency(size, n, tree.consistency_proof(size, n), roots[size], root)

    con_s, _ = _timed(consistency)
    _row(f"consistency proof to {n:,} leaves, build + verify", _ms(con_s / PROOF_SAMPLES))

    b = min(bundle_events, n)
    b_tree = MerkleTree(MemoryStore())
    b_tree.append_hashes([leaf_hash(leaf) for leaf in leaves[:b]])
    bundle = build_bundle(
        verifier_key=key.verifier_key,
        checkpoint_note=sign_checkpoint(key, Checkpoint(ORIGIN, b, b_tree.root())),
        entries=enumerate(leaves[:b]),
    )
    bundle_s, report = _timed(lambda: verify_bundle(bundle, verifier_key=key.verifier_key))
    assert report.ok, report.problem
    _row(
        f"offline bundle verifier, {b:,} entries (decodes every event)",
        _rate(b, bundle_s),
        "(JSON + RFC 8785 per entry)",
    )
    return MemoryFigures(append_s, inc_s, con_s, root)


def bench_pymerkle(leaves: list[bytes], arna: MemoryFigures) -> None:
    from pymerkle import InmemoryTree

    n = len(leaves)
    print(f"\npymerkle 7 InmemoryTree, the same {n:,} leaves")
    tree = InmemoryTree()

    def append_each() -> None:
        for leaf in leaves:
            tree.append_entry(leaf)

    append_s, _ = _timed(append_each)
    _row("appends, one entry at a time", _rate(n, append_s), f"(Arna {n / arna.append_s:,.0f} /s)")
    root_s, root = _timed(lambda: tree.get_root(n))
    _row("root of the whole tree (first call)", _ms(root_s), f"(same root: {root == arna.root})")
    rng = random.Random(5)
    indices = [rng.randrange(n) for _ in range(PROOF_SAMPLES)]

    def inclusion() -> None:
        for i in indices:
            tree.prove_inclusion(i + 1, n)  # pymerkle counts leaves from 1

    inc_s, _ = _timed(inclusion)
    _row(
        f"inclusion proof at {n:,} leaves (build only)",
        _ms(inc_s / PROOF_SAMPLES),
        f"(Arna {arna.inclusion_s / PROOF_SAMPLES * 1000:.3f} ms incl. verify)",
    )
    sizes = [rng.randrange(1, n) for _ in range(PROOF_SAMPLES // 10)]

    def consistency() -> None:
        for size in sizes:
            tree.prove_consistency(size, n)

    con_s, _ = _timed(consistency)
    _row(
        f"consistency proof to {n:,} leaves (build only)",
        _ms(con_s / len(sizes)),
        f"(Arna {arna.consistency_s / PROOF_SAMPLES * 1000:.3f} ms incl. verify)",
    )


def _fill(engine: Any, key: LogKey, start: int, total: int) -> None:
    """Write events ``start .. total-1`` as the app's appends would — each event's leaf,
    the subtree hashes it completes and a checkpoint signed for its size — in bulk."""
    from sqlalchemy import insert, update
    from sqlalchemy.orm import Session

    from custody.compact import CompactRange
    from custody.tree import perfect_subtrees
    from registry.models import CustodyCheckpoint, CustodyEntry, CustodyHead, CustodyNode
    from registry.services.custody.store import DbTreeStore

    with Session(engine) as session:
        stream = CompactRange(
            start, DbTreeStore(session, start).get_nodes(perfect_subtrees(0, start))
        )
    when = datetime.now(UTC)
    for first in range(start, total, 10_000):
        end = min(first + 10_000, total)
        events, nodes, notes = [], [], []
        for i in range(first, end):
            leaf = canonical_bytes(_event(i, when))
            events.append({"index": i, "leaf": leaf, "registry_number": _event_number(i)})
            nodes.extend(
                {"level": lv, "idx": ix, "hash": h} for lv, ix, h in stream.append(leaf_hash(leaf))
            )
            note = sign_checkpoint(key, Checkpoint(key.name, i + 1, stream.root()))
            notes.append({"size": i + 1, "note": note, "created_at": when})
        with Session(engine) as session:
            session.execute(insert(CustodyEntry.__table__), events)
            session.execute(insert(CustodyNode.__table__), nodes)
            session.execute(insert(CustodyCheckpoint.__table__), notes)
            session.execute(update(CustodyHead).values(size=end))
            session.commit()


def _event_number(index: int) -> str:
    return f"MINHEALTH-2026-{index // len(LIFE):06d}"


@dataclass(frozen=True)
class Measured:
    """A task run in a process of its own: wall and CPU seconds, peak RSS, what it did."""

    seconds: float
    cpu: float
    rss_mb: int
    summary: str

    def note(self) -> str:
        return f"{self.seconds:.1f} s wall, {self.cpu:.1f} s CPU, RSS {self.rss_mb} MB"


def _measured(task: str, url: str, arg: str = "") -> Measured:
    """Run ``task`` in a fresh process, so its peak RSS is its own."""
    command = [sys.executable, __file__, "--child", task, "--db-url", url, "--child-arg", arg]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    seconds, cpu, rss_kb, summary = done.stdout.strip().splitlines()[-1].split("\t", 3)
    return Measured(float(seconds), float(cpu), int(rss_kb) // 1024, summary)


def child(task: str, url: str, arg: str) -> None:
    """One measured task in this process; prints wall and CPU seconds, peak RSS (kB), a summary."""
    from sqlalchemy.orm import sessionmaker

    from registry.db import create_db_engine
    from registry.services import custody
    from registry.services.custody.store import chunked_reader
    from registry.services.custody.verification import verify_chunked

    read = chunked_reader(sessionmaker(create_db_engine(url)))
    start, cpu = time.perf_counter(), time.process_time()
    if task == "offline":
        from registry.custody.__main__ import main

        key, _, path = arg.partition(" ")
        assert main(["verify", path, "--key", key]) == 0
        summary = "checked"
    elif task in ("verify", "incremental"):
        report = verify_chunked(read, incremental=task == "incremental")
        assert report.ok, report.problem
        summary = f"{report.size - report.from_size} events, {report.checkpoints} checkpoints"
    elif task == "export":
        bundle = custody.export_text(read)
        with open(arg, "w", encoding="utf-8") as handle:
            handle.writelines(bundle.pieces)
        summary = f"{bundle.entries} entries, {Path(arg).stat().st_size / 2**20:,.0f} MB"
    else:
        raise SystemExit(f"unknown task {task}")
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if task == "verify":  # what a passing job leaves, for the incremental run (not timed)
        from sqlalchemy.orm import Session

        from registry.services.custody.verification import record_mark

        with Session(create_db_engine(url)) as session:
            record_mark(session, custody.ensure_log_key(session, kek=KEK, origin=ORIGIN), report)
            session.commit()
    print(f"{seconds}\t{cpu}\t{_peak_rss_kb()}\t{summary}")


def _peak_rss_kb() -> int:
    """This process's peak RSS since it started (VmHWM: getrusage's ru_maxrss would count
    the parent's RSS at fork, which a process started by subprocess inherits)."""
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return int(next(line for line in status.splitlines() if line.startswith("VmHWM:")).split()[1])


def bench_database(
    url: str | None, single: int, total: int, new_events: int, *, offline: bool
) -> None:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from registry.db import create_db_engine
    from registry.models import CustodyEntry
    from registry.services import custody
    from registry.services.custody import NewEvent
    from registry.services.schema import upgrade_to_head

    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/bench.db"
        engine = create_db_engine(url)
        print(f"\nThrough the database ({engine.dialect.name}), {total:,} events")
        upgrade_to_head(engine)
        with Session(engine) as session:
            if session.scalar(select(func.count()).select_from(CustodyEntry)):
                raise SystemExit(f"{url} already holds custody events; give an empty database")
            key = custody.ensure_log_key(session, kek=KEK, origin=ORIGIN)
            session.commit()
        actor = ACTORS[0]

        def one(i: int) -> NewEvent:
            action, before, after = LIFE[i % len(LIFE)]
            return NewEvent(actor, action, _event_number(i), None, before, after)

        def singles(first: int, count: int) -> None:
            for i in range(first, first + count):
                with Session(engine) as session:
                    custody.append_events(session, [one(i)])
                    session.commit()

        single_s, _ = _timed(lambda: singles(0, single))
        _row(
            f"append_event + signed checkpoint + commit (as the app), x{single:,}",
            _rate(single, single_s),
        )
        fill_s, _ = _timed(lambda: _fill(engine, key, single, total))
        _row(
            "bench set-up: the same rows in bulk, a signed checkpoint per event",
            _rate(total - single, fill_s),
        )
        rng = random.Random(5)
        with Session(engine) as session:
            latest = custody.latest_checkpoint(session)
            assert latest is not None
            size = latest.size
            root = verify_checkpoint(latest.note, _verifier(session), ORIGIN).root_hash
            leaves = [bytes(leaf) for leaf in session.scalars(select(CustodyEntry.leaf))]
            picks = rng.sample(range(size), min(200, size))

            def inclusion() -> None:
                for i in picks:
                    proof = custody.inclusion_proof(session, i, size)
                    verify_inclusion(leaf_hash(leaves[i]), i, size, proof, root)

            inc_s, _ = _timed(inclusion)
            _row(
                f"inclusion proof from stored nodes at {size:,}, + verify", _ms(inc_s / len(picks))
            )
            sizes = [rng.randrange(1, size) for _ in range(200)]

            def consistency() -> None:
                for s in sizes:
                    custody.consistency_proof(session, s, size)

            con_s, _ = _timed(consistency)
            _row(f"consistency proof from stored nodes to {size:,}", _ms(con_s / len(sizes)))
        raw_s, _ = _timed(lambda: [sha256(leaf).digest() for leaf in leaves])
        leaves.clear()  # the live verifier below reads them itself
        _row(f"raw SHA-256 over the same {size:,} leaf bytes (lower bound)", _rate(size, raw_s))

        whole = _measured("verify", url)
        _row(
            f"live verifier, whole log: {whole.summary}",
            _rate(size, whole.seconds),
            f"{whole.note()} = {raw_s / whole.seconds:.4f} x raw (goal at 1M: <= 60 s, < 300 MB)",
        )
        singles(size, new_events)
        again = _measured("incremental", url)
        _row(
            f"live verifier, incremental after {new_events:,} new events: {again.summary}",
            _ms(again.seconds),
            f"{again.note()} (goal <= 2 s)",
        )
        bundle = Path(tmp) / "log.json"
        export = _measured("export", url, str(bundle))
        _row(
            f"whole-log export, streamed: {export.summary}",
            _rate(size + new_events, export.seconds),
            f"{export.note()} (goal RSS < 300 MB)",
        )
        if not offline:
            engine.dispose()
            return
        checked = _measured("offline", url, f"{key.verifier_key} {bundle}")
        _row(
            "offline bundle verifier on that file (python -m registry.custody verify)",
            _rate(size + new_events, checked.seconds),
            f"{checked.note()} = {raw_s / checked.seconds:.4f} x raw",
        )
        engine.dispose()


def _verifier(session: Any) -> Any:
    from custody.note import VerifierKey
    from registry.services import custody

    key = custody.verifier_key(session)
    assert key is not None
    return VerifierKey.parse(key)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--bundle-events", type=int, default=1_000_000)
    parser.add_argument("--db-events", type=int, default=100_000)
    parser.add_argument("--db-single", type=int, default=2_000)
    parser.add_argument("--db-url", default=None, help="default: a temporary SQLite file")
    parser.add_argument("--new-events", type=int, default=1_000, help="before re-verifying")
    parser.add_argument("--no-pymerkle", action="store_true")
    parser.add_argument("--no-offline", action="store_true", help="skip the offline verifier")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-arg", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.db_url, args.child_arg)
        return

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    encode_s, leaves = _timed(
        lambda: [canonical_bytes(_event(i, start)) for i in range(args.events)]
    )
    print(f"Custody log bench (Python {sys.version.split()[0]}, one process)")
    _row("event encoding (RFC 8785 leaf bytes)", _rate(args.events, encode_s))
    key = LogKey.generate(ORIGIN)
    figures = bench_memory(leaves, key, args.bundle_events)
    if not args.no_pymerkle:
        bench_pymerkle(leaves, figures)
    del leaves
    if args.db_events:
        bench_database(
            args.db_url,
            min(args.db_single, args.db_events),
            args.db_events,
            args.new_events,
            offline=not args.no_offline,
        )


if __name__ == "__main__":
    main()
