"""The help page: what each role does, and the Rules' text with an anchor per ¶.

``/help/rules`` is the Kazakh original (registry/rules_text, it wins), one HTML
paragraph per paragraph of the text, ``id="p-36"`` on ¶36; ``/help/rules/digest``
is the English digest, Markdown rendered by markdown-it-py with raw HTML off (so
everything in it is escaped), ``id="p-36"`` on the first bold ``¶36``. The filter
``para_link`` turns every ¶ in a text into a link to the Kazakh paragraph.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from registry.permissions import Role
from registry.web.guard import public

bp = Blueprint("help", __name__)

TEXTS = Path(__file__).resolve().parents[1] / "rules_text"
KAZAKH = TEXTS / "decree-1037-rules.kk.txt"
DIGEST = TEXTS / "RULES.md"
#: The Rules begin after the decree's own seven paragraphs, under this word ("APPROVED").
RULES_START = "БЕКІТІЛГЕН"
#: A paragraph of the text: indented, its number first ("      14-5. …").
_PARAGRAPH = re.compile(r"^\s{4,}(\d+(?:-\d+)?)\.\s")
#: A ¶ reference in running text: ¶36, ¶14-5 (never a trailing hyphen or dash).
_REFERENCE = re.compile(r"¶(\d+(?:-\d+)?)")
_DIGEST_ANCHOR = re.compile(r"<strong>¶(\d+(?:-\d+)?)")

ROLE_DUTIES: dict[str, Any] = {
    Role.AGENCY_OFFICER: _l(
        "Composes or uploads their agency's letters, signs them with their own key and "
        "submits them; files the ¶44 notice after a direct send; forwards incoming items; "
        "opens the case file of a court's request and joins its reply."
    ),
    Role.FIRST_HEAD: _l("Signs or co-signs what ¶14-7 and ¶14-8 require of the first head."),
    Role.MFA_CLERK: _l(
        "Receives letters at MFA, dispatches them through diplomatic channels or returns "
        "them with reasons; registers foreign notes and letters and passes them on."
    ),
    Role.MOJ_OFFICER: _l("Passes EAEU Court filings on to MFA within 5 working days (¶40)."),
    Role.AUDITOR: _l(
        "Reads every letter, its verification report and its chain of custody; downloads "
        "the custody log, the letter list and reports; changes nothing."
    ),
    Role.ADMIN: _l("Manages users, agencies, certificates and trust anchors; sees no letter."),
}


def anchor(paragraph: str) -> str:
    """The HTML id of ¶``paragraph`` ("14-5" -> "p-14-5")."""
    return f"p-{paragraph}"


@cache
def kazakh_html() -> tuple[Markup, tuple[str, ...]]:
    """The Kazakh text as escaped HTML paragraphs, and the ¶ that have an anchor, in order."""
    text = KAZAKH.read_text(encoding="utf-8")
    _decree, _marker, rules = text.partition(RULES_START)
    blocks: list[list[str]] = []
    for line in rules.splitlines():
        if not line.strip():
            blocks.append([])
        elif line.startswith("    ") or not blocks:
            blocks.append([line.strip()])
        else:
            blocks[-1].append(line.strip())
    html, anchored = [], []
    for lines in filter(None, blocks):
        body = escape("\n".join(lines))
        number = _PARAGRAPH.match("      " + lines[0])
        if number and number.group(1) not in anchored:
            anchored.append(number.group(1))
            html.append(f'<p id="{anchor(number.group(1))}">{body}</p>')
        else:
            html.append(f"<p>{body}</p>")
    return Markup("\n".join(html)), tuple(anchored)  # noqa: S704 -- every block escaped


@cache
def digest_html() -> Markup:
    """The English digest rendered (raw HTML off: all of it escaped), ¶ anchors added."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    html = md.render(DIGEST.read_text(encoding="utf-8"))
    seen: set[str] = set()

    def add_id(match: re.Match[str]) -> str:
        number = match.group(1)
        if number in seen:
            return match.group(0)
        seen.add(number)
        return f'<strong id="{anchor(number)}">¶{number}'

    return Markup(_DIGEST_ANCHOR.sub(add_id, html))  # noqa: S704 -- markdown-it escaped it


@bp.app_template_filter("para_link")
def para_link(text: object) -> Markup:
    """``text`` escaped, each ¶ in it a link to that paragraph of the Kazakh original."""
    rules = url_for("help.rules")

    def link(match: re.Match[str]) -> str:
        return f'<a href="{rules}#{anchor(match.group(1))}">{match.group(0)}</a>'

    return Markup(_REFERENCE.sub(link, str(escape(text))))  # noqa: S704 -- escaped first


@bp.get("/help")
@public
def overview() -> Any:
    _html, anchored = kazakh_html()
    return render_template("help/overview.html", roles=ROLE_DUTIES, paragraphs=anchored)


@bp.get("/help/rules")
@public
def rules() -> Any:
    html, _anchored = kazakh_html()
    return render_template("help/rules.html", text=html, lang="kk", digest=False)


@bp.get("/help/rules/digest")
@public
def digest() -> Any:
    return render_template("help/rules.html", text=digest_html(), lang="en", digest=True)
