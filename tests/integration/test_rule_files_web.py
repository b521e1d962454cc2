"""Rule files over the JSON API and the pages: open, read, record, refuse, in scope only."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from .conftest import PASSWORD, csrf_token
from .web_fixtures import api_token  # noqa: F401

HEALTH = "AGENCY:MINHEALTH"
ECON = "AGENCY:MINECON"
AGREEMENT = {
    "kind": "agreement",
    "title": "Joint statement of the state visit",
    "facts": {"source": "joint-statement", "event_ended": "2026-03-20", "interested": [HEALTH]},
}


def test_api_opens_reads_and_records(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    client = app.test_client()
    mfa, health, econ = (
        api_token("clerk.mfa"),
        api_token("officer.minhealth"),
        api_token("officer.minecon"),
    )
    refused = client.post("/api/v1/files", headers=health, json=AGREEMENT)
    assert refused.status_code == 403
    bad = client.post("/api/v1/files", headers=mfa, json={**AGREEMENT, "facts": {}})
    assert bad.status_code == 422
    assert "source" in bad.get_json()["error"]["message"]
    opened = client.post("/api/v1/files", headers=mfa, json=AGREEMENT)
    assert opened.status_code == 201, opened.get_json()
    number = opened.get_json()["number"]
    duties = {d["key"]: d for d in opened.get_json()["duties"]}
    assert duties[f"proposals:{HEALTH}"]["due"] == "2026-03-27"
    assert duties["submit-to-pa"]["rule"] == "¶32"
    assert client.get(f"/api/v1/files/{number}", headers=econ).status_code == 404
    listed = client.get("/api/v1/files?kind=agreement", headers=health).get_json()["items"]
    assert [f["number"] for f in listed] == [number]
    recorded = client.post(
        f"/api/v1/files/{number}/events",
        headers=health,
        json={"key": f"proposals:{HEALTH}", "day": "2026-03-26"},
    )
    assert recorded.status_code == 200
    assert recorded.get_json()["events"] == {f"proposals:{HEALTH}": "2026-03-26"}
    wrong = client.post(
        f"/api/v1/files/{number}/events",
        headers=health,
        json={"key": "submit-to-pa", "day": "2026-03-26"},
    )
    assert wrong.status_code == 403
    no_day = client.post(
        f"/api/v1/files/{number}/events", headers=mfa, json={"key": "submit-to-pa"}
    )
    assert no_day.status_code == 422


def _login(client: FlaskClient, username: str) -> None:
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302


def test_pages_open_a_decision_file_and_record_a_step(app: Flask) -> None:
    client = app.test_client()
    _login(client, "clerk.mfa")
    token = csrf_token(client, "/files")
    response = client.post(
        "/files",
        data={
            "csrf_token": token,
            "kind": "decision",
            "title": "WHO resolution",
            "day": "2026-03-18",
            "parties": "AGENCY:MINHEALTH, AGENCY:MINECON",
            "source": "registered",
            "organisation": "INTL_ORG",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page_url = response.headers["Location"]
    number = page_url.rsplit("/", 1)[1]
    page = client.get(page_url).get_data(as_text=True)
    assert f'data-key="forward:{HEALTH}"' in page
    # A Kazakh page: the duty's wording and its state by name, not the engine's English / code.
    assert "шешімді оны іске асыру жөнінде ұсыныстар әзірлеу үшін жіберу" in page
    assert "send the decision for proposals on its implementation" not in page
    assert "<td>мерзімі жетпеген</td>" in page or "<td>мерзімі өткен</td>" in page
    assert "2026-03-30" in page  # ¶10: 5 wd from 18 March, 23-25 March off
    response = client.post(
        f"/files/{number}/events",
        data={
            "csrf_token": csrf_token(client, page_url),
            "key": f"forward:{HEALTH}",
            "day": "2026-03-20",
        },
    )
    assert response.status_code == 302
    page = client.get(page_url).get_data(as_text=True)
    assert "2026-04-15" in page  # ¶11: 15 wd from 20 March


def test_reports_api_and_page(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    login: Callable[[str], FlaskClient],
) -> None:
    client = app.test_client()
    health = api_token("officer.minhealth")
    opened = client.post(
        "/api/v1/reports",
        headers=health,
        json={"facts": {"type": "annual", "body": HEALTH, "year": 2026}},
    )
    assert opened.status_code == 201, opened.get_json()
    assert opened.get_json()["duties"][0]["due"] == "2026-12-18"
    exempt = client.post(
        "/api/v1/reports",
        headers=api_token("clerk.mfa"),
        json={
            "facts": {
                "type": "consultation",
                "body": HEALTH,
                "departure": "2026-03-26",
                "special": True,
            }
        },
    )
    assert exempt.get_json()["exemption"]["rule"] == "¶50 part 3"
    overview = client.get("/api/v1/reports/overview", headers=health).get_json()
    assert overview["agencies"][HEALTH]["due"] == 1
    assert overview["exemptions"][0]["reason"] == "¶48 does not apply to special state bodies"
    page = login("clerk.mfa").get("/reports").get_data(as_text=True)
    assert f'data-agency="{HEALTH}"' in page
    # Kazakh: who owes whom by name, and what (its values filled in), in the reader's language.
    quarterly = overview["calendar"][0]
    year, quarter = quarterly["key"].removeprefix("investment-report:").split("-Q")
    assert quarterly["what"] == f"report on investment agreements for Q{quarter} {year}"  # API
    assert "-тоқсандағы инвестициялық келісімдер туралы есеп" in page
    assert "report on investment agreements" not in page
    assert "<td>Сыртқы істер министрлігі → Үкімет Аппараты</td>" in page
    assert "¶50 part 3" in page


def test_draft_decisions_over_the_api_and_the_pages(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    login: Callable[[str], FlaskClient],
) -> None:
    client = app.test_client()
    health, econ = api_token("officer.minhealth"), api_token("officer.minecon")
    draft = {
        "title": "Draft WHO recommendation",
        "facts": {"organisation": "INTL_ORG", "received": "2026-03-18", "interested": [ECON]},
    }
    assert (
        client.post("/api/v1/draft-decisions", headers=api_token("auditor"), json=draft).status_code
        == 403
    )
    opened = client.post("/api/v1/draft-decisions", headers=health, json=draft)
    assert opened.status_code == 201, opened.get_json()
    body = opened.get_json()
    assert (body["kind"], body["agreed"], body["facts"]["lead"]) == ("draft", False, HEALTH)
    assert {d["key"]: (d["rule"], d["due"], d["state"]) for d in body["duties"]} == {
        f"agree:{ECON}": ("¶8", None, "open"),
        "agree:MFA": ("¶8 (foreign-policy expediency)", None, "open"),
    }
    number = body["number"]
    agreed = client.post(
        f"/api/v1/files/{number}/events",
        headers=econ,
        json={"key": f"agree:{ECON}", "day": "2026-03-20"},
    )
    assert agreed.status_code == 200
    # MINECON's inbox no longer lists it; MFA's does, undated, and the page says why.
    assert number not in login("officer.minecon").get("/inbox").get_data(as_text=True)
    mfa = login("clerk.mfa")
    inbox = mfa.get("/inbox").get_data(as_text=True)
    assert f'data-duty="{number}:agree:MFA"' in inbox
    assert "шешім жобасын келісу" in inbox  # the chain's duty in Kazakh
    assert "agree the draft decision" not in inbox
    page = mfa.get(f"/files/{number}").get_data(as_text=True)
    assert 'data-agreed="no"' in page
    # Pages are in Kazakh by default: «the Rules set no deadline for agreeing a draft (¶8)».
    assert "Қағидалар жобаны келісу мерзімін белгілемейді (8-тармақ)" in page
    response = mfa.post(
        f"/files/{number}/events",
        data={
            "csrf_token": csrf_token(mfa, f"/files/{number}"),
            "key": "agree:MFA",
            "day": "2026-03-23",
        },
    )
    assert response.status_code == 302
    assert 'data-agreed="yes"' in mfa.get(f"/files/{number}").get_data(as_text=True)
    listed = login("officer.minhealth").get("/files/draft-decisions").get_data(as_text=True)
    assert number in listed


def test_periodic_reports_over_the_api_and_the_page(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    login: Callable[[str], FlaskClient],
) -> None:
    client = app.test_client()
    mfa, go = api_token("clerk.mfa"), api_token("officer.go")
    sent = {"report": "investment", "year": 2026, "period": 1, "day": "2026-04-02"}
    assert client.post("/api/v1/periodic-reports", headers=go, json=sent).status_code == 403
    recorded = client.post("/api/v1/periodic-reports", headers=mfa, json=sent)
    assert recorded.status_code == 201, recorded.get_json()
    # ¶33 part 2: Q1 2026 due 5 April 2026, a Sunday → Friday 3 April.
    assert recorded.get_json() | {"state": None} == {
        "report": "investment",
        "rule": "¶33 part 2",
        "by": "MFA",
        "to": "GO",
        "year": 2026,
        "period": 1,
        "label": "2026-Q1",
        "due": "2026-04-03",
        "sent_on": "2026-04-02",
        "state": None,
    }
    again = client.post("/api/v1/periodic-reports", headers=mfa, json=sent)
    assert again.status_code == 409
    bad = client.post("/api/v1/periodic-reports", headers=mfa, json={**sent, "year": "2026"})
    assert bad.status_code == 422
    items = client.get("/api/v1/periodic-reports", headers=go).get_json()["items"]
    assert {"2026-Q1"} <= {i["label"] for i in items if i["sent_on"]}
    health = api_token("officer.minhealth")
    assert client.get("/api/v1/periodic-reports", headers=health).get_json()["items"] == []
    page = login("officer.go").get("/reports/periodic").get_data(as_text=True)
    assert 'data-period="2026-Q1"' in page
    assert 'data-report="go-summary"' in page
