"""The custody timeline of a letter links back to the letter and says why each refused
attempt was refused (the reason kept beside the log)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import CustodyRefusalReason
from registry.permissions import Principal
from registry.services import letters
from registry.services.errors import Conflict
from registry.services.unit_of_work import act

from .factories import a_draft
from .web_fixtures import Browser, browser  # noqa: F401


def test_a_refused_attempt_shows_its_reason_and_the_timeline_links_to_the_letter(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
) -> None:
    officer = principal("officer.minhealth")
    number = a_draft(
        service_session, officer, kind="foreign-letter", recipient="INTL_ORG"
    ).registry_number
    with pytest.raises(Conflict) as refused:
        act(letters.submit_letter, service_session, officer, number)
    reason = service_session.scalars(select(CustodyRefusalReason)).all()[-1]
    assert reason.code == refused.value.code
    assert reason.message.startswith(refused.value.message)

    page = browser("auditor").get(f"/custody/letters/{number}").get_data(as_text=True)
    assert f'href="/letters/{number}"' in page
    row = page[page.index("submitted to MFA — refused") :].split("</tr>")[0]
    assert "Refused:" in row
    assert refused.value.message in row
    # The registration has no refusal line.
    registered = page[page.index("<td>registered") :].split("</tr>")[0]
    assert "Refused:" not in registered


def test_the_timeline_page_downloads_the_letters_bundle(
    browser: Callable[[str], Browser],  # noqa: F811
    service_session: Session,
    principal: Callable[[str], Principal],
) -> None:
    officer = principal("officer.minhealth")
    number = a_draft(
        service_session, officer, kind="foreign-letter", recipient="INTL_ORG"
    ).registry_number
    auditor = browser("auditor")
    page = auditor.get(f"/custody/letters/{number}").get_data(as_text=True)
    assert f'action="/custody/letters/{number}/export"' in page
    response = auditor.post(f"/custody/letters/{number}/export")
    assert response.status_code == 200
    assert f'filename="custody-{number}.json"' in response.headers["Content-Disposition"]
    bundle = json.loads(response.get_data(as_text=True))
    actions = [entry["event"]["action"] for entry in bundle["entries"]]
    assert actions == ["letter:registered", "log:exported"]
