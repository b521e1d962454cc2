"""Signed rule-file records on a real database, and the ¶32-1 paper copy of PA's approval sheet.

A step of a rule file is filed with its record (signing.records), signed with a real
key whose certificate the registry CA issued: the record is checked against its
kind's schema and against the file and the step before its signature is verified.
PA's electronic approval sheet (¶32-1) is then certified on paper with the copy
machinery of letters: the stamp «Электрондық құжаттың көшірмесі дұрыс», the seal,
the QR code and the public /verify page — read back with pdftotext and zbarimg.

The 2026 calendar: 23-25 March are Nauryz days off (21-22 March fall on the weekend).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import CertifiedCopy, User
from registry.paper.pades import validate_copy
from registry.paper.pdf import STAMP_KK, STAMP_RU
from registry.permissions import Principal
from registry.services import copies, pki, rule_files
from registry.services.custody import letter_entries
from registry.services.errors import Conflict, Invalid
from registry.services.unit_of_work import act
from signing.ca import OfficerIdentity
from signing.records import APPROVAL_SHEET, Approval, RecordKind, build_record
from signing.sign import sign_record

from .conftest import KEK, SIGNING_PASSPHRASE, csrf_token
from .test_copies_fixtures import pdf_text, qr_payloads
from .web_fixtures import api_token  # noqa: F401 -- fixture

D = date.fromisoformat
HEALTH = "AGENCY:MINHEALTH"
BASE_URL = "https://arna.test"
PA_OFFICER = "Гүлнар Ерланқызы"
SHEET = (
    Approval(
        "PA_AIDE_INTL", D("2026-04-01"), "Президенттің халықаралық мәселелер жөніндегі көмекшісі"
    ),
    Approval("PA_STATE_LEGAL_DEPARTMENT", D("2026-04-02"), "Мемлекеттік құқық бөлімі"),
)


def _health_signs(session: Session, xml: bytes) -> bytes:
    """The MINHEALTH officer's own key, held by Arna, unlocked with her passphrase."""
    user = session.scalar(select(User).where(User.username == "officer.minhealth"))
    assert user is not None
    unlocked = pki.unlock_signing_key(user, SIGNING_PASSPHRASE)
    return sign_record(xml, unlocked.key, unlocked.certificate)


def _pa_signs(session: Session, xml: bytes) -> bytes:
    """An officer of PA, whose signing certificate the registry CA issued (PA is not a
    user of the registry: MFA files the sheet it receives)."""
    key = ec.generate_private_key(ec.SECP256R1())
    ca = pki.load_registry_ca(session, kek=KEK)
    cert = ca.issue_officer_cert(OfficerIdentity(PA_OFFICER, "PA"), key.public_key())
    return sign_record(xml, key, cert)


def _agreement(session: Session, mfa: Principal) -> str:
    file = act(
        rule_files.open_file,
        session,
        mfa,
        "agreement",
        "Joint statement of the state visit",
        {"source": "joint-statement", "event_ended": "2026-03-20", "interested": [HEALTH]},
    )
    return file.number


def _proposals(number: str, **fields: object) -> bytes:
    values: dict[str, object] = {
        "file_number": number,
        "key": f"proposals:{HEALTH}",
        "rule": "¶31",
        "day": D("2026-03-26"),
        "by": HEALTH,
        "body": "Денсаулық сақтау министрлігінің тапсырма жобасына ұсыныстары.",
        **fields,
    }
    return build_record(RecordKind.AGREEMENT, **values)  # type: ignore[arg-type]


def test_a_step_is_filed_with_its_signed_record(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    number = _agreement(service_session, mfa)
    signed = _health_signs(service_session, _proposals(number))
    view = act(
        rule_files.record_event,
        service_session,
        health,
        number,
        f"proposals:{HEALTH}",
        D("2026-03-26"),
        signed,
    )
    (event,) = view.file.events
    assert event.xml == signed
    ((signer),) = event.signed_by
    assert (signer["name"], signer["agency"], signer["first_head"], signer["pki"]) == (
        "Aigerim Sadykova",
        HEALTH,
        False,
        "registry",
    )
    assert event.verification["indication"] == "TOTAL_PASSED"
    last = decode_leaf(letter_entries(service_session, number)[-1][1])
    assert last.action == "file:event-recorded"
    assert last.letter_sha256 == event.sha256


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"day": D("2026-03-25")}, "day: the record says 2026-03-25"),
        ({"key": "submit-to-pa", "rule": "¶32"}, "key: the record says submit-to-pa"),
        ({"by": "MFA"}, "by: the record says MFA"),
    ],
)
def test_a_record_of_another_step_is_refused_before_its_signature(
    service_session: Session,
    principal: Callable[[str], Principal],
    change: dict[str, object],
    reason: str,
) -> None:
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    number = _agreement(service_session, mfa)
    signed = _health_signs(service_session, _proposals(number, **change))
    with pytest.raises(Invalid) as refused:
        act(
            rule_files.record_event,
            service_session,
            health,
            number,
            f"proposals:{HEALTH}",
            D("2026-03-26"),
            signed,
        )
    assert any(reason in d for d in refused.value.details), refused.value.details
    assert rule_files.get_file(service_session, health, number).events == {}
    actions = [decode_leaf(leaf).action for _i, leaf in letter_entries(service_session, number)]
    assert actions[-1] == "file:event-recorded-refused"


def test_forged_unsigned_or_foreign_records_are_refused(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    number = _agreement(service_session, mfa)
    signed = _health_signs(service_session, _proposals(number))
    forged = signed.replace("ұсыныстары".encode(), "ескертулері".encode())
    unsigned = _proposals(number)
    not_xml = b"<record"
    foreign = signed.replace(b"urn:arna:record:agreement:1", b"urn:arna:record:decision:1")
    expected = ["signature does not verify", "signature does not verify", "not acceptable XML"]
    expected.append("record was refused")
    for document, message in zip([forged, unsigned, not_xml, foreign], expected, strict=True):
        with pytest.raises(Invalid, match=message):
            act(
                rule_files.record_event,
                service_session,
                health,
                number,
                f"proposals:{HEALTH}",
                D("2026-03-26"),
                document,
            )


def test_the_approval_sheet_is_certified_on_paper_and_verified_in_public(
    service_session: Session,
    principal: Callable[[str], Principal],
    client: FlaskClient,
    tmp_path,
) -> None:
    """¶32-1: «…"Электрондық құжаттың көшірмесі дұрыс" деген мөртабанмен куәландырылған
    Президент Әкімшілігінде электрондық келісу парағының қағаздағы көшірмесі қоса беріледі»."""
    mfa, health = principal("clerk.mfa"), principal("officer.minhealth")
    number = _agreement(service_session, mfa)
    act(rule_files.record_event, service_session, mfa, number, "submit-to-pa", D("2026-03-31"))
    sheet = build_record(
        RecordKind.AGREEMENT,
        file_number=number,
        key=APPROVAL_SHEET,
        rule="¶32-1",
        day=D("2026-04-02"),
        by="PA",
        body="Тапсырмалар жобасының электрондық келісу парағы.",
        approvals=SHEET,
    )
    view = act(
        rule_files.record_event,
        service_session,
        mfa,
        number,
        APPROVAL_SHEET,
        D("2026-04-02"),
        _pa_signs(service_session, sheet),
    )
    # ¶32-1: 3 wd from Tuesday 31 March: 1, 2, 3 April; done on the 2nd.
    (duty,) = [d for d in view.duties if d.key == APPROVAL_SHEET]
    assert duty.due == D("2026-04-03")
    assert duty.done == D("2026-04-02")

    with pytest.raises(Conflict, match="only MFA, the party that took the step"):
        act(
            copies.issue_record_copy,
            service_session,
            health,
            number,
            APPROVAL_SHEET,
            base_url=BASE_URL,
            kek=KEK,
        )
    with pytest.raises(Conflict, match="no signed record"):
        act(
            copies.issue_record_copy,
            service_session,
            mfa,
            number,
            "submit-to-pa",
            base_url=BASE_URL,
            kek=KEK,
        )
    issued = act(
        copies.issue_record_copy,
        service_session,
        mfa,
        number,
        APPROVAL_SHEET,
        base_url=BASE_URL,
        kek=KEK,
    )
    flat = " ".join(pdf_text(issued.pdf, tmp_path).split())
    assert STAMP_KK in flat
    assert STAMP_RU in flat
    assert f"{number}/{APPROVAL_SHEET}" in flat
    assert PA_OFFICER in flat  # the signer, from the stored verification
    assert "Мемлекеттік құқық бөлімі" in flat  # an approver of the sheet
    assert "¶32-1" in flat

    (url,) = qr_payloads(issued.pdf, tmp_path, keep_as="approval-sheet-copy-page1.png")
    assert url == issued.verification_url
    assert url.startswith(BASE_URL + "/verify/")
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"{number}/{APPROVAL_SHEET}" in html
    assert issued.sha256 in html
    assert "Қолтаңба жарамды" in html  # "Signature valid" (TOTAL_PASSED), in Kazakh
    assert validate_copy(issued.pdf, copies.seal_roots(service_session)).ok

    row = service_session.scalar(select(CertifiedCopy).where(CertifiedCopy.id == issued.id))
    assert row is not None
    assert row.letter_id is None
    assert row.rule_file_event_id is not None
    actions = [decode_leaf(leaf).action for _i, leaf in letter_entries(service_session, number)]
    assert actions[-1] == "copy:issued"


def test_api_files_a_signed_record_and_issues_its_copy(
    app: Flask,
    db_session: Session,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    tmp_path,
) -> None:
    client = app.test_client()
    mfa, health = api_token("clerk.mfa"), api_token("officer.minhealth")
    opened = client.post(
        "/api/v1/files",
        headers=mfa,
        json={
            "kind": "agreement",
            "title": "Joint statement of the state visit",
            "facts": {
                "source": "joint-statement",
                "event_ended": "2026-03-20",
                "interested": [HEALTH],
            },
        },
    )
    number = opened.get_json()["number"]
    with app.app_context():
        signed = _health_signs(db_session, _proposals(number))
    step = {"key": f"proposals:{HEALTH}", "day": "2026-03-26"}
    wrong = client.post(
        f"/api/v1/files/{number}/events", headers=health, json={**step, "record": 7}
    )
    assert wrong.status_code == 422
    recorded = client.post(
        f"/api/v1/files/{number}/events",
        headers=health,
        json={**step, "record": signed.decode()},
    )
    assert recorded.status_code == 200, recorded.get_json()
    (record,) = recorded.get_json()["records"].values()
    assert record["signed_by"][0]["agency"] == HEALTH
    issued = client.post(
        f"/api/v1/files/{number}/records/proposals:{HEALTH}/copies", headers=health
    )
    assert issued.status_code == 201
    assert issued.mimetype == "application/pdf"
    assert STAMP_KK in " ".join(pdf_text(issued.data, tmp_path).split())
    assert issued.headers["X-Arna-Verification-Url"].startswith(BASE_URL + "/verify/")


def test_the_file_page_uploads_a_record_and_offers_its_copy(
    app: Flask, db_session: Session, login: Callable[[str], FlaskClient]
) -> None:
    client = login("officer.minhealth")
    mfa = Principal.of(db_session.scalar(select(User).where(User.username == "clerk.mfa")))
    with app.app_context():
        number = _agreement(db_session, mfa)
        signed = _health_signs(db_session, _proposals(number))
    page_url = f"/files/{number}"
    response = client.post(
        f"{page_url}/events",
        data={
            "csrf_token": csrf_token(client, page_url),
            "key": f"proposals:{HEALTH}",
            "day": "2026-03-26",
            "record": (io.BytesIO(signed), "proposals.xml"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "Recorded" in page or "Тіркелді" in page
    action = f"{page_url}/records/proposals:{HEALTH}/copies"
    assert f'action="{action}"' in page
    issued = client.post(action, data={"csrf_token": csrf_token(client, page_url)})
    assert issued.status_code == 200
    assert issued.mimetype == "application/pdf"
    assert client.post(action, data={}).status_code == 400  # no CSRF token
