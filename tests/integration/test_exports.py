"""Downloads: the letter list as CSV (web form) and XLSX (API), with the list's filters,
the person's scope and formulas neutralised; a letter's verification report as a file.
Each download is a custody event."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import CustodyEntry
from registry.permissions import Principal
from registry.services import exports
from registry.services.custody import letter_entries
from registry.services.exports import neutralise
from registry.web.exports import XLSX

from .factories import a_draft, a_signed_letter
from .web_fixtures import Browser, api_token, browser  # noqa: F401

LETTER = {"kind": "foreign-letter", "recipient": "DIPLOMATIC_MISSION"}
FORMULA = '=HYPERLINK("http://evil.example","open")'


def _last_event(session: Session) -> dict[str, object]:
    leaf = session.scalar(select(CustodyEntry.leaf).order_by(CustodyEntry.index.desc()).limit(1))
    assert leaf is not None
    event = decode_leaf(leaf)
    return {"action": event.action, "user": event.actor.user}


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+7 701", "'+7 701"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Hello = world", "Hello = world"),
        ("MINHEALTH-2026-000001", "MINHEALTH-2026-000001"),
    ],
)
def test_a_cell_that_would_be_a_formula_is_shown_as_text(value: str, shown: str) -> None:
    assert neutralise(value) == shown


def test_the_list_downloads_as_csv_with_the_page_filters_and_is_logged(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "PAGE", 2)  # three drafts: two pages and a short one
    officer = principal("officer.minhealth")
    drafts = [
        a_draft(service_session, officer, subject=s, **LETTER).registry_number
        for s in (FORMULA, "B", "C")
    ]
    signed = a_signed_letter(service_session, officer, subject="Signed one", **LETTER)
    a_draft(service_session, principal("officer.minecon"), subject="Not theirs", **LETTER)

    web = browser("officer.minhealth")
    response = web.post("/letters/export", data={"format": "csv", "state": "draft"})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="letters-')
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Registry number", "Direction", "Kind"]
    numbers = [row[0] for row in rows[1:]]
    assert numbers == list(reversed(drafts))  # newest first, only drafts, only their agency
    assert signed not in numbers
    assert rows[-1][5] == "'" + FORMULA
    assert _last_event(service_session) == {
        "action": "letters:exported",
        "user": "officer.minhealth",
    }

    # The list page offers the download with its filters.
    page = web.get("/letters?state=draft").get_data(as_text=True)
    assert 'action="/letters/export"' in page
    assert 'name="state" value="draft"' in page


def test_the_api_gives_the_list_as_xlsx(
    app: Flask,
    service_session: Session,
    principal: Callable[[str], Principal],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    number = a_draft(
        service_session, principal("officer.minhealth"), subject=FORMULA, **LETTER
    ).registry_number
    client = app.test_client()
    # Search matches a subject's start on every database (trigram on PostgreSQL, prefix on SQLite).
    response = client.get(
        "/api/v1/exports/letters.xlsx",
        query_string={"q": "=HYPERLINK"},
        headers=api_token("auditor"),
    )
    assert response.status_code == 200
    assert response.mimetype == XLSX
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Тіркеу нөмірі"  # Kazakh unless the client asks otherwise
    assert [row[0] for row in rows[1:]] == [number]
    assert rows[1][5] == "'" + FORMULA  # text, not a formula
    assert _last_event(service_session)["action"] == "letters:exported"

    csv_response = client.get(
        "/api/v1/exports/letters.csv?state=nope", headers=api_token("auditor")
    )
    assert csv_response.status_code == 422


def test_the_verification_report_downloads_as_a_file_and_is_logged(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
) -> None:
    number = a_signed_letter(service_session, principal("officer.minhealth"), **LETTER)
    auditor = browser("auditor")
    assert "Download the verification report" in auditor.get(f"/letters/{number}").get_data(
        as_text=True
    )
    response = auditor.post(f"/letters/{number}/report")
    assert response.status_code == 200
    assert f'filename="{number}-verification.json"' in response.headers["Content-Disposition"]
    report = json.loads(response.get_data(as_text=True))
    assert report["registry_number"] == number
    assert report["verification"]["indication"] == "TOTAL_PASSED"
    last = decode_leaf(letter_entries(service_session, number)[-1][1])
    assert (last.action, last.actor.user) == ("letter:report-exported", "auditor")
    assert last.state_before == last.state_after == "signed"
    # A draft has no report yet.
    draft = a_draft(service_session, principal("officer.minecon"), **LETTER).registry_number
    assert auditor.post(f"/letters/{draft}/report").status_code == 422
