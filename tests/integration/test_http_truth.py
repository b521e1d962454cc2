"""Answers that tell the truth: RFC 9110 headers, and the API doing what
registry/web/openapi.json says (each case was found by test_api_schemathesis.py).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter

from registry.db import MAX_INTEGER
from registry.permissions import Action, Role, allowed
from registry.web.api import openapi_document
from registry.web.guard import PUBLIC, rule_of

from .test_api import api  # noqa: F401
from .test_permissions import endpoints
from .web_fixtures import USER_OF_ROLE, api_token, browser  # noqa: F401


def test_every_405_names_the_allowed_methods(app: Flask) -> None:
    """RFC 9110 §15.5.6: a 405 carries Allow, on the pages and on the API alike."""
    client = app.test_client()
    wrong = []
    for rule, _method, url in endpoints(app):
        response = client.open(url, method="TRACE")
        allowed = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
        if response.status_code != 405 or not set(rule.methods or ()) <= allowed:
            wrong.append(f"TRACE {url} -> {response.status_code}, Allow: {sorted(allowed)}")
    assert wrong == [], "; ".join(wrong)


def test_an_id_beyond_the_database_integers_is_not_found(
    app: Flask,
    browser,  # noqa: F811
    api_token,  # noqa: F811
) -> None:
    """Every ``<int:…>`` route: 2**63 names no row (404), it never overflows the driver (500)."""
    wrong = []
    for rule in app.url_map.iter_rules():
        ints = [a for a in rule.arguments if isinstance(rule._converters[a], IntegerConverter)]
        if not ints:
            continue
        values = {a: str(2**63) if a in ints else "x" for a in rule.arguments}
        url = re.sub(r"<(?:[^:>]+:)?(\w+)>", lambda m, v=values: v[m[1]], rule.rule)
        method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
        action = rule_of(app.view_functions[rule.endpoint])
        role = next(r for r in Role if action == PUBLIC or allowed(r, Action(action)))
        if url.startswith("/api/"):
            response = app.test_client().open(
                url, method=method, headers=api_token(USER_OF_ROLE[role])
            )
        else:
            response = browser(USER_OF_ROLE[role]).client.open(url, method=method)
        if response.status_code != 404:
            wrong.append(f"{method} {url} -> {response.status_code}")
    assert wrong == [], "; ".join(wrong)


def test_the_api_refuses_what_its_document_forbids(api) -> None:  # noqa: F811
    """Values outside the document's enums and bounds are refused, not silently served."""
    auditor = api("auditor")
    for path, field in (
        ("/inbox?state=AAA", "state"),
        ("/inbox?state=", "state"),
        ("/inbox?urgency=", "urgency"),
        ("/letters?direction=", "direction"),
        ("/custody/checkpoints?limit=501", "limit"),
        ("/custody/checkpoints?limit=0", "limit"),
        ("/letters?offset=1000000001", "offset"),
        (f"/custody/checkpoints?before={MAX_INTEGER + 1}", "before"),
    ):
        response = auditor.get(path)
        assert response.status_code == 422, path
        assert field in response.get_json()["error"]["details"], path
    assert auditor.get("/custody/checkpoints?limit=500").status_code == 200
    assert auditor.get("/letters?offset=1000000000").status_code == 200
    assert auditor.get(f"/custody/checkpoints?before={MAX_INTEGER}").status_code == 200


def test_a_digit_int_cannot_read_is_refused_not_a_crash(api, browser) -> None:  # noqa: F811
    """'²' is a digit to str.isdigit, not to int(): it was a 500 on each of these."""
    auditor = api("auditor")
    assert auditor.get("/letters?offset=²").status_code == 422
    assert auditor.get("/custody/checkpoints?before=²").status_code == 422
    assert browser("auditor").get("/custody/?before=²").status_code == 422
    assert browser("officer.minhealth").get("/letters?page=²").status_code == 200


def _parameter(path: str, method: str, name: str) -> dict[str, Any]:
    operation = openapi_document()["paths"][path][method]
    return next(p for p in operation["parameters"] if p["name"] == name)["schema"]


def test_the_document_states_the_bounds_the_code_enforces() -> None:
    assert _parameter("/letters", "get", "offset")["maximum"] == 10**9
    assert _parameter("/custody/checkpoints", "get", "limit") | {"default": None} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
        "default": None,
    }
    assert _parameter("/custody/consistency", "get", "from")["minimum"] == 1
    for path, method, name in (
        ("/deadlines/{deadline_id}/complete", "post", "deadline_id"),
        ("/custody/checkpoints", "get", "before"),
        ("/custody/consistency", "get", "from"),
        ("/custody/consistency", "get", "to"),
    ):
        assert _parameter(path, method, name)["maximum"] == MAX_INTEGER, name


BLANK_REFUSED = [
    ("/drafts", "subject"),
    ("/drafts", "body"),
    ("/incoming", "subject"),
    ("/letters/{registry_number}/notice", "text"),
    ("/letters/{registry_number}/dispatch", "note_number"),
]
EMPTY_REFUSED = [
    ("/letters/{registry_number}/sign", "passphrase"),
    ("/letters/{registry_number}/dispatch", "passphrase"),
]


def _body_field(path: str, field: str) -> dict[str, Any]:
    operation = openapi_document()["paths"][path]["post"]
    return operation["requestBody"]["content"]["application/json"]["schema"]["properties"][field]


@pytest.mark.parametrize(("path", "field"), BLANK_REFUSED + EMPTY_REFUSED)
def test_the_document_says_which_text_may_not_be_empty(
    api,  # noqa: F811
    path: str,
    field: str,
) -> None:
    """The code refuses these empty (and, but for passphrases, blank): the document says so."""
    schema = _body_field(path, field)
    assert schema.get("minLength") == 1
    if (path, field) in BLANK_REFUSED:
        assert schema.get("pattern") == r"\S"
    officer = api("clerk.mfa" if path.endswith("dispatch") else "officer.minhealth")
    url = path.replace("{registry_number}", "MINHEALTH-2026-999999")
    body = {
        "envelope": {},
        "subject": "s",
        "body": "b",
        "note_number": "1",
        "note_date": "2026-01-05",
    }
    body |= {"passphrase": "p", "text": "t"} | {
        field: " " if (path, field) in BLANK_REFUSED else ""
    }
    response = officer.post(url, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["details"] == [field]


def test_the_document_enums_are_the_code_s() -> None:
    """The envelope's enums in openapi.json are the sets the code checks against."""
    from registry.services.lifecycle import State
    from routing.envelope import LEGAL_BASIS_KINDS
    from routing.kinds import INCOMING_KINDS, KINDS

    schemas = openapi_document()["components"]["schemas"]
    envelope = schemas["Envelope"]["properties"]
    assert set(envelope["kind"]["enum"]) == set(KINDS)
    assert set(envelope["legal_basis"]["properties"]["kind"]["enum"]) == set(LEGAL_BASIS_KINDS)
    incoming = schemas["IncomingEnvelope"]["allOf"][1]["properties"]["kind"]["enum"]
    assert set(incoming) == set(INCOMING_KINDS)
    assert set(schemas["State"]["enum"]) == set(State)
