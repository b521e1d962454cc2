"""Over real HTTP, gunicorn with two workers: an officer's letter from the compose form to
the MFA clerk's dispatch, and an EAEU Court reply through MOJ (¶37, ¶40) over the API."""

from __future__ import annotations

import re

import pytest
import requests

from registry.services.deadlines import today_kz
from registry.services.setup import DEMO_PASSWORD, DEMO_SIGNING_PASSPHRASE

from .conftest import Person

pytestmark = pytest.mark.slow
TODAY = today_kz().isoformat()


def _state(person: Person, number: str) -> str:
    match = re.search(r"<dt>State</dt><dd>([^<]+)</dd>", person.get(f"/letters/{number}").text)
    assert match
    return match.group(1)


def test_health_and_security_headers(server: str) -> None:
    response = requests.get(f"{server}/healthz", timeout=5)
    assert response.json() == {"status": "ok"}
    assert response.headers["X-Frame-Options"] == "DENY"


def test_compose_sign_submit_receive_dispatch_in_the_browser(server: str) -> None:
    officer = Person(server, "officer.minhealth", DEMO_PASSWORD)
    form = {
        "kind": "foreign-letter",
        "recipient": "DIPLOMATIC_MISSION",
        "date": TODAY,
        "subject": "Ынтымақтастық туралы меморандум",
        "body": "Құрметті әріптестер!",
        "language": "kk",
        "legal_basis_kind": "",
    }
    preview = officer.post("/compose", {**form, "step": "preview"})
    route = "Ministry of Healthcare → Ministry of Foreign Affairs → a foreign diplomatic mission"
    assert route in preview.text  # names, not codes (issue 17)
    signed = officer.post(
        "/compose", {**form, "step": "sign", "passphrase": DEMO_SIGNING_PASSPHRASE}
    )
    assert signed.status_code == 302, signed.text
    number = signed.headers["Location"].rsplit("/", 1)[-1]
    assert officer.post(f"/letters/{number}/submit").status_code == 302
    assert _state(officer, number) == "submitted"

    clerk = Person(server, "clerk.mfa", DEMO_PASSWORD)
    assert number in clerk.get("/inbox").text
    clerk.post(f"/letters/{number}/receive")
    clerk.post(
        f"/letters/{number}/dispatch",
        {"note_number": "14-2/900", "note_date": TODAY, "passphrase": DEMO_SIGNING_PASSPHRASE},
    )
    assert _state(clerk, number) == "dispatched"
    xml = officer.get(f"/letters/{number}/xml")
    assert xml.headers["Content-Type"].startswith("application/xml")


def test_an_eaeu_court_reply_through_moj_over_the_api(server: str) -> None:
    officer = Person(server, "officer.minhealth", DEMO_PASSWORD)
    form = {
        "kind": "court-reply",
        "recipient": "EAEU_COURT",
        "date": TODAY,
        "subject": "Consolidated reply in case C-1/2026",
        "body": "The Republic of Kazakhstan submits its reply.",
        "language": "ru",
        "legal_basis_kind": "",
    }
    signed = officer.post(
        "/compose", {**form, "step": "sign", "passphrase": DEMO_SIGNING_PASSPHRASE}
    )
    number = signed.headers["Location"].rsplit("/", 1)[-1]
    api = requests.Session()
    api.headers.update(officer.api_token())
    submitted = api.post(f"{server}/api/v1/letters/{number}/submit").json()
    assert (submitted["state"], submitted["holder"]) == ("submitted", "MOJ")

    moj = requests.Session()
    moj.headers.update(Person(server, "officer.moj", DEMO_PASSWORD).api_token())
    assert moj.post(f"{server}/api/v1/letters/{number}/receive").json()["state"] == "received"
    forwarded = moj.post(f"{server}/api/v1/letters/{number}/forward").json()
    assert forwarded["holder"] == "MFA"

    clerk = requests.Session()
    clerk.headers.update(Person(server, "clerk.mfa", DEMO_PASSWORD).api_token())
    assert clerk.post(f"{server}/api/v1/letters/{number}/receive").json()["state"] == "received"
    done = clerk.post(
        f"{server}/api/v1/letters/{number}/dispatch",
        json={"note_number": "N-12", "note_date": TODAY, "passphrase": DEMO_SIGNING_PASSPHRASE},
    ).json()
    assert done["state"] == "dispatched"
    assert [e["action"] for e in done["history"]][-1] == "letter:dispatched"


@pytest.mark.parametrize(
    "username", ["officer.minhealth", "head.minhealth", "clerk.mfa", "officer.moj", "auditor"]
)
def test_every_role_opens_its_inbox_and_every_letter_it_lists(server: str, username: str) -> None:
    """The demo letters (bootstrap --demo) in all their states render for every role."""
    person = Person(server, username, DEMO_PASSWORD)
    for path in ("/inbox", "/letters"):
        page = person.get(path)
        assert page.status_code == 200, path
        numbers = set(re.findall(r'href="/letters/([A-Z0-9_-]+)"', page.text))
        if username == "auditor" and path == "/letters":
            assert numbers, "bootstrap --demo made no letters"
        for number in numbers:
            assert person.get(f"/letters/{number}").status_code == 200, number
