"""The query parameters of the letter list and the inbox, read one way by the pages and the API.

The API passes ``request.args`` as they came (an empty value is not a value: 422);
the pages pass only the fields filled in (`filled`), since a form sends its empty
inputs too. Either way a bad value is Invalid naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from registry.db import MAX_INTEGER
from registry.services.errors import Invalid
from registry.services.letters import Direction, LetterFilter, Sort, State

Args = Mapping[str, str]
_FULL_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
URGENCIES = ("overdue", "due_soon")


def filled(args: Args) -> dict[str, str]:
    """The parameters a form sent with a value."""
    return {name: value for name, value in args.items() if value}


def integer(args: Args, name: str, default: int, upper: int) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isdecimal() or int(raw) > upper:
        raise Invalid(f"{name}: an integer from 0 to {upper}", details=[name])
    return int(raw)


def choice(args: Args, name: str, choices: Iterable[str]) -> str | None:
    """A parameter of an ``enum``: absent, or one of ``choices`` (an empty value is not one)."""
    raw = args.get(name)
    if raw is not None and raw not in choices:
        raise Invalid(f"{name}: one of {', '.join(choices)}", details=[name])
    return raw


def day(args: Args, name: str) -> date | None:
    """A parameter of ``format: date``: absent, or exactly YYYY-MM-DD."""
    raw = args.get(name)
    if raw is None:
        return None
    try:
        if not _FULL_DATE.fullmatch(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"{name}: a date YYYY-MM-DD", details=[name]) from None


def cursor(args: Args) -> int | None:
    """``cursor``: the ``next_cursor`` of the page before (a letter id)."""
    raw = args.get("cursor")
    if raw is None:
        return None
    if not raw.isdecimal() or not 1 <= int(raw) <= MAX_INTEGER:
        raise Invalid(f"cursor: an integer from 1 to {MAX_INTEGER}", details=["cursor"])
    return int(raw)


def state(args: Args) -> State | None:
    value = choice(args, "state", list(State))
    return State(value) if value else None


def letter_filter(args: Args, *, limit: int, upper: int) -> LetterFilter:
    """The letter list's filter, order and page (``limit`` lines unless asked, up to ``upper``)."""
    direction = choice(args, "direction", list(Direction))
    sort = choice(args, "sort", list(Sort))
    return LetterFilter(
        state=state(args),
        kind=args.get("kind") or None,
        direction=Direction(direction) if direction else None,
        holder=args.get("holder") or None,
        text=args.get("q") or None,
        agency=args.get("agency") or None,
        recipient=args.get("recipient") or None,
        date_from=day(args, "date_from"),
        date_to=day(args, "date_to"),
        overdue=choice(args, "overdue", ("true", "false")) == "true",
        sort=Sort(sort) if sort else Sort.NEWEST,
        cursor=cursor(args),
        limit=integer(args, "limit", limit, upper),
        offset=integer(args, "offset", 0, 10**9),
    )


def inbox_filter(args: Args) -> dict[str, Any]:
    """The inbox's narrowing and page, as keyword arguments of ``letters.inbox``."""
    return {
        "kind": args.get("kind") or None,
        "state": state(args),
        "urgency": choice(args, "urgency", URGENCIES),
        "agency": args.get("agency") or None,
        "recipient": args.get("recipient") or None,
        "date_from": day(args, "date_from"),
        "date_to": day(args, "date_to"),
        "cursor": cursor(args),
    }
