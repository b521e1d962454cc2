"""Browser tests: Playwright driving Debian's Chromium headless against the live service.

The service is the end-to-end one (tests/e2e/conftest.py: ``bootstrap --demo`` then
gunicorn on 127.0.0.1). No browser is downloaded: Playwright's own builds are not
installed; ``/usr/bin/chromium`` (scripts/system-deps.sh) is launched instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.conftest import database_url, server  # noqa: F401 -- shared fixtures

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture
def page(server: str) -> Iterator[object]:  # noqa: F811
    """A fresh Chromium page in English, its base URL the live service.

    Function-scoped on purpose: Playwright's sync API runs an asyncio loop while it
    is open, and a loop left running would break later tests in the same worker
    that call ``asyncio.run`` (pyHanko's signing of paper copies).
    """
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        context = browser.new_context(base_url=server, locale="en-US")
        context.add_cookies([{"name": "lang", "value": "en", "url": server}])
        yield context.new_page()
        context.close()
        browser.close()
