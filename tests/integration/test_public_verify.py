# ruff: noqa: F811 -- pytest fixtures imported from helper modules are parameters here
"""The public verification page: no sign-in, only what the paper shows, throttled.

The client here is never signed in: whoever holds a paper copy is a stranger to Arna.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from registry.models import CertifiedCopy, User
from registry.paper.codes import new_code
from registry.paper.pdf import format_time
from registry.permissions import Principal
from registry.services import copies
from registry.services.throttle import ThrottlePolicy
from registry.services.unit_of_work import act

from .conftest import KEK
from .test_copies_fixtures import (  # noqa: F401 -- fixtures
    OFFICER_NAME,
    app_context,
    make_letter,
    pdf_text,
    qr_payloads,
)

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture(autouse=True)
def english(client: FlaskClient) -> None:
    """The assertions read the English page (Kazakh is the default; see the last test)."""
    client.set_cookie("lang", "en")


def issue(session: Session, number: str) -> copies.IssuedCopy:
    user = session.scalar(select(User).where(User.username == "officer.minhealth"))
    assert user is not None
    return act(
        copies.issue_copy, session, Principal.of(user), number, base_url="http://localhost", kek=KEK
    )


def upload(client: FlaskClient, pdf: bytes, *, code: str = "", csrf: bool = True) -> TestResponse:
    data: dict[str, object] = {"pdf": (io.BytesIO(pdf), "copy.pdf"), "code": code}
    if csrf:
        match = _CSRF.search(client.get("/verify/").get_data(as_text=True))
        assert match, "the upload form carries no CSRF token"
        data["csrf_token"] = match.group(1)
    return client.post("/verify/upload", data=data, content_type="multipart/form-data")


def test_the_qr_code_leads_to_a_page_that_confirms_the_copy_without_sign_in(
    client: FlaskClient, db_session: Session, make_letter, tmp_path
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    (url,) = qr_payloads(issued.pdf, tmp_path)
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Arna issued this certified copy." in html
    for shown in (letter.registry_number, letter.sha256, issued.sha256, "Signature valid"):
        assert shown in html
    assert OFFICER_NAME in html
    row = db_session.get(CertifiedCopy, issued.id)
    assert row is not None
    assert format_time(row.issued_at) in html  # Astana time, exactly as the stamp prints it
    assert format_time(row.issued_at) in " ".join(pdf_text(issued.pdf, tmp_path).split())
    assert page.headers["Cache-Control"] == "no-store"


def test_the_page_shows_nothing_beyond_the_paper(
    client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    html = client.get(f"/verify/{issued.code}").get_data(as_text=True)
    assert "Құрметті әріптестер" not in html  # the letter's text stays on the paper
    assert "officer.minhealth" not in html  # who issued it (a username) is not on the paper
    assert "custody" not in html.lower()


def test_a_typed_code_is_forgiven_case_dashes_and_lookalikes(
    client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    typed = issued.code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    response = client.get("/verify/", query_string={"code": typed})
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).status_code == 200


def test_unknown_and_malformed_codes_are_not_found(client: FlaskClient) -> None:
    for code in (new_code(), "not-a-code", "x" * 200):
        page = client.get(f"/verify/{code}")
        assert page.status_code == 404
        assert "does not belong to any copy" in page.get_data(as_text=True)


def test_guessing_is_throttled_per_address(client: FlaskClient, db_session, make_letter) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    for _ in range(ThrottlePolicy().max_per_address):
        assert client.get(f"/verify/{new_code()}").status_code == 404
    assert client.get(f"/verify/{new_code()}").status_code == 429
    assert client.get(f"/verify/{issued.code}").status_code == 429  # locked out, even when right
    other = client.get(f"/verify/{issued.code}", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code == 200


def test_uploading_the_issued_pdf_confirms_it(
    client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    response = upload(client, issued.pdf, code=issued.code)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "its seal is intact" in html
    assert "It is the copy of the code you checked." in html
    assert issued.sha256 in html


def test_an_altered_pdf_fails_the_upload_check(
    client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    altered = bytearray(issued.pdf)
    altered[len(altered) // 2] ^= 0x01
    response = upload(client, bytes(altered))
    assert response.status_code == 422
    assert "not a copy Arna issued" in response.get_data(as_text=True)


def test_another_copy_does_not_pass_for_the_one_checked(
    client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    first = issue(db_session, letter.registry_number)
    second = issue(db_session, letter.registry_number)
    response = upload(client, second.pdf, code=first.code)
    assert "It is not the copy of the code you checked." in response.get_data(as_text=True)


def test_garbage_uploads_fail_cleanly(client: FlaskClient) -> None:
    for junk in (b"", b"%PDF-1.7\n garbage", b"\x00" * 1000):
        response = upload(client, junk)
        assert response.status_code in (400, 422)


def test_the_upload_form_needs_its_csrf_token(
    app: Flask, client: FlaskClient, db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    assert upload(client, issued.pdf, csrf=False).status_code == 400


def test_the_page_speaks_kazakh_by_default(app: Flask, db_session: Session, make_letter) -> None:
    letter = make_letter()
    issued = issue(db_session, letter.registry_number)
    html = app.test_client().get(f"/verify/{issued.code}").get_data(as_text=True)
    assert '<html lang="kk">' in html
    assert "Электрондық құжаттың көшірмесі дұрыс" in html
    assert letter.registry_number in html
