"""Signed-in clients for the web and API tests: one per role, through the real sign-in form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import User
from registry.permissions import Role
from registry.services.tokens import issue_token

from .conftest import ADMIN_PASSWORD, PASSWORD

# One demo user per role (tests/integration/conftest.py creates them).
USER_OF_ROLE: dict[Role, str] = {
    Role.AGENCY_OFFICER: "officer.minhealth",
    Role.FIRST_HEAD: "head.minhealth",
    Role.MFA_CLERK: "clerk.mfa",
    Role.MOJ_OFFICER: "officer.moj",
    Role.AUDITOR: "auditor",
    Role.ADMIN: "admin",
}

_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def page_csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a page like a browser would."""
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@dataclass
class Browser:
    """A signed-in test client that sends its CSRF token with every form."""

    client: FlaskClient
    token: str

    def get(self, path: str, **kwargs: object):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict[str, object] | None = None, **kwargs: object):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)


def sign_in(app: Flask, username: str) -> Browser:
    client = app.test_client()
    client.set_cookie("lang", "en")  # the tests read English pages (Kazakh is the default)
    password = ADMIN_PASSWORD if username == "admin" else PASSWORD
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": page_csrf(client)},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return Browser(client, page_csrf(client, "/account/"))


@pytest.fixture
def browser(app: Flask) -> Callable[[str], Browser]:
    """``browser("clerk.mfa")``: a client signed in as that user."""
    return lambda username: sign_in(app, username)


@pytest.fixture
def api_token(db_session: Session) -> Callable[[str], dict[str, str]]:
    """``api_token("clerk.mfa")``: the Authorization header of a fresh token of that user."""

    def make(username: str) -> dict[str, str]:
        user = db_session.scalar(select(User).where(User.username == username))
        assert user is not None
        return {"Authorization": f"Bearer {issue_token(db_session, user.id, 'test').token}"}

    return make


def signed_xml(
    session: Session, username: str, number: str, envelope: dict[str, object], subject: str
) -> bytes:
    """A letter signed outside Arna's forms, with the key Arna holds for ``username``.

    Stands for an agency's own signing tools: the bytes are built and signed here
    and uploaded as they are.
    """
    from registry.services.pki import unlock_signing_key
    from signing.letter import build_letter
    from signing.sign import sign_letter

    from .conftest import SIGNING_PASSPHRASE

    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    unlocked = unlock_signing_key(user, SIGNING_PASSPHRASE)
    xml = build_letter(
        envelope, registry_number=number, subject=subject, body="Құрметті әріптестер!"
    )
    return sign_letter(xml, unlocked.key, unlocked.certificate)
