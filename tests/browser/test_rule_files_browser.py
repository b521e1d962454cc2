"""A person walks an agreement reached and a decision file through the pages (Chromium).

The dates are fixed in the past (2026 calendar, counted by hand), so the
deadlines shown do not depend on the day the test runs. The ministry's officer
files her proposals with their signed record (signed in the test with the key the
registry holds for her, as her own tools would) and downloads its certified paper
copy, stamped as ¶32-1 stamps PA's approval sheet.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from registry.models import User
from registry.paper.pdf import STAMP_KK
from registry.services import pki
from registry.services.setup import DEMO_PASSWORD, DEMO_SIGNING_PASSPHRASE
from signing.records import RecordKind, build_record
from signing.sign import sign_record

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _login(page: Any, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def _open(page: Any, **fields: str) -> str:
    """Fill the /files form and submit it; the new file's number."""
    page.goto("/files")
    page.select_option("select[name=kind]", fields.pop("kind"))
    for name in ("source", "organisation"):
        if name in fields:
            page.select_option(f"select[name={name}]", fields.pop(name))
    for name, value in fields.items():
        page.fill(f"input[name={name}]", value)
    page.click("form[action='/files'] button[type=submit]")
    page.wait_for_url("**/files/*")
    return page.url.rsplit("/", 1)[1]


def _due(page: Any, key: str) -> str:
    return page.locator(f"tr[data-key='{key}'] td").nth(4).inner_text()


def _record(page: Any, key: str, day: str, record: bytes | None = None) -> None:
    page.select_option("select[name=key]", key)
    page.fill("input[name=day]", day)
    if record is not None:
        upload = {"name": "record.xml", "mimeType": "application/xml", "buffer": record}
        page.set_input_files("input[name=record]", files=[upload])
    page.click("form[action$='/events'] button[type=submit]")
    page.wait_for_load_state()


def _signed_proposals(database_url: str, number: str) -> bytes:
    """MINHEALTH's ¶31 proposals, signed with the key the registry holds for its officer."""
    engine = create_engine(database_url)
    try:
        with Session(engine) as session:
            user = session.scalar(select(User).where(User.username == "officer.minhealth"))
            assert user is not None
            unlocked = pki.unlock_signing_key(user, DEMO_SIGNING_PASSPHRASE)
    finally:
        engine.dispose()
    xml = build_record(
        RecordKind.AGREEMENT,
        file_number=number,
        key="proposals:AGENCY:MINHEALTH",
        rule="¶31",
        day=date(2026, 3, 26),
        by="AGENCY:MINHEALTH",
        body="Proposals of the Ministry of Health on the draft instructions.",
    )
    return sign_record(xml, unlocked.key, unlocked.certificate)


def _pdf_text(pdf: Path) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: run scripts/system-deps.sh"
    done = subprocess.run([tool, "-layout", str(pdf), "-"], capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def test_an_agreement_and_a_decision_file_through_the_pages(
    page: Any, database_url: str, tmp_path: Path
) -> None:
    _login(page, "clerk.mfa")
    agreement = _open(
        page,
        kind="agreement",
        source="joint-statement",
        title="Joint statement (browser test)",
        day="2026-03-20",
        parties="AGENCY:MINHEALTH",
    )
    assert agreement.startswith("AGR-2026-")
    # ¶31: 2 wd from Friday 20 March (23-25 March Nauryz) → 27 March; ¶32: 7 wd → 3 April.
    assert _due(page, "proposals:AGENCY:MINHEALTH") == "2026-03-27"
    assert _due(page, "submit-to-pa") == "2026-04-03"
    _record(page, "draft:AGENCY:MINHEALTH", "2026-03-26")
    # The draft reached MINHEALTH on Thursday 26 March: its consent is due 30 March.
    assert _due(page, "consent:AGENCY:MINHEALTH") == "2026-03-30"

    decision = _open(
        page,
        kind="decision",
        organisation="INTL_ORG",
        title="WHO resolution (browser test)",
        day="2026-03-18",
        parties="AGENCY:MINHEALTH",
    )
    assert decision.startswith("DEC-2026-")
    # ¶10: 5 wd from Wednesday 18 March → 30 March.
    assert _due(page, "forward:AGENCY:MINHEALTH") == "2026-03-30"
    _record(page, "forward:AGENCY:MINHEALTH", "2026-03-20")
    # ¶11: 15 wd from Friday 20 March → 15 April.
    assert _due(page, "proposals:AGENCY:MINHEALTH") == "2026-04-15"

    # The ministry's officer sees both files and records its proposals on the agreement.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "lang", "value": "en", "url": page.url}])
    _login(page, "officer.minhealth")
    page.goto("/files")
    assert page.locator(f"a:has-text('{agreement}')").count() == 1
    assert page.locator(f"a:has-text('{decision}')").count() == 1
    page.goto(f"/files/{agreement}")
    record = _signed_proposals(database_url, agreement)
    _record(page, "proposals:AGENCY:MINHEALTH", "2026-03-26", record)
    cells = page.locator("tr[data-key='proposals:AGENCY:MINHEALTH'] td")
    assert cells.nth(5).inner_text() == "2026-03-26"
    assert cells.nth(6).inner_text() == "done"
    filed = page.locator("li[data-key='proposals:AGENCY:MINHEALTH']")
    assert "signed record" in filed.inner_text()
    with page.expect_download() as download:
        filed.locator("button[type=submit]").click()
    pdf = tmp_path / "copy.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert STAMP_KK in _pdf_text(pdf)


def _relogin(page: Any, username: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "lang", "value": "en", "url": page.url}])
    _login(page, username)


def test_a_draft_decision_and_an_agreements_consolidated_report_through_the_pages(
    page: Any,
) -> None:
    # MINHEALTH opens a draft WHO recommendation and runs its agreement (¶9).
    _login(page, "officer.minhealth")
    page.goto("/files/draft-decisions")
    page.fill("input[name=title]", "Draft WHO recommendation (browser test)")
    page.fill("input[name=received]", "2026-03-18")
    page.select_option("select[name=organisation]", "INTL_ORG")
    page.fill("input[name=interested]", "AGENCY:MINECON")
    page.click("form[action='/files/draft-decisions'] button[type=submit]")
    page.wait_for_url("**/files/DRF-*")
    draft = page.url.rsplit("/", 1)[1]
    # Whose agreement, with its ¶, and no date: the Rules set none (¶8).
    assert page.locator("tr[data-key='agree:AGENCY:MINECON'] td").nth(2).inner_text() == "¶8"
    assert _due(page, "agree:MFA") == "—"
    assert page.locator("p[data-agreed='no']").count() == 1
    assert "The Rules set no deadline for agreeing a draft (¶8)" in page.content()

    # MINECON finds it in its inbox, objects, then agrees the revised draft.
    _relogin(page, "officer.minecon")
    page.goto("/inbox")
    assert page.locator(f"tr[data-duty='{draft}:agree:AGENCY:MINECON']").count() == 1
    page.goto(f"/files/{draft}")
    _record(page, "objection:AGENCY:MINECON", "2026-03-20")
    assert page.locator("li[data-key='objection:AGENCY:MINECON']").count() == 1
    _record(page, "agree:AGENCY:MINECON", "2026-03-26")
    assert page.locator("p[data-agreed='no']").count() == 1

    # MFA agrees on foreign-policy expediency: the draft is agreed.
    _relogin(page, "clerk.mfa")
    page.goto(f"/files/{draft}")
    _record(page, "agree:MFA", "2026-03-27")
    assert page.locator("p[data-agreed='yes']").count() == 1

    # An agreement reached: GO's control assignment dates MFA's consolidated report (¶34).
    agreement = _open(
        page,
        kind="agreement",
        source="results-document",
        title="Memorandum (browser test)",
        day="2026-03-20",
        parties="AGENCY:MINHEALTH",
    )
    _record(page, "control-consolidated", "2026-06-15")
    assert _due(page, "consolidated") == "2026-06-15"
    _record(page, "consolidated", "2026-06-12")
    cells = page.locator("tr[data-key='consolidated'] td")
    assert (cells.nth(5).inner_text(), cells.nth(6).inner_text()) == ("2026-06-12", "done")
    assert agreement.startswith("AGR-2026-")
