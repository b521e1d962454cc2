"""Custody log speed at 1,000,000 events, beside raw SHA-256 and the pymerkle package.

    .venv/bin/python bench/custody.py [--events N] [--db-events M] [--db-single K]
                                      [--db-url URL] [--bundle-events B] [--no-pymerkle]

Prints, in one run:
  * event encoding (RFC 8785 leaf bytes) per second — what every append pays first;
  * raw SHA-256 per second over the same leaf bytes: the lower bound of any
    verifier (hashlib alone, no tree);
  * in-memory tree appends per second (leaf hash + the subtree nodes it completes);
  * full-log Merkle verification per second (every leaf hashed, the root rebuilt and
    compared with the signed checkpoint), with its ratio to the raw rate, and the
    offline bundle verifier (which also decodes and re-canonicalises every event);
  * inclusion and consistency proof times at N leaves (build + verify);
  * pymerkle 7's appends per second and its inclusion/consistency proof times on
    the same leaves (its root is checked equal to Arna's: both are RFC 9162);
  * through the database (SQLite by default, ``--db-url`` for PostgreSQL): single
    appends each in its own committed transaction with a signed checkpoint,
    batched appends (1,000 a transaction), proofs from the stored subtree hashes
    and the live-log verification rate, at M events.
Goals (issue 5): Merkle verification at least half the raw rate; an inclusion
proof at 1,000,000 leaves under 5 ms; appends and proofs faster than pymerkle's.
Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import gc
import random
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

ORIGIN = "bench.arna.example/custody"
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
        "full-log Merkle verification (every leaf, root vs signed)",
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


def bench_database(url: str | None, single: int, total: int) -> None:
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
            custody.ensure_log_key(session, kek="bench-" + "0" * 58, origin=ORIGIN)
            session.commit()
        actor = ACTORS[0]

        def one(i: int) -> NewEvent:
            action, before, after = LIFE[i % len(LIFE)]
            return NewEvent(actor, action, f"MINHEALTH-2026-{i // 5:06d}", None, before, after)

        def singles() -> None:
            for i in range(single):
                with Session(engine) as session:
                    custody.append_events(session, [one(i)])
                    session.commit()

        single_s, _ = _timed(singles)
        _row(
            f"append_event + signed checkpoint + commit, x{single:,}",
            _rate(single, single_s),
        )

        def batches() -> None:
            for start in range(single, total, 1000):
                with Session(engine) as session:
                    custody.append_events(
                        session, [one(i) for i in range(start, min(start + 1000, total))]
                    )
                    session.commit()

        batch_s, _ = _timed(batches)
        _row(
            "append_events, 1,000 a transaction, one checkpoint each",
            _rate(total - single, batch_s),
        )
        rng = random.Random(5)
        with Session(engine) as session:
            latest = custody.latest_checkpoint(session)
            assert latest is not None
            size = latest.size
            root = verify_checkpoint(latest.note, _verifier(session), ORIGIN).root_hash
            leaves = {
                i: bytes(leaf)
                for i, leaf in session.execute(select(CustodyEntry.index, CustodyEntry.leaf))
                if i % 97 == 0
            }
            picks = rng.sample(sorted(leaves), min(200, len(leaves)))

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
            verify_s, report = _timed(lambda: custody.verify_log(session))
            assert report.ok, report.problem
            _row(
                f"live-log verification ({report.checkpoints:,} checkpoints)",
                _rate(report.size, verify_s),
                "(events decoded, nodes and checkpoints checked)",
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
    parser.add_argument("--no-pymerkle", action="store_true")
    args = parser.parse_args()

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
        bench_database(args.db_url, min(args.db_single, args.db_events), args.db_events)


if __name__ == "__main__":
    main()
