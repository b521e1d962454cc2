"""A body fills one Appendix 2 return in the browser (Chromium), and MFA sees it in Appendix 6.

MFA registers a multilateral treaty and opens a reporting year on the pages;
MINECON, the consolidating body, fills the Appendix 2 form field by field (the
browser refuses an empty required field first, as the schema would) and files it.
"""

from __future__ import annotations

from typing import Any

import pytest

from registry.services.setup import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.slow]
YEAR = "2031"  # a year of its own: the demo data's cycle is an earlier one
TITLE = "Convention on transit (browser test)"


def _login(page: Any, username: str) -> None:
    if page.locator("form[action='/logout']").count():
        page.click("form[action='/logout'] button[type=submit]")
        page.wait_for_load_state()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def test_a_body_fills_an_appendix_2_return(page: Any) -> None:
    _login(page, "clerk.mfa")
    page.goto("/treaties")
    form = page.locator("form[action='/treaties']")
    form.locator("input[name=title]").fill(TITLE)
    form.locator("select[name=kind]").select_option("multilateral")
    form.locator("select[name=status]").select_option("in-force")
    form.locator("input[name=concluded_on]").fill("2020-09-01")
    form.locator("input[name=responsible]").fill("AGENCY:MINECON, AGENCY:MINHEALTH")
    form.locator("input[name=consolidating]").fill("AGENCY:MINECON")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator("tr[data-treaty]", has_text=TITLE)
    number = row.get_attribute("data-treaty")
    assert number is not None
    assert row.locator("td").nth(4).inner_text() == "2"  # Appendix 2
    page.fill("form[action='/treaties/cycles'] input[name=year]", YEAR)
    page.click("form[action='/treaties/cycles'] button[type=submit]")
    page.wait_for_url(f"**/treaties/returns/{YEAR}")

    _login(page, "officer.minecon")
    page.goto(f"/treaties/returns/{YEAR}")
    page.click(f"a[href='/treaties/returns/{YEAR}/{number}']")
    page.wait_for_url(f"**/treaties/returns/{YEAR}/{number}")
    assert page.input_value("textarea[name=title]") == TITLE  # prefilled from the register
    texts = {
        "signing_acts": "Decree No. 1 of 1 September 2020",
        "domestic_acts": "Law No. 2 of 2 March 2021 on ratification",
        "term": "indefinite",
        "subject": "transit of goods",
        "states_parties": "Kazakhstan, Kyrgyzstan, Uzbekistan",
        "analysis": "Transit grew by 12%; the counterparties performed their obligations.",
        "problems": "none",
    }
    for name, value in texts.items():
        page.fill(f"textarea[name={name}]", value)
    page.fill("input[name=in_force_on]", "2021-04-01")
    page.select_option("select[name=proposal]", "CONTINUE")
    # The schema requires row 9; the browser refuses the form while it is empty.
    page.fill("textarea[name=states_parties]", "")
    page.click("main form button[type=submit]")
    assert page.url.endswith(f"/treaties/returns/{YEAR}/{number}")
    assert page.locator("tr[data-field]").count() == 0
    page.fill("textarea[name=states_parties]", texts["states_parties"])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert (
        page.locator("tr[data-field='states_parties'] td").nth(2).inner_text()
        == (texts["states_parties"])
    )
    assert page.locator("tr[data-field='in_force_on'] td").nth(2).inner_text() == "2021-04-01"

    _login(page, "clerk.mfa")
    page.goto(f"/treaties/returns/{YEAR}")
    assert page.locator("dd[data-figure='in-force']").inner_text() != "0"
    assert page.locator(f"tr[data-treaty='{number}']").count() == 1
