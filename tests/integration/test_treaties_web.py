"""The treaty register and returns over the API and the pages (Chapter 1)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from registry.services.setup import ensure_demo_treaties

from .conftest import SIGNING_PASSPHRASE, csrf_token
from .test_treaties import sample_values
from .web_fixtures import api_token  # noqa: F401

HEALTH, ECON = "AGENCY:MINHEALTH", "AGENCY:MINECON"
TREATY = {
    "title": "Convention on trade",
    "kind": "multilateral",
    "status": "in-force",
    "concluded_on": "2019-06-14",
    "responsible": [ECON, HEALTH],
    "consolidating": ECON,
}


def test_api_register_file_and_consolidate(
    app: Flask,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    client = app.test_client()
    mfa, econ, health = (
        api_token("clerk.mfa"),
        api_token("officer.minecon"),
        api_token("officer.minhealth"),
    )
    assert client.post("/api/v1/treaties", headers=econ, json=TREATY).status_code == 403
    bad = client.post("/api/v1/treaties", headers=mfa, json={**TREATY, "consolidating": None})
    assert bad.status_code == 422
    made = client.post("/api/v1/treaties", headers=mfa, json=TREATY)
    assert made.status_code == 201, made.get_json()
    number = made.get_json()["number"]
    assert made.get_json()["form"] == 2
    cycle = client.post(
        "/api/v1/files", headers=mfa, json={"kind": "treaty-cycle", "title": "2026",
                                            "facts": {"year": 2026, "bodies": [ECON]}}
    )  # fmt: skip
    assert cycle.status_code == 201, cycle.get_json()
    refused = client.post(
        f"/api/v1/treaty-returns/2026/{number}", headers=health, json={"values": {}}
    )
    assert refused.status_code == 403
    invalid = client.post(
        f"/api/v1/treaty-returns/2026/{number}", headers=econ, json={"values": {"title": "x"}}
    )
    assert invalid.status_code == 422
    assert any("states_parties" in d for d in invalid.get_json()["error"]["details"])
    filed = client.post(
        f"/api/v1/treaty-returns/2026/{number}", headers=econ, json={"values": sample_values(2)}
    )
    assert filed.status_code == 201, filed.get_json()
    wrong = client.post(
        f"/api/v1/treaty-returns/2026/{number}/signature", headers=econ, json={"passphrase": "x"}
    )
    assert wrong.status_code == 422
    signed = client.post(
        f"/api/v1/treaty-returns/2026/{number}/signature",
        headers=econ,
        json={"passphrase": SIGNING_PASSPHRASE},
    )
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["signed_by"][0]["agency"] == ECON
    assert "<ds:Signature" in signed.get_json()["xml"]
    listed = client.get("/api/v1/treaty-returns/2026", headers=health).get_json()["items"]
    assert listed == []  # MINHEALTH is responsible, but the return is MINECON's
    summary = client.get("/api/v1/treaty-summaries/2026", headers=mfa).get_json()
    assert summary["total"] == 1
    assert summary["by_form"] == {"2": 1}
    assert client.get("/api/v1/treaty-summaries/2026", headers=econ).status_code == 403


def _login(client: FlaskClient, username: str) -> None:
    from .conftest import PASSWORD

    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )


def test_pages_register_open_fill_and_show(app: Flask) -> None:
    mfa = app.test_client()
    _login(mfa, "clerk.mfa")
    form = {f"{k}": v for k, v in TREATY.items() if k not in ("responsible",)}
    form |= {"responsible": f"{ECON}, {HEALTH}", "csrf_token": csrf_token(mfa, "/treaties")}
    response = mfa.post("/treaties", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "TRT-" in response.get_data(as_text=True)
    number = response.get_data(as_text=True).split('data-treaty="')[1].split('"')[0]
    opened = mfa.post(
        "/treaties/cycles",
        data={"year": "2026", "csrf_token": csrf_token(mfa, "/treaties")},
        follow_redirects=True,
    )
    assert "TRC-2027-" in opened.get_data(as_text=True)

    econ = app.test_client()
    _login(econ, "officer.minecon")
    page = f"/treaties/returns/2026/{number}"
    shown = econ.get(page).get_data(as_text=True)
    assert "Халықаралық шартқа қатысушы мемлекеттер" in shown  # the Kazakh heading as the hint
    values = sample_values(2, disbursed_percent="")
    values.pop("disbursed_percent")
    bad = econ.post(
        page, data={**values, "states_parties": "", "csrf_token": csrf_token(econ, page)}
    )
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    done = econ.post(
        page, data={**values, "csrf_token": csrf_token(econ, page)}, follow_redirects=True
    )
    text = done.get_data(as_text=True)
    assert 'data-field="states_parties"' in text
    year = mfa.get("/treaties/returns/2026").get_data(as_text=True)
    assert 'data-figure="total">1<' in year
    assert f'data-agency="{ECON}"' in year
    pdf = mfa.get(f"/treaties/returns/2026/{number}/return.pdf")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
    assert mfa.get("/treaties/returns/2027/" + number + "/return.pdf").status_code == 404
    xlsx = mfa.get("/treaties/returns/2026/returns.xlsx")
    assert xlsx.status_code == 200
    assert xlsx.data[:2] == b"PK"


def test_the_inbox_reminds_and_flags_late_returns(app: Flask, db_session: Session) -> None:
    """A cycle whose 10 January has passed: MOJ's return is late in MOJ's inbox and in
    the auditor's; MINHEALTH, which filed, has nothing of it there."""
    with app.app_context():  # left before the requests: each must get its own ``g``
        cycle = ensure_demo_treaties(db_session)[4]
    moj = app.test_client()
    _login(moj, "officer.moj")
    row = f'data-duty="{cycle}:returns:MOJ"'
    page = moj.get("/inbox").get_data(as_text=True)
    assert row in page
    assert "badge overdue" in page.split(row)[1].split("</tr>")[0]
    auditor = app.test_client()
    _login(auditor, "auditor")
    assert row in auditor.get("/inbox").get_data(as_text=True)
    health = app.test_client()
    _login(health, "officer.minhealth")
    assert f"{cycle}:returns" not in health.get("/inbox").get_data(as_text=True)
