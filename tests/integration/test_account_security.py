"""Issue 11: what a stolen session or a copied cookie can no longer do.

M3 — creating a signing key or an API token, or revoking one, asks for the current
password; L1 — signing out ends the session server-side, and X-Forwarded-For is not
read when no proxy is trusted; L2 — API tokens end with a password change or reset;
L3 — the current-password check is throttled.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import ApiToken, User

from .conftest import PASSWORD
from .web_fixtures import api_token, browser  # noqa: F401

NEW_PASSPHRASE = "a brand new passphrase"


def _user(db_session: Session, username: str) -> User:
    user = db_session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


def test_a_signing_key_is_created_only_with_the_current_password(
    browser,  # noqa: F811
    db_session: Session,
) -> None:
    officer = browser("officer.minhealth")
    before = _user(db_session, "officer.minhealth").certificate_serial
    form = {"passphrase": NEW_PASSPHRASE, "confirm": NEW_PASSPHRASE}
    officer.post("/account/signing-key", form)
    officer.post("/account/signing-key", {**form, "current": "a wrong password"})
    db_session.expire_all()
    assert _user(db_session, "officer.minhealth").certificate_serial == before
    officer.post("/account/signing-key", {**form, "current": PASSWORD})
    db_session.expire_all()
    assert _user(db_session, "officer.minhealth").certificate_serial != before


def test_api_tokens_are_created_and_revoked_only_with_the_current_password(
    browser,  # noqa: F811
    db_session: Session,
) -> None:
    officer = browser("officer.minhealth")
    refused = officer.post("/account/tokens", {"name": "stolen", "current": "a wrong one"})
    assert "arna_" not in refused.get_data(as_text=True)
    officer.post("/account/tokens", {"name": "stolen"})
    assert db_session.scalar(select(ApiToken).where(ApiToken.name == "stolen")) is None

    page = officer.post("/account/tokens", {"name": "mine", "current": PASSWORD})
    assert re.search(r"<code>(arna_[^<]+)</code>", page.get_data(as_text=True))
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "mine"))
    assert row is not None
    officer.post(f"/account/tokens/{row.id}/revoke")
    officer.post(f"/account/tokens/{row.id}/revoke", {"current": "a wrong one"})
    db_session.refresh(row)
    assert row.revoked_at is None
    officer.post(f"/account/tokens/{row.id}/revoke", {"current": PASSWORD})
    db_session.refresh(row)
    assert row.revoked_at is not None


def test_the_account_page_asks_for_the_current_password_with_each_action(browser) -> None:  # noqa: F811
    page = browser("officer.minhealth").get("/account/").get_data(as_text=True)
    for action in ("/account/signing-key", "/account/tokens", "/account/password"):
        form = page[page.index(f'action="{action}"') :].split("</form>")[0]
        assert 'name="current"' in form, action


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app: Flask, browser) -> None:  # noqa: F811
    officer = browser("officer.minhealth")
    cookie = officer.client.get_cookie("arna_session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("arna_session", cookie.value)
    assert thief.get("/account/").status_code == 200
    assert officer.post("/logout").status_code == 302
    assert thief.get("/account/").status_code == 302  # back to the sign-in page


def test_x_forwarded_for_is_not_read_without_a_trusted_proxy(browser) -> None:  # noqa: F811
    officer = browser("officer.minhealth")
    headers = {"X-Forwarded-For": "203.0.113.7"}
    assert officer.get("/account/", headers=headers).status_code == 200
    assert officer.get("/account/").status_code == 200


def test_a_password_change_or_reset_ends_the_api_tokens(
    app: Flask,
    browser,  # noqa: F811
    api_token,  # noqa: F811
    db_session: Session,
) -> None:
    client = app.test_client()
    changed, reset = api_token("officer.minhealth"), api_token("officer.minecon")
    assert client.get("/api/v1/me", headers=changed).status_code == 200
    officer = browser("officer.minhealth")
    officer.post("/account/password", {"current": PASSWORD, "new": "another password 2026"})
    assert client.get("/api/v1/me", headers=changed).status_code == 401

    assert client.get("/api/v1/me", headers=reset).status_code == 200
    user_id = _user(db_session, "officer.minecon").id
    browser("admin").post(f"/admin/users/{user_id}/password", {"password": "reset by admin 2026"})
    assert client.get("/api/v1/me", headers=reset).status_code == 401


def test_the_current_password_check_is_throttled(browser) -> None:  # noqa: F811
    officer = browser("officer.minhealth")
    for _ in range(5):
        officer.post("/account/password", {"current": "a wrong guess", "new": "guessed 2026 pw"})
    officer.post("/account/password", {"current": PASSWORD, "new": "the real new one 2026"})
    browser("officer.minhealth")  # signs in with the old password: the change was refused
