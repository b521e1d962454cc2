"""``python -m registry.custody verify-package LETTER.asice``: a letter's evidence, offline.

    verify-package LETTER.asice [--key VKEY] [--witness WKEY ... --quorum K]
                   [--tsa-root PEM ...] [--trust ROOT.pem ...]

Exit 0 when everything checks (the facts proved are printed), 1 when something
does not (what, on stderr), 2 when the container or a pinned key is unreadable.
"""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography import x509

from custody.cli import EXIT_BAD, EXIT_OK, EXIT_UNREADABLE, Parser, add_pins, witness_pins
from registry.evidence.package import PackageError, verify_package
from signing.trust import TrustError, load_certificates


def _certificates(paths: list[Path]) -> list[x509.Certificate]:
    return [cert for path in paths for cert in load_certificates(path.read_bytes())]


def main(argv: list[str] | None = None) -> int:
    """Run ``verify-package``; return the exit code."""
    parser = Parser(prog="python -m registry.custody verify-package", description=__doc__)
    parser.add_argument("package", type=Path, help="the .asice container")
    add_pins(parser)
    parser.add_argument(
        "--tsa-root",
        type=Path,
        action="append",
        default=[],
        help="PEM of a TSA root the time-stamps must chain to; repeatable",
    )
    parser.add_argument(
        "--trust",
        type=Path,
        action="append",
        default=[],
        help="PEM of a CA root the letter's signers must chain to; repeatable",
    )
    args = parser.parse_args(argv)
    pins = witness_pins(args)
    if pins is None:
        return EXIT_UNREADABLE
    witnesses, quorum = pins
    try:
        data = args.package.read_bytes()
        report = verify_package(
            data,
            verifier_key=args.key,
            witnesses=witnesses,
            quorum=quorum,
            tsa_roots=_certificates(args.tsa_root),
            trust_roots=_certificates(args.trust),
        )
    except (OSError, TrustError, PackageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if report.problem is not None:
        print(f"FAILED {report.problem}", file=sys.stderr)
        return EXIT_BAD
    print(f"OK {args.package.name}")
    for fact in report.facts:
        print(f"   {fact}")
    return EXIT_OK
