"""Every role's main pages in Kazakh, Russian and English, as Chromium shows them (issue 17).

For each demo role and language: the main page and, where the role has one, a letter
page. Each page must show names, not codes (no party, kind, state, role or custody tag
code in the visible text); a Kazakh or Russian page must hold no English sentence of the
interface (every English message of the catalogue is looked for, outside what people
wrote: subjects and bodies are marked translate="no"); axe-core must report no
serious or critical violation; a letter page printed has no menu, form or button.

Screenshots of each page at desktop (1280 px) and phone (390 px) widths are written to
``build/screenshots/`` (README, "Screenshots"), named ``<role>-<page>-<language>-<width>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from registry import names
from registry.services.setup import DEMO_PASSWORD
from routing import parties

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "build" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
CHROMIUM = Path("/usr/bin/chromium")

#: Each demo role's short name and pages (tests/e2e: ``bootstrap --demo``): its main page
#: first, then the pages of its jobs; a letter page is added from the main page's first link.
ROLES: dict[str, tuple[str, dict[str, str]]] = {
    "officer.minhealth": (
        "officer",
        {"main": "/inbox", "compose": "/compose", "upload": "/upload", "account": "/account/"},
    ),
    "head.minhealth": ("head", {"main": "/inbox"}),
    "clerk.mfa": (
        "clerk",
        {
            "main": "/inbox",
            "incoming": "/incoming",
            "list": "/letters",
            "drafts": "/files/draft-decisions",
        },
    ),
    "officer.go": ("go", {"main": "/inbox", "periodic": "/reports/periodic"}),
    "officer.moj": ("moj", {"main": "/inbox"}),
    "auditor": (
        "auditor",
        {"main": "/letters", "custody": "/custody/", "verify": "/custody/verify"},
    ),
    "admin": (
        "admin",
        {
            "main": "/admin/users",
            "agencies": "/admin/agencies",
            "certificates": "/admin/certificates",
            "anchors": "/admin/trust-anchors",
            "copies": "/copies",
        },
    ),
}

#: Pages whose subject is the codes themselves (the administrator registers an agency's code).
CODE_PAGES = frozenset({"/admin/agencies"})

#: Codes that must never be read as a name on a page.
CODES = re.compile(
    "|".join(
        [
            r"AGENCY:[A-Z_]+",
            r"\bletter:[a-z-]+",
            r"\bcopy:issued",
            r"\bTOTAL_(?:PASSED|FAILED)\b",
            r"\bINDETERMINATE\b",
            *(rf"\b{re.escape(code)}\b" for code in parties.FOREIGN if "_" in code),
            *(rf"\b{re.escape(code)}\b" for code in names.KINDS),
            *(rf"\b{re.escape(code)}\b" for code in names.ROLES if "_" in code),
        ]
    )
)


def _english_messages() -> list[str]:
    """English sentences of the interface: catalogue messages of three words or more."""
    path = ROOT / "registry" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    found = []
    for message in catalog:
        if not message.id or not isinstance(message.id, str):
            continue
        text = re.split(r"%\(\w+\)s", message.id)
        found.extend(part.strip() for part in text if len(part.split()) >= 3)
    return sorted(set(found), key=len, reverse=True)


ENGLISH = _english_messages()


@pytest.fixture
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


def _session(chromium: Any, server: str, language: str, username: str) -> Any:
    # bypass_csp: axe-core is injected as a script of the test, which the page's CSP
    # (script-src 'self') would otherwise refuse; the pages' own behaviour is unchanged.
    context = chromium.new_context(
        base_url=server, locale=language, bypass_csp=True, viewport={"width": 1280, "height": 900}
    )
    context.add_cookies([{"name": "lang", "value": language, "url": server}])
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, username
    return page


def _check(page: Any, language: str, label: str, *, codes: bool = False) -> None:
    """Names not codes, the whole page in its language, no serious accessibility fault."""
    text = page.inner_text("body")
    assert page.locator("html").get_attribute("lang") == language
    shown = []
    if not codes:
        shown = [text[max(m.start() - 60, 0) : m.end() + 20] for m in CODES.finditer(text)]
    assert not shown, f"{label}: codes shown {shown[:3]}"
    if language != "en":
        # What people wrote (subjects, bodies, titles: translate="no") stays as written.
        interface = page.evaluate(
            """() => { const copy = document.body.cloneNode(true);
                copy.querySelectorAll('[translate="no"]').forEach(e => e.remove());
                return copy.innerText; }"""
        )
        english = [m for m in ENGLISH if m in interface]
        assert not english, f"{label}: English on a {language} page: {english[:5]}"
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    bad = [
        (v["id"], v["impact"], [(n["target"], n["failureSummary"]) for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{label}: axe-core {bad}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / f"{label}-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{label}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"{label}: the phone page is {width} px wide"
    page.set_viewport_size({"width": 1280, "height": 900})


def _print_has_no_chrome(page: Any, label: str) -> None:
    page.emulate_media(media="print")
    try:
        for selector in ("nav", "header", "button", "form", "section.actions"):
            shown = [e for e in page.locator(selector).all() if e.is_visible()]
            assert not shown, f"{label}: {selector} printed"
        assert page.locator("h1").is_visible()
    finally:
        page.emulate_media(media="screen")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_role_s_pages_in_each_language(
    chromium: Any,
    server: str,
    language: str,
) -> None:
    for username, (role, pages) in ROLES.items():
        page = _session(chromium, server, language, username)
        for name, path in pages.items():
            page.goto(path)
            assert page.url.endswith(path), (username, path, page.url)
            _check(page, language, f"{role}-{name}-{language}", codes=path in CODE_PAGES)
        page.goto(pages["main"])
        link = page.locator("main a[href^='/letters/']").first
        if link.count():
            link.click()
            page.wait_for_load_state()
            label = f"{role}-letter-{language}"
            _check(page, language, label)
            _print_has_no_chrome(page, label)
        page.context.close()
