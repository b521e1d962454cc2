"""The auditor's offline checks, and the witness: ``python -m registry.custody ...``.

    verify BUNDLE.json [--key VKEY] [--witness WKEY ... --quorum K]
    witness keygen --name NAME --key KEYFILE
    witness serve --key KEYFILE --state STATEFILE --port P --log-key VKEY [--log-key ...]

(``verify-package``, which also needs ``signing``, is ``registry.evidence.cli``.)
Needs neither Flask nor a database, only this package, ``cryptography`` and
``rfc8785``. Exit 0 when everything checks, 1 when
something does not (the first bad entry index and what is wrong on stderr), 2
when the input is unreadable.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from custody import witness_cli
from custody.bundle import BundleFormatError, verify_bundle
from custody.cosignature import CosignerKey
from custody.note import NoteError

EXIT_OK, EXIT_BAD, EXIT_UNREADABLE = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """Usage errors exit 2 (unreadable input), as the contract says, not argparse's 2-by-luck."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNREADABLE)


def add_pins(command: argparse.ArgumentParser) -> None:
    """The keys an auditor pins: Arna's log key, witnesses' keys and how many must cosign."""
    command.add_argument(
        "--key", help="Arna's published verifier key <name>+<hex id>+<base64>; pin it"
    )
    command.add_argument(
        "--witness",
        action="append",
        default=[],
        help="a witness's verifier key <name>+<hex id>+<base64(0x04 ‖ key)>; repeatable",
    )
    command.add_argument(
        "--quorum",
        type=int,
        help="cosignatures required from the named witnesses (default: all of them)",
    )


def witness_pins(args: argparse.Namespace) -> tuple[list[CosignerKey], int] | None:
    """The parsed ``--witness`` keys and the quorum; None (after saying why) when malformed."""
    try:
        witnesses = [CosignerKey.parse(key) for key in args.witness]
    except NoteError as exc:
        print(f"error: --witness: {exc}", file=sys.stderr)
        return None
    return witnesses, len(witnesses) if args.quorum is None else args.quorum


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = Parser(prog="python -m registry.custody", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check an export bundle offline")
    verify.add_argument("bundle", type=Path, help="the bundle JSON (contracts/custody-bundle.md)")
    add_pins(verify)
    witness_cli.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command == "witness":
        return witness_cli.run(args)
    pins = witness_pins(args)
    if pins is None:
        return EXIT_UNREADABLE
    witnesses, quorum = pins
    try:
        bundle = json.loads(args.bundle.read_bytes())  # JSON and UTF-8 errors are ValueErrors
    except (OSError, ValueError, RecursionError) as exc:
        print(f"error: {args.bundle}: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    try:
        report = verify_bundle(bundle, verifier_key=args.key, witnesses=witnesses, quorum=quorum)
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
    witnessed = (
        f"; cosigned by {len(report.witnessed)} of {len(witnesses)} witnesses (quorum {quorum})"
        if witnesses
        else ""
    )
    print(
        f"OK {kind}: {report.entries} entries check against the checkpoint of "
        f"{checkpoint.origin} at size {checkpoint.size} signed by {bundle['verifier_key']}"
        f"{witnessed}"
    )
    return EXIT_OK
