"""The whole role × endpoint matrix, discovered from the app's URL map.

A new endpoint without a rule (registry/web/guard.py) fails
``test_every_endpoint_declares_a_rule``; one whose rule lets the wrong roles in
fails the matrix (paperless-ngx #3172, #4003, #7713: permission checks forgotten
on side endpoints).  Out-of-scope letters answer 404, never 403, so guessing
registry numbers tells nothing (see test_web_scope.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from werkzeug.routing import IntegerConverter, Rule

from registry.permissions import Action, Role, allowed
from registry.web.guard import PUBLIC, rule_of

from .conftest import PASSWORD
from .web_fixtures import USER_OF_ROLE, Browser, api_token, browser, page_csrf  # noqa: F401

# Stand-ins for URL variables: a registry number nobody has, ids nobody has.
# A refused role must get 403 before any lookup; an allowed one then gets 404.
URL_VALUES = {"registry_number": "NOBODY-2026-999999", "user_id": 999999, "token_id": 999999}
# Signing out ends the session the rest of the walk needs; it is checked on its own below.
LAST = {"auth.logout"}


def _stand_in(rule: Rule, arg: str) -> object:
    if arg in URL_VALUES:
        return URL_VALUES[arg]
    converter = rule._converters.get(arg)
    return 999999 if isinstance(converter, IntegerConverter) else "x"


def endpoints(app: Flask) -> Iterator[tuple[Rule, str, str]]:
    """(rule, method, url) for every route of the app except static files."""
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint in LAST, r.rule))
    for rule in rules:
        if rule.endpoint == "static":
            continue
        values = {arg: _stand_in(rule, arg) for arg in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, url


def declared(app: Flask, rule: Rule) -> str | None:
    return rule_of(app.view_functions[rule.endpoint])


def test_every_endpoint_declares_a_rule(app: Flask) -> None:
    missing = [r.endpoint for r, _m, _u in endpoints(app) if declared(app, r) is None]
    assert missing == [], f"endpoints without a requires/public rule: {missing}"


def test_the_matrix_covers_lists_downloads_and_actions(app: Flask) -> None:
    actions = {declared(app, r) for r, _m, _u in endpoints(app)}
    for needed in (Action.INBOX_VIEW, Action.LETTER_READ, Action.USER_MANAGE, Action.OWN_ACCOUNT):
        assert needed in actions


def _send(app: Flask, who: Browser | dict[str, str], method: str, url: str) -> int:
    if isinstance(who, Browser):
        if method == "GET":
            return who.get(url).status_code
        return who.post(url).status_code
    client = app.test_client()
    return client.open(url, method=method, headers=who, json={}).status_code


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_role_matrix(
    app: Flask,
    role: Role,
    browser: Callable[[str], Browser],  # noqa: F811
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    user = USER_OF_ROLE[role]
    web, token = browser(user), api_token(user)
    wrong = []
    for rule, method, url in endpoints(app):
        rule_action = declared(app, rule)
        who: Browser | dict[str, str] = token if url.startswith("/api/") else web
        status = _send(app, who, method, url)
        if rule_action == PUBLIC or allowed(role, Action(rule_action)):
            ok = status not in (401, 403) and status < 500  # refused by content, never crashed
        else:
            ok = status == 403
        if not ok:
            wrong.append(f"{method} {url} ({rule_action}) -> {status}")
    assert wrong == [], f"{role}: " + "; ".join(wrong)


def test_signed_out_requests_are_refused(app: Flask) -> None:
    """No endpoint but the public ones answers a signed-out client; nothing changes state."""
    client = app.test_client()
    token = page_csrf(client)
    wrong = []
    for rule, method, url in endpoints(app):
        if declared(app, rule) == PUBLIC:
            continue
        if url.startswith("/api/"):
            response = client.open(url, method=method, json={})
            ok = response.status_code == 401 and (
                response.get_json()["error"]["code"] == "unauthenticated"
            )
        else:
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(url, method=method, data=data)
            ok = response.status_code == 302 and "/login" in response.headers["Location"]
        if not ok:
            wrong.append(f"{method} {url} -> {response.status_code}")
    assert wrong == [], "answered a signed-out client: " + "; ".join(wrong)


def test_every_form_refuses_a_request_without_its_csrf_token(app: Flask) -> None:
    """Signed in (as someone allowed), a POST without the token never reaches the view."""
    clients = {}
    wrong = []
    for rule, method, url in endpoints(app):
        if method == "GET" or url.startswith("/api/"):
            continue
        rule_action = declared(app, rule)
        role = next(
            (r for r in Role if rule_action == PUBLIC or allowed(r, Action(rule_action))), None
        )
        assert role is not None, f"no role may use {url}"
        if role not in clients:
            clients[role] = sign_in_client(app, USER_OF_ROLE[role])
        response = clients[role].post(url, data={})
        if response.status_code != 400 or "csrf" not in response.get_data(as_text=True).lower():
            wrong.append(f"{url} -> {response.status_code}")
    assert wrong == [], "forms that took a POST without its CSRF token: " + "; ".join(wrong)


def sign_in_client(app: Flask, username: str):
    from .web_fixtures import sign_in

    return sign_in(app, username).client


def test_the_api_ignores_the_session_cookie(app: Flask, browser) -> None:  # noqa: F811
    """A signed-in browser has no API access: the API exempts CSRF only because of this."""
    web = browser("clerk.mfa")
    response = web.client.get("/api/v1/me")
    assert response.status_code == 401


def test_revoked_token_is_refused(app: Flask, api_token, db_session) -> None:  # noqa: F811
    from registry.services.tokens import list_tokens, revoke_token

    headers = api_token("auditor")
    client = app.test_client()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    user_id = client.get("/api/v1/me", headers=headers).get_json()["id"]
    for row in list_tokens(db_session, user_id):
        revoke_token(db_session, user_id, row.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_only_as_their_hash(app: Flask, browser, db_session) -> None:  # noqa: F811
    import hashlib
    import re

    from sqlalchemy import select

    from registry.models import ApiToken

    web = browser("officer.minhealth")
    page = web.post(
        "/account/tokens", data={"name": "agency system", "current": PASSWORD}
    ).get_data(as_text=True)
    token = re.search(r"<code>(arna_[^<]+)</code>", page).group(1)
    row = db_session.scalar(select(ApiToken).where(ApiToken.name == "agency system"))
    assert row is not None
    assert row.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(vars(row))
    assert token not in web.get("/account/").get_data(as_text=True)  # shown once only
    client = app.test_client()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


#: GETs of the document a step signs with one's own key (NCALayer): only while the step is due.
STEP_DOCUMENTS = frozenset({"ui.xml_to_sign", "ui.dispatch_record_to_sign"})


def test_every_read_of_a_real_letter_answers_each_role_without_crashing(
    app: Flask,
    browser,  # noqa: F811
    api_token,  # noqa: F811
    db_session,
) -> None:
    """Every GET that takes a registry number, on a submitted MINHEALTH letter: 200 for
    the roles that may read it and see it, 403 (role) or 404 (scope) for the rest."""
    from registry.services.deadlines import today_kz

    from .web_fixtures import signed_xml

    officer = api_token("officer.minhealth")
    client = app.test_client()
    number = client.post("/api/v1/numbers", headers=officer).get_json()["registry_number"]
    envelope = {
        "kind": "foreign-letter",
        "sender": "AGENCY:MINHEALTH",
        "recipient": "DIPLOMATIC_MISSION",
        "date": today_kz().isoformat(),
    }
    xml = signed_xml(db_session, "officer.minhealth", number, envelope, "Matrix letter")
    uploaded = client.post(
        "/api/v1/letters", headers={**officer, "Content-Type": "application/xml"}, data=xml
    )
    assert uploaded.status_code == 201
    sees = {"officer.minhealth", "head.minhealth", "clerk.mfa", "auditor"}
    wrong = []
    for rule in app.url_map.iter_rules():
        if "registry_number" not in rule.arguments or "GET" not in (rule.methods or set()):
            continue
        url = rule.rule.replace("<registry_number>", number)
        action = declared(app, rule)
        for role, user in USER_OF_ROLE.items():
            if url.startswith("/api/"):
                status = client.get(url, headers=api_token(user)).status_code
            else:
                status = browser(user).get(url).status_code
            if action == PUBLIC:
                expected = {200, 404}
            elif not allowed(role, Action(action)):
                expected = {403}
            elif rule.endpoint in STEP_DOCUMENTS and user in sees:
                # What NCALayer is to sign next: not due on a submitted letter (409), and
                # the dispatch record also needs its note (422).
                expected = {409, 422}
            elif user in sees or role in (Role.AUDITOR, Role.ADMIN):
                # The administrator reads no letter, but certifies copies of any and
                # reads the custody log, whose events carry no content.
                expected = {200}
            else:
                expected = {404}
            if status not in expected:
                wrong.append(f"{user} GET {url} -> {status}, expected {sorted(expected)}")

    assert wrong == [], "\n".join(wrong)
