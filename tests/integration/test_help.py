"""The help page: roles, the Rules' Kazakh original and English digest with an anchor per
¶, escaped; every ¶ the rules table cites has its anchor; ¶ references link there."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from registry.web.help import digest_html, kazakh_html, para_link
from routing.rules import RULES

from .web_fixtures import Browser, browser  # noqa: F401


def _cited() -> set[str]:
    """Every ¶ the rules table cites ("¶14-5–14-10" gives 14-5)."""
    found: set[str] = set()
    for rule in RULES:
        for cite in rule.cited:
            found.update(re.findall(r"¶(\d+(?:-\d+)?)", cite))
    return found


def test_every_cited_paragraph_has_an_anchor_in_the_kazakh_text() -> None:
    html, anchored = kazakh_html()
    assert anchored[:3] == ("1", "2", "3")  # the Rules' own, not the decree's
    assert {"14-5", "36", "44", "50"} <= set(anchored)
    assert _cited() <= set(anchored)
    assert '<p id="p-36">36. Халықаралық сот органының сұрау салуын алған' in html
    assert html.count('id="p-1"') == 1


def test_the_digest_is_escaped_and_anchored() -> None:
    html = digest_html()
    assert '<strong id="p-36">¶36 Incoming request.</strong>' in html
    assert "<table>" in html
    assert "<script" not in html


def test_para_link_links_every_paragraph_and_escapes_the_rest(app: Flask) -> None:
    with app.test_request_context():
        linked = str(para_link("¶37, ¶40 <b>& ¶14-5"))
    assert linked == (
        '<a href="/help/rules#p-37">¶37</a>, <a href="/help/rules#p-40">¶40</a> '
        '&lt;b&gt;&amp; <a href="/help/rules#p-14-5">¶14-5</a>'
    )


def test_the_pages_are_served_and_linked_from_the_menu(
    app: Flask,
    browser: Callable[[str], Browser],  # noqa: F811
) -> None:
    anonymous = app.test_client()
    anonymous.set_cookie("lang", "en")
    overview = anonymous.get("/help").get_data(as_text=True)
    assert "Who does what" in overview
    assert 'href="/help/rules#p-44"' in overview
    rules = anonymous.get("/help/rules")
    assert rules.status_code == 200
    assert '<article class="rules-text" lang="kk">' in rules.get_data(as_text=True)
    assert 'id="p-14-8"' in anonymous.get("/help/rules/digest").get_data(as_text=True)

    officer = browser("officer.minhealth")
    assert 'href="/help">Help</a>' in officer.get("/account/").get_data(as_text=True)


def test_raw_html_in_markdown_is_shown_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.web import help as help_module

    source = tmp_path / "RULES.md"
    source.write_text("**¶1** <script>alert(1)</script> <img src=x onerror=alert(1)>\n")
    monkeypatch.setattr(help_module, "DIGEST", source)
    help_module.digest_html.cache_clear()
    try:
        html = help_module.digest_html()
    finally:
        help_module.digest_html.cache_clear()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html
