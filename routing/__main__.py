"""python -m routing plan FILE | workdays add DATE N | workdays count FROM TO.

The surface is fixed by contracts/route-plan.md: exit 0 allowed, 3 refused by
the Rules (the plan is still printed), 2 invalid input (one line on stderr,
nothing on stdout). Auditors' scripts branch on those codes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from routing.calendar import SPAN_END, SPAN_START, CalendarError, add_workdays, count_workdays
from routing.envelope import Envelope, EnvelopeError, parse_envelope
from routing.planner import plan

EXIT_ALLOWED = 0
EXIT_INVALID = 2
EXIT_REFUSED = 3


class InputError(ValueError):
    """Invalid input to a command: printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2, like every input error."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_INVALID, f"{self.prog}: {message}\n")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object naming a field twice is ambiguous: which value would the officer mean?"""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise EnvelopeError(key, "given twice")
        out[key] = value
    return out


def _json_envelope(data: bytes) -> dict[str, Any]:
    try:
        decoded = json.loads(data, object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError("envelope", f"not valid JSON ({exc})") from None
    return decoded


def _xml_envelope(data: bytes) -> dict[str, Any]:
    """The envelope of an XML letter, via the one parser and the one mapping (signing)."""
    from signing.letter import LetterError, letter_to_envelope
    from signing.xmlparse import XMLInputError, parse_xml

    try:
        return letter_to_envelope(parse_xml(data))
    except XMLInputError as exc:
        raise InputError(str(exc)) from None
    except LetterError as exc:
        raise InputError(str(exc)) from None


def read_envelope(path: Path) -> Envelope:
    """The validated envelope in ``path``: JSON, or an XML letter (.xml, or text starting '<')."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"FILE: cannot read {path}: {exc.strerror}") from None
    is_xml = path.suffix.lower() == ".xml" or data.lstrip().startswith(b"<")
    return parse_envelope(_xml_envelope(data) if is_xml else _json_envelope(data))


def _iso_date(name: str, text: str) -> date:
    try:
        if len(text) != 10:
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{name}: must be an ISO date YYYY-MM-DD, got {text!r}") from None
    if not SPAN_START <= day <= SPAN_END:
        raise InputError(
            f"{name}: {text} is outside the working-day calendar "
            f"({SPAN_START.isoformat()}..{SPAN_END.isoformat()})"
        )
    return day


def _integer(name: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{name}: must be a whole number of working days, got {text!r}") from None


def _plan(args: argparse.Namespace) -> int:
    result = plan(read_envelope(Path(args.file)))
    sys.stdout.buffer.write(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=2).encode() + b"\n"
    )
    return EXIT_ALLOWED if result.allowed else EXIT_REFUSED


def _add(args: argparse.Namespace) -> int:
    start, n = _iso_date("DATE", args.date), _integer("N", args.n)
    try:
        result = add_workdays(start, n)
    except CalendarError as exc:
        raise InputError(f"N: {exc}") from None
    print(result.isoformat())
    return EXIT_ALLOWED


def _count(args: argparse.Namespace) -> int:
    print(count_workdays(_iso_date("FROM", args.start), _iso_date("TO", args.end)))
    return EXIT_ALLOWED


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m routing", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    plan_cmd = commands.add_parser("plan", help="plan a letter: JSON envelope or XML letter")
    plan_cmd.add_argument("file", metavar="FILE")
    plan_cmd.set_defaults(run=_plan)
    workdays = commands.add_parser("workdays", help="Kazakhstan working-day arithmetic")
    which = workdays.add_subparsers(dest="operation", required=True, parser_class=_Parser)
    add = which.add_parser("add", help="the date N working days after DATE (before, if N < 0)")
    add.add_argument("date", metavar="DATE")
    add.add_argument("n", metavar="N")
    add.set_defaults(run=_add)
    count = which.add_parser("count", help="working days in (FROM, TO]")
    count.add_argument("start", metavar="FROM")
    count.add_argument("end", metavar="TO")
    count.set_defaults(run=_count)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status of the contract."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (EnvelopeError, InputError, CalendarError) as exc:
        message = " ".join(str(exc).split())  # one line, whatever the cause
        print(f"error: {message}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
