"""Answers that tell the truth about the server: RFC 9110 headers, and the API doing what
registry/web/openapi.json says (each case here was found by tests/integration/test_api_schemathesis.py).
"""

from __future__ import annotations

from flask import Flask

from .test_permissions import endpoints


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
