"""Route planner and working-day calendar speed, beside a measured lower bound.

    .venv/bin/python bench/routing.py [--letters N] [--repeat R]

Prints, on one core (pinned where the OS allows):
  * plans per second: json.loads + parse_envelope + plan + to_dict, over a mix of
    envelopes of every kind, next to the cost of merely parsing the same
    envelopes (json.loads alone, then with parse_envelope): the lower bound;
  * working-day additions per second (add_workdays), next to plain calendar-day
    additions (date + timedelta) of the same dates.
Goal (issue 2): at least 20,000 plans per second. Figures only; nothing asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from routing.calendar import add_workdays
from routing.envelope import EnvelopeError, parse_envelope
from routing.planner import plan

GOAL_PLANS_PER_SECOND = 20_000
AGENCIES = ["AGENCY:MINHEALTH", "AGENCY:MINFIN", "AGENCY:MINECOLOGY", "MOJ", "MTI", "MFA"]
FOREIGN = ["FOREIGN_STATE_BODY", "DIPLOMATIC_MISSION", "INTL_ORG", "WTO", "EEC", "TREATY_BODY"]
COURTS = ["INTL_COURT", "EAEU_COURT"]
BASES = ["law", "ratified-treaty", "treaty-in-force", "pm-instruction", "government-act"]


def _envelope(rng: random.Random) -> dict[str, Any]:
    """One envelope of a realistic mix: mostly foreign letters, every kind present."""
    day = date(2026, 1, 1) + timedelta(days=rng.randrange(700))
    later = (day + timedelta(days=rng.randrange(1, 30))).isoformat()
    sender = rng.choice(AGENCIES)
    kind = rng.choices(
        [
            "foreign-letter",
            "court-request-forward",
            "court-reply",
            "court-application",
            "special-procedure-reply",
            "special-procedure-info",
        ],
        weights=[60, 8, 8, 8, 8, 8],
    )[0]
    data: dict[str, Any] = {"kind": kind, "sender": sender, "date": day.isoformat()}
    if kind == "foreign-letter":
        data["recipient"] = rng.choice(FOREIGN + COURTS)
        if rng.random() < 0.4:
            data["send"] = "direct"
            if rng.random() < 0.5:
                data["urgent_needed_by"] = later
            else:
                data["legal_basis"] = {"kind": rng.choice(BASES), "ref": "Agreement, art. 7"}
    elif kind == "court-request-forward":
        data["recipient"] = rng.choice([a for a in AGENCIES if a != sender] + ["GO"])
    elif kind in ("court-reply", "court-application"):
        data["recipient"] = rng.choice(COURTS)
        data["planned_send_date"] = later
    elif kind == "special-procedure-reply":
        data.update(
            sender="MFA",
            recipient="SPECIAL_PROCEDURE",
            reply_deadline=later,
            planned_send_date=later,
            language="en",
            communication_language=rng.choice(["en", "en", "fr"]),
            signed_by_first_head=True,
        )
    else:
        data.update(sender="AGENCY:MININTERNAL", recipient="MFA", signed_by_first_head=True)
    return data


def _best(repeat: int, work: Callable[[], object]) -> float:
    """Best wall time of ``repeat`` runs: the least disturbed by the other users of the box."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rng = random.Random(1037)
    texts = [json.dumps(_envelope(rng)) for _ in range(args.letters)]
    for text in texts:  # the mix must be valid input, or we would time error paths
        try:
            parse_envelope(json.loads(text))
        except EnvelopeError as exc:
            raise SystemExit(f"bench bug: invalid envelope {text}: {exc}") from None
    add_workdays(date(2026, 1, 1), 1)  # build the calendar outside the timing
    envelopes = [parse_envelope(json.loads(t)) for t in texts]
    allowed = sum(plan(e).allowed for e in envelopes)

    n = len(texts)
    loads = _best(args.repeat, lambda: [json.loads(t) for t in texts])
    parsed = _best(args.repeat, lambda: [parse_envelope(json.loads(t)) for t in texts])
    planned = _best(args.repeat, lambda: [plan(e) for e in envelopes])
    full = _best(
        args.repeat, lambda: [plan(parse_envelope(json.loads(t))).to_dict() for t in texts]
    )

    days = [date(2026, 1, 1) + timedelta(days=rng.randrange(700)) for _ in range(n)]
    counts = [rng.randrange(-20, 21) for _ in range(n)]
    pairs = list(zip(days, counts, strict=True))
    plain = _best(args.repeat, lambda: [d + timedelta(days=k) for d, k in pairs])
    workdays = _best(args.repeat, lambda: [add_workdays(d, k) for d, k in pairs])

    def rate(seconds: float) -> str:
        return f"{n / seconds:>12,.0f}/s"

    print(f"{n:,} envelopes ({allowed:,} allowed), best of {args.repeat}, one core")
    print(f"  lower bound: json.loads only                 {rate(loads)}")
    print(f"  lower bound: json.loads + parse_envelope      {rate(parsed)}")
    print(f"  plan() of parsed envelopes                   {rate(planned)}")
    goal = f"goal {GOAL_PLANS_PER_SECOND:,}/s"
    print(f"  plans: loads + parse + plan + to_dict         {rate(full)}   {goal}")
    print(f"  lower bound: calendar-day additions          {rate(plain)}")
    print(f"  working-day additions (add_workdays)         {rate(workdays)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
