"""Names instead of codes on the pages: the Jinja filters, in the reader's language.

``{{ letter.sender | party }}``, ``{{ letter.kind | kind }}``, ``{{ e.action | tag }}``,
``{{ rep.indication | verdict }}`` … (the names themselves: registry/names.py). Codes stay
in the API and in a page's small detail line.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import get_locale, gettext
from sqlalchemy import select

from registry import names
from registry.models import Agency
from registry.web.database import get_session


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


FILTERS: dict[str, Any] = {
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
