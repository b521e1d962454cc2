"""static/confirm.js in Chromium: a dismissed question keeps the form from being sent,
an accepted one sends it (revoking an API token on My account)."""

from __future__ import annotations

from typing import Any

import pytest

from registry.services.setup import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_revoking_a_token_waits_for_the_answer(page: Any) -> None:
    page.goto("/login")
    page.fill("input[name=username]", "auditor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()

    page.goto("/account/")
    page.fill("input[name=name]", "confirm-test")
    page.fill("#token-current", DEMO_PASSWORD)
    page.click("form[action='/account/tokens'] button[type=submit]")
    page.wait_for_load_state()
    row = page.locator("tr", has_text="confirm-test")
    assert "active" in row.inner_text()

    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    row.locator("input[type=password]").fill(DEMO_PASSWORD)
    page.once("dialog", lambda dialog: answer(dialog, False))
    row.locator("button[type=submit]").click()
    page.wait_for_timeout(500)
    assert questions == ["Revoke this token? Programs using it stop working."]
    assert "active" in page.locator("tr", has_text="confirm-test").inner_text()

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert len(questions) == 2
    assert "revoked" in page.locator("tr", has_text="confirm-test").inner_text()
