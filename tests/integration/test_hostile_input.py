"""Issue 11, L8: hostile request shapes get a 400 naming the problem (or are ignored
safely), never a 500 — checked once at the app level, whichever view is asked."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from .conftest import PASSWORD, csrf_token
from .web_fixtures import api_token, browser  # noqa: F401

DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize("path", ["/api/v1/plan", "/api/v1/drafts", "/api/v1/incoming"])
def test_deeply_nested_json_is_a_clear_400(
    client: FlaskClient,
    api_token,  # noqa: F811
    path: str,
) -> None:
    response = client.post(
        path,
        data=DEEP,
        headers={**api_token("officer.minhealth"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/letters?q=%00x",
        "/letters?state=%00",
        "/letters/MINHEALTH-2026-%00",
        "/inbox?urgency=%00",
        "/verify?code=%00ABC",
        "/api/v1/letters?q=%00x",
        "/api/v1/letters/MINHEALTH-%00",
    ],
)
def test_a_nul_in_the_address_is_a_400(
    browser,  # noqa: F811
    api_token,  # noqa: F811
    path: str,
) -> None:
    signed_in = browser("auditor").client
    headers = api_token("auditor") if path.startswith("/api/") else {}
    response = signed_in.get(path, headers=headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "NUL" in response.get_data(as_text=True)


def test_a_nul_in_a_form_field_is_a_400(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        data={"username": "auditor\x00", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 400


CRLF_NEXT = "/inbox\r\nSet-Cookie: pwned=1"


def test_cr_lf_in_next_after_sign_in_is_ignored(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        query_string={"next": CRLF_NEXT},
        data={"username": "auditor", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert "pwned" not in response.headers["Location"]


def test_cr_lf_in_next_of_the_language_switch_is_ignored(client: FlaskClient) -> None:
    response = client.post(
        "/language", data={"lang": "en", "next": CRLF_NEXT, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302
    assert "pwned" not in response.headers["Location"]
