"""The custody API an auditor's monitor uses, and the auditor's pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from custody.bundle import verify_bundle
from custody.merkle import verify_consistency
from custody.note import VerifierKey, verify_checkpoint
from registry.models import CustodyEntry
from registry.services import custody
from registry.services.custody import Actor, append_event

from .web_fixtures import Browser, api_token, browser  # noqa: F401

NUMBER = "MINHEALTH-2026-990001"
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")


@pytest.fixture
def events(app: Flask, db_session: Session) -> list[int]:
    """Three events of one letter appended through the service (rolled back after the test)."""
    with app.app_context():
        indices = [
            append_event(
                db_session,
                actor=OFFICER,
                action=action,
                registry_number=NUMBER,
                letter_sha256="ef" * 32,
                state_before=before,
                state_after=after,
            )
            for action, before, after in (
                ("letter:registered", None, "registered"),
                ("letter:signed", "registered", "signed"),
                ("letter:submitted-refused", "signed", "signed"),
            )
        ]
        db_session.commit()
    return indices


def _get(app: Flask, header: dict[str, str], url: str):  # type: ignore[no-untyped-def]
    return app.test_client().get(url, headers=header)


def test_api_checkpoint_letter_and_consistency_let_a_monitor_check_the_log(
    app: Flask,
    events: list[int],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    auditor = api_token("auditor")
    head = _get(app, auditor, "/api/v1/custody/checkpoint")
    assert head.status_code == 200
    latest = head.get_json()
    key = VerifierKey.parse(latest["verifier_key"])
    checkpoint = verify_checkpoint(latest["checkpoint"], key, latest["origin"])
    assert checkpoint.size == latest["size"] == events[-1] + 1
    assert base64.b64decode(latest["root_hash"]) == checkpoint.root_hash

    bundle = _get(app, auditor, f"/api/v1/custody/letters/{NUMBER}").get_json()
    report = verify_bundle(bundle, verifier_key=latest["verifier_key"])
    assert report.ok, report.problem
    exported = events[-1] + 1  # the export is an event of the letter, covered by its bundle
    assert [e["index"] for e in bundle["entries"]] == [*events, exported]
    assert bundle["entries"][-1]["event"]["action"] == "log:exported"
    assert bundle["entries"][-1]["event"]["actor"]["user"] == "auditor"

    older = verify_checkpoint(
        _get(
            app, auditor, f"/api/v1/custody/checkpoints?before={events[0] + 2}&limit=1"
        ).get_json()["checkpoints"][0]["checkpoint"],
        key,
    )
    assert older.size == events[0] + 1
    answer = _get(
        app, auditor, f"/api/v1/custody/consistency?from={older.size}&to={checkpoint.size}"
    ).get_json()
    assert (answer["from"], answer["to"]) == (older.size, checkpoint.size)
    assert answer["checkpoint_to"] == latest["checkpoint"]
    proof = [base64.b64decode(h) for h in answer["proof"]]
    verify_consistency(older.size, checkpoint.size, proof, older.root_hash, checkpoint.root_hash)


@pytest.mark.parametrize(
    "query", ["from=0", "from=abc", "from=2&to=1", "from=1&to=99999999", "to=1"]
)
def test_api_consistency_refuses_bad_sizes(
    app: Flask,
    events: list[int],
    query: str,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    response = _get(app, api_token("admin"), f"/api/v1/custody/consistency?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"


def test_api_unknown_letter_is_not_found(
    app: Flask,
    events: list[int],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    response = _get(app, api_token("auditor"), "/api/v1/custody/letters/NOBODY-2026-1")
    assert response.status_code == 404


def test_officers_may_not_read_the_log(
    app: Flask,
    events: list[int],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    response = _get(app, api_token("officer.minhealth"), "/api/v1/custody/checkpoint")
    assert response.status_code == 403


def test_timeline_marks_each_event_and_a_tampered_one(
    app: Flask,
    events: list[int],
    db_session: Session,
    browser: Callable[[str], Browser],  # noqa: F811
) -> None:
    auditor = browser("auditor")
    page = auditor.get(f"/custody/letters/{NUMBER}").get_data(as_text=True)
    assert page.count('class="badge passed"') == 3
    assert "submitted to MFA — refused" in page  # a refused attempt, named
    assert "letter:submitted-refused" not in page

    leaf = bytes(
        db_session.scalar(select(CustodyEntry.leaf).where(CustodyEntry.index == events[1]))
    )
    forged = leaf.replace(b'"state_after":"signed"', b'"state_after":"closed"')
    db_session.execute(
        update(CustodyEntry).where(CustodyEntry.index == events[1]).values(leaf=forged)
    )
    db_session.commit()
    page = auditor.get(f"/custody/letters/{NUMBER}").get_data(as_text=True)
    assert page.count('class="badge passed"') == 2
    assert page.count('class="badge failed"') == 1
    assert f"inclusion proof of leaf {events[1]} does not lead to the root" in page


def test_checkpoint_list_and_whole_log_verification_page(
    app: Flask,
    events: list[int],
    db_session: Session,
    browser: Callable[[str], Browser],  # noqa: F811
) -> None:
    admin = browser("admin")
    listing = admin.get("/custody/").get_data(as_text=True)
    assert f"<td>{events[-1] + 1}</td>" in listing
    with app.app_context():
        assert custody.verifier_key(db_session) in listing

    found = admin.get(f"/custody/letters?registry_number={NUMBER}")
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/custody/letters/{NUMBER}")
    assert admin.get("/custody/letters?registry_number=").status_code == 422

    assert 'action="/custody/verify"' in admin.get("/custody/verify").get_data(as_text=True)
    started = admin.post("/custody/verify", data={"kind": "full"})
    assert started.status_code == 302
    done = admin.get(started.headers["Location"]).get_data(as_text=True)
    assert f"checked {events[-1] + 1} / {events[-1] + 1}" in done
    assert "OK: every entry checks." in done
    assert "<strong>" + str(events[-1] + 1) + "</strong>" in admin.get("/custody/verify").get_data(
        as_text=True
    )  # the verified mark it left


def test_whole_log_verification_page_names_a_tampered_row(
    app: Flask,
    events: list[int],
    db_session: Session,
    browser: Callable[[str], Browser],  # noqa: F811
) -> None:
    db_session.execute(
        update(CustodyEntry).where(CustodyEntry.index == events[0]).values(leaf=b"{}")
    )
    db_session.commit()
    auditor = browser("auditor")
    started = auditor.post("/custody/verify", data={"kind": "full"})
    failed = auditor.get(started.headers["Location"]).get_data(as_text=True)
    assert f"FAILED entry {events[0]}: event: fields are []" in failed


def test_whole_log_downloads_are_recorded_and_verify_offline(
    app: Flask,
    events: list[int],
    db_session: Session,
    browser: Callable[[str], Browser],  # noqa: F811
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    auditor = browser("auditor")
    assert 'action="/custody/export"' in auditor.get("/custody/").get_data(as_text=True)
    page = auditor.post("/custody/export")
    assert page.status_code == 200
    assert page.headers["Content-Disposition"].startswith('attachment; filename="custody-log-')
    api = _get(app, api_token("admin"), "/api/v1/custody/export")
    assert api.status_code == 200
    with app.app_context():
        key = custody.verifier_key(db_session)
    first, second = json.loads(page.get_data()), api.get_json()
    for bundle, user, role in ((first, "auditor", "auditor"), (second, "admin", "admin")):
        report = verify_bundle(bundle, verifier_key=key)
        assert report.ok, report.problem
        assert report.whole_log
        last = bundle["entries"][-1]["event"]
        assert (last["action"], last["actor"]["user"], last["actor"]["role"]) == (
            "log:exported",
            user,
            role,
        )
    assert len(second["entries"]) == len(first["entries"]) + 1


def test_api_starts_a_verification_and_polls_it(
    app: Flask,
    events: list[int],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    auditor = api_token("auditor")
    client = app.test_client()
    refused = client.post("/api/v1/custody/verifications", headers=auditor, json={"kind": "all"})
    assert refused.status_code == 422
    started = client.post(
        "/api/v1/custody/verifications", headers=auditor, json={"kind": "incremental"}
    )
    assert started.status_code == 202
    job = _get(app, auditor, started.headers["Location"]).get_json()
    assert job == started.get_json() | {"state": job["state"]}
    assert (job["kind"], job["state"], job["done"], job["size"]) == (
        "incremental",
        "passed",
        events[-1] + 1,
        events[-1] + 1,
    )
    assert job["problem"] is None
    assert _get(app, auditor, "/api/v1/custody/verifications/999999").status_code == 404
    officer = api_token("officer.minhealth")
    assert client.post("/api/v1/custody/verifications", headers=officer).status_code == 403
