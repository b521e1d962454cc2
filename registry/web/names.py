"""Names instead of codes, and times as people read them: the Jinja filters of every page.

``{{ letter.sender | party }}``, ``{{ letter.kind | kind }}``, ``{{ e.action | tag }}``,
``{{ rep.indication | verdict }}`` … in the reader's language (the names themselves:
registry/names.py). Codes stay in the API and in a page's small detail line.

Times are shown in Kazakhstan's time (Asia/Almaty, UTC+05:00, as the paper copy prints
them) to the minute; deadlines as "due 15 Dec (3 wd left)", "due 15 Dec — 2 wd overdue"
or "met on 16 Dec, 1 wd late", counted in working days by the Rules' calendar.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import g
from flask_babel import format_date, get_locale, gettext
from sqlalchemy import select

from registry import names
from registry.models import Agency
from registry.services.deadlines import KZ_TIME, today_kz
from registry.web.database import get_session
from routing.calendar import CalendarError, count_workdays


def language() -> str:
    """The reader's language: kk, ru or en."""
    return str(get_locale() or "kk")


def agency_names(language: str) -> dict[str, str]:
    """Every agency's name in ``language``, read once per request."""
    cached: dict[str, dict[str, str]] = g.setdefault("agency_names", {})
    if language not in cached:
        rows = get_session().execute(
            select(Agency.code, Agency.name_kk, Agency.name_ru, Agency.name_en)
        )
        column = {"kk": 1, "ru": 2}.get(language, 3)
        cached[language] = {row[0]: row[column] for row in rows}
    return cached[language]


def party_name(code: str | None) -> str:
    """A party's name in the reader's language (agencies by their own three names)."""
    return names.party(code, gettext, agency_names(language()))


def parties_names(codes: Any) -> str:
    return ", ".join(party_name(code) for code in codes or ())


def local_time(value: datetime | str | None) -> datetime | None:
    """An instant (aware, naive UTC, or ISO 8601 text) in Kazakhstan's time."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(KZ_TIME)


def when(value: datetime | str | None) -> str:
    """``2026-12-01 14:05`` in Kazakhstan's time: no seconds, no microseconds."""
    moment = local_time(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"


def day(value: date | datetime | None) -> str:
    """A calendar day in the reader's language: "15 Dec 2026"."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = local_time(value)
        assert value is not None
        value = value.date()
    return format_date(value, "d MMM y")


def _workdays(start: date, end: date) -> int | None:
    try:
        return count_workdays(start, end)
    except CalendarError:  # beyond the years the calendar holds
        return None


def due_phrase(due: date | None, done: datetime | None = None) -> str:
    """A deadline as a person reads it today: its date, and working days left or late."""
    if done is not None:
        done_day = day(done)
        local = local_time(done)
        late = _workdays(due, local.date()) if due is not None and local is not None else None
        if late is not None and late > 0:
            return gettext("met on %(day)s, %(n)s wd late", day=done_day, n=late)
        return gettext("met on %(day)s", day=done_day)
    if due is None:
        return gettext("no date yet")
    today = today_kz()
    if due == today:
        return gettext("due today, %(day)s", day=day(due))
    left = _workdays(today, due)
    if left is None:
        return gettext("due %(day)s", day=day(due))
    if due > today:
        return gettext("due %(day)s (%(n)s wd left)", day=day(due), n=left)
    return gettext("due %(day)s — %(n)s wd overdue", day=day(due), n=max(-left, 1))


FILTERS: dict[str, Any] = {
    "when": when,
    "day": day,
    "due": due_phrase,
    "party": party_name,
    "parties": parties_names,
    "kind": lambda code: names.kind(code, gettext),
    "role": lambda code: names.role(code, gettext),
    "state": lambda code: names.state(code, gettext),
    "action": lambda code: names.action(code, gettext),
    "tag": lambda code: names.tag(code, gettext),
    "verdict": lambda code: names.verdict(code, gettext),
    "basis": lambda code: names.legal_basis(code, gettext),
}
