"""GOST 34.10-2015 / Streebog-512 verification speed (issue 9).

For a 5 KB letter signed with a fresh GOST key (tc26 512-bit curve A, NCA
layout), prints the median time of one verification — Streebog-512 of the
letter plus the curve verification — with signing.gost's fast path (OpenSSL's
gost engine, where installed) and its pure-Python path, beside gostcrypto's
verify of the same letter (PyPI, pure Python) in the same run, and beside the
lower bound of each path: Streebog-512 of the same bytes alone.  Goals: at most
50 ms with the fast path, at most 400 ms in pure Python.

    .venv/bin/python bench/gost.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gostcrypto import gosthash, gostsignature

from signing import gost
from signing.gost import native
from signing.gost.curve import TC26_512_A
from signing.letter import build_letter, letter_to_envelope
from signing.xmlparse import parse_xml

EXAMPLE = Path(__file__).resolve().parents[1] / "xml_schemas" / "examples" / "foreign-letter.xml"
FAST_GOAL_MS = 50.0
PURE_GOAL_MS = 400.0


def _letter() -> bytes:
    """An unsigned letter of about 5 KB, with the envelope of the foreign-letter example."""
    envelope = letter_to_envelope(parse_xml(EXAMPLE.read_bytes()))
    body = "The Ministry presents its compliments to the Embassy. " * 90
    return build_letter(
        envelope, registry_number="MINHEALTH-2026-000123", subject="Bench letter", body=body
    )


def _medians(ops: dict[str, Callable[[], object]], budget: float) -> dict[str, float]:
    """Median milliseconds per call, one call of each operation per round (fair under load)."""
    runs: dict[str, list[float]] = {name: [] for name in ops}
    deadline = time.perf_counter() + budget * len(ops)
    rounds = 0
    while rounds < 5 or (time.perf_counter() < deadline and rounds < 200):
        for name, op in ops.items():
            start = time.perf_counter()
            op()
            runs[name].append((time.perf_counter() - start) * 1000)
        rounds += 1
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> None:
    letter = _letter()
    theirs = gostsignature.new(
        gostsignature.MODE_512,
        gostsignature.CURVES_R_1323565_1_024_2019["id-tc26-gost-3410-12-512-paramSetA"],
    )
    private = bytearray(os.urandom(64))
    while not 0 < int.from_bytes(private, "big") < TC26_512_A.q:
        private = bytearray(os.urandom(64))
    public = theirs.public_key_generate(private)
    key = gost.GostPublicKey(
        int.from_bytes(public[:64], "big"), int.from_bytes(public[64:], "big"), TC26_512_A
    )
    # gostcrypto is big-endian throughout; NCA's layout is little-endian (signing/gost).
    their_signature = theirs.sign(private, bytearray(gost.streebog512(letter, pure=True)[::-1]))
    r, s = int.from_bytes(their_signature[:64], "big"), int.from_bytes(their_signature[64:], "big")
    signature = r.to_bytes(64, "little") + s.to_bytes(64, "little")
    assert gost.verify(key, letter, signature, pure=True)

    def gostcrypto_verify() -> bool:
        digest = gosthash.new("streebog512", data=letter).digest()
        return theirs.verify(public, bytearray(digest[::-1]), their_signature)

    assert gostcrypto_verify()
    ops: dict[str, Callable[[], object]] = {}
    fast = native.load() is not None
    if fast:
        assert gost.verify(key, letter, signature)
        ops["lower bound: Streebog-512 alone (fast)"] = lambda: gost.streebog512(letter)
        ops["signing.gost verify (fast: OpenSSL)"] = lambda: gost.verify(key, letter, signature)
    ops["lower bound: Streebog-512 alone (pure)"] = lambda: gost.streebog512(letter, pure=True)
    ops["signing.gost verify (pure Python)"] = lambda: gost.verify(
        key, letter, signature, pure=True
    )
    ops["gostcrypto verify (pure Python)"] = gostcrypto_verify
    times = _medians(ops, float(os.environ.get("BENCH_SECONDS", "2")))

    print(f"GOST 34.10-2015 512-bit + Streebog-512 verify of a {len(letter)}-byte letter")
    print(f"{'operation':42} {'ms/op':>9}")
    for name, ms in times.items():
        print(f"{name:42} {ms:9.3f}")
    if fast:
        fast_ms = times["signing.gost verify (fast: OpenSSL)"]
        verdict = "met" if fast_ms <= FAST_GOAL_MS else "NOT met"
        print(f"goal: fast path <= {FAST_GOAL_MS:.0f} ms: {fast_ms:.2f} ms, {verdict}")
    else:
        print("fast path: not available (scripts/system-deps.sh installs libengine-gost-openssl)")
    pure_ms = times["signing.gost verify (pure Python)"]
    verdict = "met" if pure_ms <= PURE_GOAL_MS else "NOT met"
    ratio = times["gostcrypto verify (pure Python)"] / pure_ms
    print(
        f"goal: pure Python <= {PURE_GOAL_MS:.0f} ms: {pure_ms:.2f} ms, {verdict} "
        f"({ratio:.1f}x faster than gostcrypto)"
    )


if __name__ == "__main__":
    main()
