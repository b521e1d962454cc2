"""Confirmations before irreversible actions: data-confirm questions for static/confirm.js,
the server's own question when the answer is missing, and certificates' validity."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import User

from .web_fixtures import Browser, browser  # noqa: F401


def test_every_page_loads_confirm_js_from_a_file(browser: Callable[[str], Browser]) -> None:  # noqa: F811
    officer = browser("officer.minhealth")
    page = officer.get("/account/").get_data(as_text=True)
    assert '<script src="/static/confirm.js" defer></script>' in page
    assert (
        'data-confirm="Create a new signing key? Any certificate you have now is revoked."' in page
    )
    script = officer.get("/static/confirm.js")
    assert script.status_code == 200
    assert "window.confirm(question)" in script.get_data(as_text=True)
    assert "script-src 'self'" in script.headers["Content-Security-Policy"]


def test_a_certificate_is_revoked_only_once_confirmed_and_its_validity_is_shown(
    browser: Callable[[str], Browser],  # noqa: F811
    db_session: Session,
) -> None:
    admin = browser("admin")
    page = admin.get("/admin/certificates").get_data(as_text=True)
    assert "Valid from – to (UTC)" in page
    assert re.search(r"<td>\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}</td>", page)
    assert 'data-confirm="Revoke this certificate?' in page
    officer = db_session.scalar(select(User).where(User.username == "officer.minhealth"))
    assert officer is not None
    assert officer.certificate_revoked_at is None

    asking = admin.post(f"/admin/certificates/{officer.id}/revoke")
    assert asking.status_code == 200
    text = asking.get_data(as_text=True)
    assert "Are you sure?" in text
    assert f'action="/admin/certificates/{officer.id}/revoke"' in text
    db_session.refresh(officer)
    assert officer.certificate_revoked_at is None

    done = admin.post(f"/admin/certificates/{officer.id}/revoke", data={"confirmed": "1"})
    assert done.status_code == 302
    db_session.refresh(officer)
    assert officer.certificate_revoked_at is not None
