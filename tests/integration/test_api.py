"""The JSON API over the real app: upload, inbox, receive, forward, dispatch, return, ¶44 notice.

Tokens come from the real token service; letters are signed with real keys and
uploaded as bytes, which must come back untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.services.deadlines import today_kz
from registry.web.api import openapi_document

from .conftest import SIGNING_PASSPHRASE
from .web_fixtures import api_token, signed_xml  # noqa: F401

TODAY = today_kz().isoformat()


class Api:
    """A test client speaking as one user, with JSON helpers."""

    def __init__(self, client: FlaskClient, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.client.post(f"/api/v1{path}", headers=self.headers, json=json, **kwargs)

    def upload(self, xml: bytes, **query: str) -> Any:
        return self.client.post(
            "/api/v1/letters",
            headers={**self.headers, "Content-Type": "application/xml"},
            data=xml,
            query_string=query,
        )


@pytest.fixture
def api(app: Flask, api_token: Callable[[str], dict[str, str]]) -> Callable[[str], Api]:  # noqa: F811
    return lambda username: Api(app.test_client(), api_token(username))


def upload_letter(
    api: Callable[[str], Api], db_session: Session, username: str, **envelope: Any
) -> tuple[str, bytes, Any]:
    """Reserve a number, sign a letter outside the forms, upload it: (number, xml, response)."""
    officer = api(username)
    reserved = officer.post("/numbers")
    assert reserved.status_code == 201
    number = reserved.get_json()["registry_number"]
    env = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": TODAY,
        **envelope,
    }
    xml = signed_xml(db_session, username, number, env, "Ынтымақтастық туралы")
    return number, xml, officer.upload(xml)


def test_upload_receive_dispatch_over_the_api(api, db_session: Session) -> None:
    number, xml, response = upload_letter(
        api, db_session, "officer.minhealth", sender="AGENCY:MINHEALTH"
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "submitted"
    assert body["holder"] == "MFA"
    assert body["verification"]["indication"] == "TOTAL_PASSED"
    assert body["plan"]["rules"] == ["¶44"]

    officer, clerk = api("officer.minhealth"), api("clerk.mfa")
    assert officer.get(f"/letters/{number}/xml").data == xml  # the signed bytes, untouched
    waiting = [i["registry_number"] for i in clerk.get("/inbox").get_json()["items"]]
    assert number in waiting
    assert clerk.post(f"/letters/{number}/receive").get_json()["state"] == "received"
    dispatched = clerk.post(
        f"/letters/{number}/dispatch",
        json={"note_number": "14-2/77", "note_date": TODAY, "passphrase": SIGNING_PASSPHRASE},
    )
    assert dispatched.status_code == 200, dispatched.get_json()
    detail = officer.get(f"/letters/{number}").get_json()
    assert detail["state"] == "dispatched"
    assert detail["note_number"] == "14-2/77"
    assert [e["action"] for e in detail["history"]] == [
        "letter:submitted",
        "letter:received",
        "letter:dispatched",
    ]


def test_an_eaeu_court_reply_goes_through_moj_then_mfa(api, db_session: Session) -> None:
    """¶37 second part and ¶40: the reply goes to MOJ, which submits it to MFA."""
    number, _xml, response = upload_letter(
        api,
        db_session,
        "officer.minhealth",
        kind="court-reply",
        sender="AGENCY:MINHEALTH",
        recipient="EAEU_COURT",
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["plan"]["route"] == [
        "AGENCY:MINHEALTH",
        "MOJ",
        "MFA",
        "EAEU_COURT",
    ]
    moj, clerk = api("officer.moj"), api("clerk.mfa")
    assert moj.post(f"/letters/{number}/receive").get_json()["state"] == "received"
    forwarded = moj.post(f"/letters/{number}/forward").get_json()
    assert (forwarded["state"], forwarded["holder"]) == ("submitted", "MFA")
    assert clerk.post(f"/letters/{number}/receive").get_json()["state"] == "received"
    done = clerk.post(
        f"/letters/{number}/dispatch",
        json={"note_number": "N-5", "note_date": TODAY, "passphrase": SIGNING_PASSPHRASE},
    )
    assert done.get_json()["state"] == "dispatched"


def test_a_tampered_upload_is_refused_with_its_reasons_and_nothing_is_stored(
    api, db_session: Session
) -> None:
    officer = api("officer.minhealth")
    number = officer.post("/numbers").get_json()["registry_number"]
    env = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": TODAY,
    }
    xml = signed_xml(db_session, "officer.minhealth", number, env, "Original subject")
    response = officer.upload(xml.replace(b"Original subject", b"Altered subject!"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "letter_refused"
    assert error["details"]
    assert officer.get(f"/letters/{number}").status_code == 404


def test_an_upload_must_be_xml(api) -> None:
    response = api("officer.minhealth").post("/letters", json={"xml": "<letter/>"})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "unsupported_media_type"


def test_return_needs_reasons_and_records_them(api, db_session: Session) -> None:
    number, _xml, _r = upload_letter(
        api, db_session, "officer.minhealth", sender="AGENCY:MINHEALTH"
    )
    clerk = api("clerk.mfa")
    refused = clerk.post(f"/letters/{number}/return", json={"reasons": "not a list"})
    assert refused.status_code == 422
    returned = clerk.post(f"/letters/{number}/return", json={"reasons": ["No translation"]})
    assert returned.get_json()["state"] == "returned"
    assert returned.get_json()["return_reasons"] == ["No translation"]


def test_a_five_day_urgent_direct_send_tracks_the_notice_until_filed(
    api, db_session: Session
) -> None:
    """¶44: the urgent exception obliges the sender to inform MFA afterwards."""
    from routing.calendar import add_workdays

    urgent = add_workdays(today_kz(), 2).isoformat()
    number, _xml, response = upload_letter(
        api,
        db_session,
        "officer.minhealth",
        sender="AGENCY:MINHEALTH",
        send="direct",
        urgent_needed_by=urgent,
    )
    assert response.status_code == 201, response.get_json()
    sent = response.get_json()
    assert sent["state"] == "sent"
    assert sent["notice_outstanding"] is True
    officer = api("officer.minhealth")
    assert number in [i["registry_number"] for i in officer.get("/inbox").get_json()["items"]]
    filed = officer.post(f"/letters/{number}/notice", json={"text": "Sent on the 5-day rule"})
    assert filed.status_code == 200, filed.get_json()
    assert filed.get_json()["notice_outstanding"] is False


def test_list_filters_and_bad_filters(api, db_session: Session) -> None:
    number, _xml, _r = upload_letter(
        api, db_session, "officer.minhealth", sender="AGENCY:MINHEALTH"
    )
    officer = api("officer.minhealth")
    submitted = officer.get("/letters?state=submitted").get_json()["items"]
    assert number in [i["registry_number"] for i in submitted]
    assert officer.get("/letters?state=dispatched").get_json()["items"] == []
    bad = officer.get("/letters?state=lost")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "invalid"
    assert officer.get("/letters?limit=100000").status_code == 422


def test_errors_are_json_with_stable_codes(api) -> None:
    clerk = api("clerk.mfa")
    missing = clerk.get("/letters/MINHEALTH-2026-999999")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    bad_json = clerk.client.post(
        "/api/v1/letters/X/return",
        headers={**clerk.headers, "Content-Type": "application/json"},
        data=b"{not json",
    )
    assert bad_json.status_code == 422
    assert bad_json.get_json()["error"]["code"] == "bad_json"
    wrong_method = clerk.client.delete("/api/v1/letters", headers=clerk.headers)
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_the_openapi_document_covers_every_api_route(app: Flask) -> None:
    document = openapi_document()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            if method.lower() not in paths.get(path, {}):
                missing.append(f"{method} {path}")
    assert missing == [], "document these in registry/web/openapi.json and docs/api.md"


def test_the_openapi_document_is_served_without_a_token(app: Flask) -> None:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["info"]["title"] == "Arna registry API"


def test_an_incoming_request_starts_its_deadline_which_its_owner_marks_met(api) -> None:
    """¶36: the receiving body forwards a court's request within 3 working days of receipt."""
    officer = api("officer.minhealth")
    registered = officer.post(
        "/incoming",
        json={
            "envelope": {
                "kind": "court-request-forward",
                "sender": "AGENCY:MINHEALTH",
                "recipient": "MFA",
                "date": TODAY,
            },
            "subject": "Request of the court in case 7/2026",
        },
    )
    assert registered.status_code == 201, registered.get_json()
    letter = registered.get_json()
    owed = [d for d in letter["deadlines"] if d["by"] == "AGENCY:MINHEALTH" and d["due"]]
    assert owed
    assert owed[0]["rule"] == "¶36"
    done = officer.post(f"/deadlines/{owed[0]['id']}/complete")
    assert done.status_code == 200, done.get_json()
    again = officer.get(f"/letters/{letter['registry_number']}").get_json()
    assert next(d for d in again["deadlines"] if d["id"] == owed[0]["id"])["done_at"]


def test_an_oversized_upload_is_refused_before_it_is_read(api, app: Flask) -> None:
    big = b"<" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = api("officer.minhealth").upload(big)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_plan_preview_names_the_rules_and_stores_nothing(api) -> None:
    officer = api("officer.minhealth")
    envelope = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "WTO",
        "date": TODAY,
    }
    preview = officer.post("/plan", json={"envelope": envelope})
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["plan"]["channel"] == "direct"  # ¶44: the WTO exception
    assert officer.get("/letters").get_json()["items"] == []
    bad = officer.post("/plan", json={"envelope": {**envelope, "recipient": "MARS"}})
    assert bad.status_code == 422
    assert "recipient" in bad.get_json()["error"]["message"]


def test_special_procedure_information_is_cosigned_by_the_first_head_over_the_api(api) -> None:
    """¶14-7: a competent body's information to MFA is signed by its first head."""
    officer, head = api("officer.minhealth"), api("head.minhealth")
    draft = officer.post(
        "/drafts",
        json={
            "envelope": {
                "kind": "special-procedure-info",
                "sender": "AGENCY:MINHEALTH",
                "recipient": "MFA",
                "date": TODAY,
                "signed_by_first_head": True,
            },
            "subject": "Information for the reply to the Special Rapporteur",
            "body": "The Ministry reports …",
        },
    )
    assert draft.status_code == 201, draft.get_json()
    number = draft.get_json()["registry_number"]
    assert draft.get_json()["state"] == "draft"
    signed = officer.post(f"/letters/{number}/sign", json={"passphrase": SIGNING_PASSPHRASE})
    assert signed.get_json()["state"] == "signed"
    early = officer.post(f"/letters/{number}/submit")
    assert early.status_code in (409, 422)
    cosigned = head.post(f"/letters/{number}/sign", json={"passphrase": SIGNING_PASSPHRASE})
    assert cosigned.status_code == 200, cosigned.get_json()
    assert len(cosigned.get_json()["verification"]["signatures"]) == 2
    submitted = officer.post(f"/letters/{number}/submit")
    assert submitted.status_code == 200, submitted.get_json()
    assert submitted.get_json()["holder"] == "MFA"


def test_a_wrong_passphrase_is_refused_and_the_draft_stays(api) -> None:
    officer = api("officer.minhealth")
    draft = officer.post(
        "/drafts",
        json={
            "envelope": {
                "kind": "foreign-letter",
                "sender": "AGENCY:MINHEALTH",
                "recipient": "DIPLOMATIC_MISSION",
                "date": TODAY,
            },
            "subject": "s",
            "body": "b",
        },
    ).get_json()
    refused = officer.post(
        f"/letters/{draft['registry_number']}/sign", json={"passphrase": "not-the-passphrase"}
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "wrong_passphrase"
    assert officer.get(f"/letters/{draft['registry_number']}").get_json()["state"] == "draft"


def test_every_reference_in_the_openapi_document_resolves() -> None:
    document = openapi_document()

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            found = [node["$ref"]] if "$ref" in node else []
            return found + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for value in node for r in refs(value)]
        return []

    for ref in refs(document):
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]


def test_the_inbox_filters_by_urgency(api) -> None:
    from routing.calendar import add_workdays

    officer = api("officer.minhealth")
    for received in (today_kz(), add_workdays(today_kz(), -10)):
        response = officer.post(
            "/incoming",
            json={
                "envelope": {
                    "kind": "court-request-forward",
                    "sender": "AGENCY:MINHEALTH",
                    "recipient": "MFA",
                    "date": received.isoformat(),
                },
                "subject": f"Request received {received}",
            },
        )
        assert response.status_code == 201
    everything = officer.get("/inbox").get_json()["items"]
    overdue = officer.get("/inbox?urgency=overdue").get_json()["items"]
    assert len(overdue) == 1
    assert len(everything) == 2
    assert overdue[0]["overdue"] is True
    assert everything[0]["registry_number"] == overdue[0]["registry_number"]  # most urgent first
    assert officer.get("/inbox?urgency=soonish").status_code == 422
