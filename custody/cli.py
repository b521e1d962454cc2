"""The auditor's offline check: ``python -m registry.custody verify BUNDLE.json [--key VKEY]``.

Needs neither Flask nor a database, only this package, ``cryptography`` and
``rfc8785``. Exit 0 when everything checks, 1 when something does not (the first
bad entry index and what is wrong on stderr), 2 when the input is unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from custody.bundle import BundleFormatError, verify_bundle

EXIT_OK, EXIT_BAD, EXIT_UNREADABLE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNREADABLE)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _Parser(prog="python -m registry.custody", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check an export bundle offline")
    verify.add_argument("bundle", type=Path, help="the bundle JSON (contracts/custody-bundle.md)")
    verify.add_argument(
        "--key", help="Arna's published verifier key <name>+<hex id>+<base64>; pin it"
    )
    args = parser.parse_args(argv)
    try:
        bundle = json.loads(args.bundle.read_bytes())  # JSON and UTF-8 errors are ValueErrors
    except (OSError, ValueError, RecursionError) as exc:
        print(f"error: {args.bundle}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        report = verify_bundle(bundle, verifier_key=args.key)
    except BundleFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    if report.key_from_bundle:
        print(
            "warning: no --key given; checked against the key the bundle names, which "
            "only shows the bundle is self-consistent — pin Arna's published key",
            file=sys.stderr,
        )
    if report.problem is not None:
        print(f"FAILED {report.problem}", file=sys.stderr)
        return EXIT_BAD
    checkpoint = report.checkpoint
    assert checkpoint is not None  # a report without a problem has a verified checkpoint
    kind = "whole log" if report.whole_log else "one-letter export"
    print(
        f"OK {kind}: {report.entries} entries check against the checkpoint of "
        f"{checkpoint.origin} at size {checkpoint.size} signed by {bundle['verifier_key']}"
    )
    return EXIT_OK
