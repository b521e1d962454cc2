"""Names instead of codes, and times as people read them: the Jinja filters of every page.

``{{ letter.sender | party }}``, ``{{ letter.kind | kind }}``, ``{{ e.action | tag }}``,
``{{ rep.indication | verdict }}`` … in the reader's language (the names themselves:
registry/names.py). Codes stay in the API and in a page's small detail line.

Times are shown in Kazakhstan's time (Asia/Almaty, UTC+05:00, as the paper copy prints
them) to the minute; deadlines as "due 15 Dec (3 wd left)", "due 15 Dec — 2 wd overdue"
or "met on 16 Dec, 1 wd late", counted in working days by the Rules' calendar.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from flask import g
from flask_babel import format_date, get_locale, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry import names
from registry.models import Agency
from registry.services.deadlines import KZ_TIME, today_kz
from registry.web.database import get_session
from routing import rules
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
        done_on = local_day(done)
        late = _workdays(due, done_on) if due is not None and done_on is not None else None
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


# The planner's refusals (routing.rules) are English sentences, stored in each letter's plan
# and answered by the API as they are; pages show them in the reader's language. The
# fixed sentences are matched whole, the ones carrying values by pattern.
_REFUSAL_SENTENCES: dict[str, Any] = {
    rules.VIA_MFA_44.forbidden: _l(
        "official correspondence with foreign state bodies, diplomatic missions and "
        "international organisations goes through MFA unless a law, an act of the President "
        "or the Government or a treaty in force provides otherwise, or the matter must be "
        "worked out within five days"
    ),
    rules.INCOMING_44.forbidden: _l(
        "official correspondence between central state bodies and foreign bodies is exchanged "
        "through MFA unless a law, an act of the President or the Government or a treaty in "
        "force provides otherwise (the five-day exception covers only letters the body sends)"
    ),
    rules.DIPLOMATIC_39.forbidden: _l(
        "applications to international judicial bodies are made through diplomatic channels, "
        "with no exception: the treaty and instruction exception of ¶37 covers only replies "
        "and information answering a court's request"
    ),
    rules.COURT_37.forbidden: _l(
        "sending a reply or any other information directly to an international judicial "
        "body is forbidden unless a ratified international treaty or an instruction of the "
        "President, the PA's leadership, the Prime Minister or a Deputy Prime Minister "
        "provides for it; the five-day exception of ¶44 does not apply to judicial bodies"
    ),
    "must be signed by the body's first head or the person acting for them": _l(
        "must be signed by the body's first head or the person acting for them"
    ),
    "only MFA replies to a special procedure; the competent body's information goes to MFA": _l(
        "only MFA replies to a special procedure; the competent body's information goes to MFA"
    ),
}
_REFUSAL_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(r"the recorded (?P<basis>[a-z-]+) \((?P<ref>[^)]*)\) is not such a basis"),
        _l("the recorded %(basis)s (%(ref)s) is not such a basis"),
    ),
    (
        re.compile(
            r"the matter is needed by (?P<day>\d{4}-\d\d-\d\d), (?P<n>\d+) days after the "
            r"letter's date, not within five"
        ),
        _l("the matter is needed by %(day)s, %(n)s days after the letter's date, not within five"),
    ),
    (
        re.compile(r"the matter is needed by (?P<day>\d{4}-\d\d-\d\d)"),
        _l("the matter is needed by %(day)s"),
    ),
    (
        re.compile(
            r"the reply must be in the language of the communication \((?P<wanted>[^)]*)\), "
            r"not (?P<given>\S+)"
        ),
        _l("the reply must be in the language of the communication (%(wanted)s), not %(given)s"),
    ),
    (
        re.compile(
            r"the reply must be sent before the communication's deadline "
            r"(?P<day>\d{4}-\d\d-\d\d), not on (?P<sent>\d{4}-\d\d-\d\d)"
        ),
        _l("the reply must be sent before the communication's deadline %(day)s, not on %(sent)s"),
    ),
    (
        re.compile(r"only MFA (?P<act>[^;]+); (?P<party>\S+) may not"),
        _l("only MFA may do this (%(rule)s); %(party)s may not"),
    ),
)


def _refusal_values(found: re.Match[str]) -> dict[str, str]:
    values = found.groupdict()
    for key in ("day", "sent"):
        if key in values:
            values[key] = day(date.fromisoformat(values[key]))
    if "basis" in values:
        values["basis"] = names.legal_basis(values["basis"], gettext)
    if "party" in values:
        values["party"] = party_name(values["party"])
    return values


def refusal(reason: str | None, rule: str = "") -> str:
    """The planner's refusal in the reader's language (unknown wording stays as it is)."""
    text = reason or ""
    for english, translated in _REFUSAL_SENTENCES.items():
        if english:
            text = text.replace(english, str(translated))
    for pattern, translated in _REFUSAL_PATTERNS:
        text = pattern.sub(
            lambda found, t=translated: str(t) % {"rule": rule, **_refusal_values(found)}, text
        )
    return text


def local_day(value: datetime | str | None) -> date | None:
    """The calendar day of an instant in Kazakhstan (what a deadline's due date compares to)."""
    moment = local_time(value)
    return moment.date() if moment else None


# The letter services' commonest refusals (registry.services.letters.actions), in words.
_SERVICE_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    (
        re.compile(
            r"a (?P<state>[a-z]+) letter cannot be .+ \(only a letter that is (?P<allowed>[^)]+)\)"
        ),
        _l("Not possible for a letter that is %(state)s: this step needs one that is %(allowed)s."),
    ),
    (
        re.compile(r"only (?P<party>\S+) may .+ this letter now"),
        _l("Only %(party)s may take this step now."),
    ),
    (
        re.compile(r"no letter (?P<number>\S+)"),
        _l("There is no letter %(number)s that you may see."),
    ),
)


# Sentences of the services that only say what the headline says (None: left out), or that
# say what to do.
_SERVICE_SENTENCES: dict[str, Any] = {
    "the letter was refused": None,
    "the letter cannot be sent as asked": None,
    "the upload is not acceptable XML": _l(
        "The file is not XML Arna can read: upload the signed XML letter itself "
        "(not a PDF, a scan or an archive)."
    ),
    "the letter is not valid": _l("The letter is not complete: correct the fields below."),
    "the item is not valid": _l("The item is not complete: correct the fields below."),
    "the item cannot be registered": _l("The item cannot be registered, for these reasons:"),
    "the dispatch cannot be recorded": _l("The dispatch cannot be recorded, for these reasons:"),
}


def service_message(message: str) -> str:
    """A service's English refusal in the reader's language where its wording is known
    ("" where it only repeats the headline)."""
    if message in _SERVICE_SENTENCES:
        known = _SERVICE_SENTENCES[message]
        return "" if known is None else str(known)
    for pattern, translated in _SERVICE_PATTERNS:
        found = pattern.fullmatch(message)
        if found is None:
            continue
        values = found.groupdict()
        if "state" in values:
            values["state"] = names.state(values["state"], gettext)
        if "allowed" in values:
            allowed = values["allowed"].split(", ")
            values["allowed"] = ", ".join(names.state(code, gettext) for code in allowed)
        if "party" in values:
            values["party"] = party_name(values["party"])
        return str(translated) % values
    return refusal(message)


FILTERS: dict[str, Any] = {
    "local_day": local_day,
    "refusal": refusal,
    "when": when,
    "day": day,
    "due": due_phrase,
    "party": party_name,
    "parties": parties_names,
    "kind": lambda code: names.kind(code, gettext),
    "file_kind": lambda code: names.file_kind(code, gettext),
    "role": lambda code: names.role(code, gettext),
    "state": lambda code: names.state(code, gettext),
    "action": lambda code: names.action(code, gettext),
    "duty_text": lambda duty: names.duty(duty, gettext),
    "duty_state": lambda code: names.duty_state(code, gettext),
    "tag": lambda code: names.tag(code, gettext),
    "verdict": lambda code: names.verdict(code, gettext),
    "basis": lambda code: names.legal_basis(code, gettext),
    "check": lambda code: names.check(code, gettext),
}
