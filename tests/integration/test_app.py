"""The app shell: health check, security headers, sign-in, CSRF, throttling, error pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from .conftest import PASSWORD, csrf_token

CSRF_VALUE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_healthz_answers_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ("/login", "/healthz", "/api/v1/me", "/no-such-page"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"  # nothing leaks to other sites
        assert headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite(login, client: FlaskClient) -> None:
    login("officer.minhealth")
    cookie = client.get_cookie("arna_session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_secure_cookie_flag_is_on_by_default(base_app: Flask) -> None:
    from registry.config import load_config

    assert load_config({"SECRET_KEY": "x", "ARNA_KEK": "y"})["SESSION_COOKIE_SECURE"] is True
    assert base_app.config["SESSION_COOKIE_SECURE"] is False  # the tests' plain-http client


def test_arna_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from registry.config import load_config

    monkeypatch.setenv("ARNA_DUE_SOON_WORKDAYS", "4")
    monkeypatch.setenv("ARNA_PUBLIC_URL", "https://arna.example.kz")
    monkeypatch.setenv("ARNA_PROXY_HOPS", "1")
    config = load_config({"ARNA_INSTANCE": str(tmp_path), "SECRET_KEY": "x", "ARNA_KEK": "y"})
    assert config["ARNA_DUE_SOON_WORKDAYS"] == 4
    assert config["ARNA_PUBLIC_URL"] == "https://arna.example.kz"
    assert config["ARNA_PROXY_HOPS"] == 1
    overridden = load_config({"ARNA_INSTANCE": str(tmp_path), "ARNA_PROXY_HOPS": 0})
    assert overridden["ARNA_PROXY_HOPS"] == 0  # explicit configuration wins


def test_a_malformed_setting_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from registry.config import load_config

    monkeypatch.setenv("ARNA_DUE_SOON_WORKDAYS", "soon")
    with pytest.raises(ValueError, match="ARNA_DUE_SOON_WORKDAYS must be int"):
        load_config({"ARNA_INSTANCE": str(tmp_path)})


def test_login_form_without_csrf_token_is_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "auditor", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account/").status_code == 302  # still signed out


def test_login_and_logout(login, client: FlaskClient) -> None:
    login("auditor")
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Marat Ospanov" in page.get_data(as_text=True)
    token = csrf_token(client, "/account/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/").status_code == 302


def test_wrong_password_then_throttled(client: FlaskClient) -> None:
    def attempt(password: str) -> int:
        return client.post(
            "/login",
            data={"username": "auditor", "password": password, "csrf_token": csrf_token(client)},
        ).status_code

    assert [attempt("wrong-password-123") for _ in range(5)] == [401] * 5
    # locked now, even with the right password
    assert attempt(PASSWORD) == 429


def test_login_redirect_refuses_other_hosts(client: FlaskClient) -> None:
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "auditor", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_errors_are_generic_json_on_the_api_and_html_elsewhere(client: FlaskClient) -> None:
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "not_found"
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert "Traceback" not in page.get_data(as_text=True)


def test_request_size_is_limited(client: FlaskClient, app: Flask) -> None:
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(
        "/login", data=big, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "2 MB" in page  # the limit is stated, in the reader's language (Kazakh here)
    assert "Arna қабылдайтын" in page


def test_pages_speak_kazakh_russian_or_english(client: FlaskClient) -> None:
    """Kazakh by default; the browser's preference; the user's choice (a cookie) wins."""
    assert "Кіру" in client.get("/login").get_data(as_text=True)
    russian = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert "Войти" in russian.get_data(as_text=True)
    client.post(
        "/language", data={"lang": "en", "next": "/login", "csrf_token": csrf_token(client)}
    )
    page = client.get("/login", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Sign in" in page


def test_error_pages_are_translated(client: FlaskClient) -> None:
    page = client.get("/no-such-page", headers={"Accept-Language": "ru"})
    assert "Не найдено" in page.get_data(as_text=True)


def test_a_refusal_reads_in_the_users_language_with_the_reasons(client: FlaskClient) -> None:
    response = client.post(
        "/login",
        data={
            "username": "auditor",
            "password": "wrong-password-1",
            "csrf_token": csrf_token(client),
        },
        headers={"Accept-Language": "kk"},
    )
    assert "Пайдаланушы аты немесе құпиясөз қате." in response.get_data(as_text=True)


def test_no_password_or_token_reaches_the_logs(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    secret = "wrong-but-secret-password-77"
    client.post(
        "/login",
        data={"username": "auditor", "password": secret, "csrf_token": csrf_token(client)},
    )
    client.get("/api/v1/me", headers={"Authorization": "Bearer arna_not-a-real-token-secret"})
    client.get("/no-such-page")
    logged = caplog.text
    assert secret not in logged
    assert "arna_not-a-real-token-secret" not in logged


def test_over_https_a_form_needs_a_referer_from_this_site(app: Flask) -> None:
    """Flask-WTF's strict check: the same-origin Referer browsers send passes, another fails."""
    client = app.test_client()
    base = "https://arna.example"
    page = client.get("/login", base_url=base).get_data(as_text=True)
    token = CSRF_VALUE.search(page).group(1)
    form = {"username": "auditor", "password": PASSWORD, "csrf_token": token}
    foreign = client.post(
        "/login", data=form, base_url=base, headers={"Referer": "https://evil.example/"}
    )
    assert foreign.status_code == 400
    ours = client.post("/login", data=form, base_url=base, headers={"Referer": f"{base}/login"})
    assert ours.status_code == 302


def test_forwarded_headers_count_only_behind_a_configured_proxy(app_config, engine) -> None:
    """Throttling keys on the client address: a forged X-Forwarded-For must not change it."""
    from flask import request

    from registry import create_app

    def seen(extra: dict[str, object]) -> str:
        probe = create_app({**app_config, **extra})
        probe.add_url_rule("/_probe/addr", "probe_addr", lambda: request.remote_addr or "")
        answer = probe.test_client().get(
            "/_probe/addr",
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
            headers={"X-Forwarded-For": "1.2.3.4"},
        )
        probe.extensions["arna_db"].engine.dispose()
        return answer.get_data(as_text=True)

    assert seen({}) == "10.0.0.1"
    assert seen({"ARNA_PROXY_HOPS": 1}) == "1.2.3.4"


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_every_message_is_translated_with_its_placeholders(language: str) -> None:
    """A translation missing a %(name)s would crash the page that formats it."""
    from pathlib import Path

    from babel.messages.pofile import read_po

    placeholder = re.compile(r"%\((\w+)\)s")
    import registry

    translations = Path(registry.__file__).parent / "translations"
    path = translations / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    wrong = [
        message.id
        for message in catalog
        if message.id
        and (
            not message.string
            or set(placeholder.findall(str(message.id)))
            != set(placeholder.findall(str(message.string)))
        )
    ]
    assert wrong == []
