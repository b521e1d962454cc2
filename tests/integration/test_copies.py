# ruff: noqa: F811 -- pytest fixtures imported from helper modules are parameters here
"""Certified paper copies on the real app and database: issue, read back, check.

The PDF is checked with the real tools: pdftotext (the stamp in Kazakh and
Russian, the registry number, the letter's hash), pdftoppm + zbarimg (the QR code,
followed to the public page), pyHanko (the registry's PAdES seal); an altered copy
fails. (The unit tests keep a rendered page as test-artifacts/copy-page1.png.)
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.bundle import verify_bundle
from custody.event import decode_leaf
from registry.models import CertifiedCopy, RegistryKey, User
from registry.paper.codes import lookup_key
from registry.paper.pades import validate_copy
from registry.paper.pdf import STAMP_KK, STAMP_RU
from registry.permissions import Principal
from registry.services import copies, custody, letters, pki
from registry.services.custody import letter_entries
from registry.services.errors import Conflict, Forbidden, NotFound
from registry.services.unit_of_work import act

from .conftest import KEK
from .test_copies_fixtures import (  # noqa: F401 -- fixtures
    OFFICER_NAME,
    app_context,
    make_letter,
    pdf_text,
    qr_payloads,
)
from .web_fixtures import api_token, browser  # noqa: F401 -- fixtures

BASE_URL = "https://arna.test"


def principal(session: Session, username: str) -> Principal:
    user = session.scalar(select(User).where(User.username == username))
    assert user is not None
    return Principal.of(user)


def issue(session: Session, username: str, number: str) -> copies.IssuedCopy:
    return act(
        copies.issue_copy, session, principal(session, username), number, base_url=BASE_URL, kek=KEK
    )


def events(session: Session, number: str) -> list[tuple[str, str | None]]:
    found = [decode_leaf(leaf) for _i, leaf in letter_entries(session, number)]
    return [(e.action, e.actor.user) for e in found]


def test_issued_copy_reads_back_with_the_real_tools(
    db_session: Session, make_letter, client: FlaskClient, tmp_path
) -> None:
    letter = make_letter()
    issued = issue(db_session, "officer.minhealth", letter.registry_number)

    text = pdf_text(issued.pdf, tmp_path)
    flat = " ".join(text.split())
    assert STAMP_KK in flat  # the stamp wording of ¶32-1, Kazakh first
    assert STAMP_RU in flat
    assert flat.index(STAMP_KK) < flat.index(STAMP_RU)
    assert letter.registry_number in flat
    assert letter.sha256 in flat.replace(" ", "")
    assert "ә ғ қ ң ө ұ ү һ і" in flat  # the letter's own Kazakh text, from its signed XML
    assert OFFICER_NAME in flat  # the signer, from the stored verification
    # Names, not codes (issue 17): the custody timeline, the kind, the parties, the route.
    assert "қол қойылды / подписано" in flat
    assert "letter:signed" not in flat
    assert "Шетелдік органға хат / Письмо иностранному органу" in flat
    assert "foreign-letter" not in flat
    assert "Сыртқы істер министрлігі / Министерство иностранных дел" in flat
    assert "AGENCY:" not in flat

    (url,) = qr_payloads(issued.pdf, tmp_path, keep_as="copy-issued-page1.png")
    assert url == issued.verification_url
    assert url.startswith(BASE_URL + "/verify/")
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert letter.registry_number in html
    assert issued.sha256 in html
    assert "Қолтаңба жарамды" in html  # a Kazakh page (no language chosen)
    assert "TOTAL_PASSED" not in html

    seal = validate_copy(issued.pdf, copies.seal_roots(db_session))
    assert seal.ok, seal.reason
    altered = bytearray(issued.pdf)
    altered[len(altered) // 3] ^= 0x01  # one bit inside the signed byte range
    assert not validate_copy(bytes(altered), copies.seal_roots(db_session)).ok


def test_the_database_keeps_hashes_never_the_code_or_the_pdf(
    db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, "officer.minhealth", letter.registry_number)
    row = db_session.scalar(select(CertifiedCopy).where(CertifiedCopy.id == issued.id))
    assert row is not None
    assert row.code_sha256 == lookup_key(issued.code)
    assert row.pdf_sha256 == hashlib.sha256(issued.pdf).hexdigest() == issued.sha256
    assert row.pdf_size == len(issued.pdf)
    stored = " ".join(str(getattr(row, c.key)) for c in CertifiedCopy.__table__.columns)
    assert issued.code not in stored
    assert issued.code.replace("-", "") not in stored
    assert row.letter_sha256 == letter.sha256
    assert row.letter_state == "signed"
    assert row.signatures[0]["indication"] == "TOTAL_PASSED"


def test_issuing_appends_copy_issued_in_the_same_transaction(
    db_session: Session, make_letter
) -> None:
    letter = make_letter()
    issued = issue(db_session, "clerk.mfa", letter.registry_number)
    assert events(db_session, letter.registry_number)[-1] == ("copy:issued", "clerk.mfa")
    row = db_session.get(CertifiedCopy, issued.id)
    assert row is not None
    last = decode_leaf(letter_entries(db_session, letter.registry_number)[-1][1])
    assert row.custody_index == last.index
    assert last.letter_sha256 == letter.sha256
    assert last.state_before == last.state_after == "signed"


def test_the_copy_event_is_provable_in_the_letters_custody_bundle(
    db_session: Session, make_letter
) -> None:
    """An auditor's offline check of the letter's export includes the issued copy."""
    letter = make_letter()
    issue(db_session, "officer.minhealth", letter.registry_number)
    bundle = custody.export_bundle(db_session, letter.registry_number)
    report = verify_bundle(bundle, verifier_key=custody.verifier_key(db_session))
    assert report.ok, report.problem
    actions = [entry["event"]["action"] for entry in bundle["entries"]]
    assert actions[-1] == "copy:issued"


def test_each_copy_has_its_own_code(db_session: Session, make_letter) -> None:
    letter = make_letter()
    first = issue(db_session, "officer.minhealth", letter.registry_number)
    second = issue(db_session, "head.minhealth", letter.registry_number)
    assert first.code != second.code
    assert first.sha256 != second.sha256
    listed = copies.list_copies(
        db_session, principal(db_session, "officer.minhealth"), letter.registry_number
    )
    assert [c.id for c in listed] == [second.id, first.id]


@pytest.mark.parametrize("username", ["officer.minhealth", "head.minhealth", "clerk.mfa", "admin"])
def test_who_may_issue(db_session: Session, make_letter, username: str) -> None:
    """Certified copies in Arna: MFA clerks, the letter's own agency, administrators."""
    letter = make_letter()
    assert issue(db_session, username, letter.registry_number).pdf.startswith(b"%PDF")


def test_other_agencies_do_not_even_learn_the_letter_exists(
    db_session: Session, make_letter
) -> None:
    letter = make_letter()
    for username in ("officer.minecon", "officer.moj"):
        with pytest.raises(NotFound):
            issue(db_session, username, letter.registry_number)
    with pytest.raises(NotFound):
        issue(db_session, "officer.minhealth", "MINHEALTH-2026-999999")
    assert db_session.scalar(select(CertifiedCopy.id)) is None


def test_auditors_may_not_issue(db_session: Session, make_letter) -> None:
    letter = make_letter()
    with pytest.raises(Forbidden):
        issue(db_session, "auditor", letter.registry_number)


def test_a_hub_that_sees_a_letter_of_another_agency_is_refused_and_it_is_logged(
    db_session: Session, make_letter
) -> None:
    """MOJ sees an application routed through it (¶40) but it is not MOJ's letter."""
    letter = make_letter(
        kind="court-application",
        recipient="EAEU_COURT",
        planned_send_date="2026-05-04",
        language="ru",
    )
    assert "|MOJ|" in letter.parties
    with pytest.raises(Conflict):
        issue(db_session, "officer.moj", letter.registry_number)
    assert events(db_session, letter.registry_number)[-1] == ("copy:issued-refused", "officer.moj")
    assert db_session.scalar(select(CertifiedCopy.id)) is None


def test_a_draft_has_nothing_to_certify(db_session: Session, app_context) -> None:
    officer = principal(db_session, "officer.minhealth")
    draft = act(
        letters.compose_letter,
        db_session,
        officer,
        envelope={
            "kind": "foreign-letter",
            "sender": "AGENCY:MINHEALTH",
            "recipient": "DIPLOMATIC_MISSION",
            "date": "2026-03-19",
        },
        subject="Draft",
        body="Not signed yet.",
    )
    with pytest.raises(Conflict, match="no signed original"):
        issue(db_session, "officer.minhealth", draft.registry_number)
    refused = events(db_session, draft.registry_number)[-1]
    assert refused == ("copy:issued-refused", "officer.minhealth")


def test_the_seal_is_issued_by_the_registry_ca_and_made_once(
    db_session: Session, make_letter
) -> None:
    assert copies.ensure_copy_seal(db_session, KEK) is False  # bootstrap made it
    seal = copies.load_copy_seal(db_session, KEK)
    assert seal.root == pki.ca_certificate(db_session)
    letter = make_letter()
    issued = issue(db_session, "officer.minhealth", letter.registry_number)
    result = validate_copy(issued.pdf, [seal.root])
    assert result.ok, result.reason
    assert "certified copies" in (result.signer or "")


def test_a_missing_seal_is_made_on_first_use_by_the_registry_ca(
    db_session: Session, make_letter
) -> None:
    db_session.delete(db_session.get(RegistryKey, copies.SEAL_KEY_NAME))
    db_session.commit()
    letter = make_letter()
    issued = issue(db_session, "clerk.mfa", letter.registry_number)
    assert validate_copy(issued.pdf, [pki.ca_certificate(db_session)]).ok


# ----------------------------------------------------------------------------- the web


def test_ui_issues_a_copy_with_csrf(app: Flask, browser, make_letter) -> None:
    letter = make_letter()
    officer = browser("officer.minhealth")
    page = officer.get(f"/letters/{letter.registry_number}/copies")
    assert page.status_code == 200
    assert "csrf_token" in page.get_data(as_text=True)
    response = officer.post(f"/letters/{letter.registry_number}/copies")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Arna-Copy-SHA256"] == hashlib.sha256(response.data).hexdigest()
    forged = officer.client.post(f"/letters/{letter.registry_number}/copies", data={})
    assert forged.status_code == 400
    listed = officer.get(f"/letters/{letter.registry_number}/copies").get_data(as_text=True)
    assert response.headers["X-Arna-Copy-SHA256"] in listed


def test_ui_hides_other_agencies_letters(browser, make_letter) -> None:
    letter = make_letter()
    other = browser("officer.minecon")
    assert other.get(f"/letters/{letter.registry_number}/copies").status_code == 404
    assert other.post(f"/letters/{letter.registry_number}/copies").status_code == 404


def test_api_issues_and_lists_copies(client: FlaskClient, api_token, make_letter) -> None:
    letter = make_letter()
    headers = api_token("clerk.mfa")
    response = client.post(f"/api/v1/letters/{letter.registry_number}/copies", headers=headers)
    assert response.status_code == 201
    assert response.mimetype == "application/pdf"
    digest = hashlib.sha256(response.data).hexdigest()
    assert response.headers["X-Arna-Copy-SHA256"] == digest
    assert "/verify/" in response.headers["X-Arna-Verification-Url"]
    listed = client.get(f"/api/v1/letters/{letter.registry_number}/copies", headers=headers)
    assert listed.status_code == 200
    assert [c["sha256"] for c in listed.get_json()["copies"]] == [digest]
    assert "code" not in listed.get_json()["copies"][0]


def test_the_verification_url_comes_from_configuration_never_the_host_header(
    client: FlaskClient, api_token, make_letter, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11, L5: the Host header used to set the address sealed into copies."""
    letter = make_letter()
    path = f"/api/v1/letters/{letter.registry_number}/copies"
    headers = {**api_token("clerk.mfa"), "Host": "evil.example"}
    response = client.post(path, headers=headers)
    assert response.status_code == 201
    assert response.headers["X-Arna-Verification-Url"].startswith("https://arna.test/verify/")

    monkeypatch.setitem(app.config, "ARNA_PUBLIC_URL", None)
    refused = client.post(path, headers=headers)
    assert refused.status_code == 409
    assert "ARNA_PUBLIC_URL" in refused.get_json()["error"]["message"]


def test_api_refuses_without_a_token_and_for_auditors(
    client: FlaskClient, api_token, make_letter
) -> None:
    letter = make_letter()
    path = f"/api/v1/letters/{letter.registry_number}/copies"
    assert client.post(path).status_code == 401
    refused = client.post(path, headers=api_token("auditor"))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
