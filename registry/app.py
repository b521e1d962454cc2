"""The app factory: configuration, extensions, security headers, error pages, blueprints."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy import text
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from registry import db
from registry.config import load_config
from registry.permissions import Principal
from registry.services.errors import ServiceError
from registry.web import chrome, database, menu, request_guards
from registry.web.guard import public

log = logging.getLogger(__name__)

csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()


def content_security_policy(ncalayer_url: str) -> str:
    """'none' everywhere except what the pages need; no inline script, no framing.  The
    pages may connect to this site and to NCALayer's local WebSocket (``ARNA_NCALAYER_URL``),
    which signs in the browser with the person's own key."""
    parts = urlsplit(ncalayer_url)
    if parts.scheme not in ("ws", "wss") or not parts.hostname or "'" in ncalayer_url:
        raise ValueError(f"ARNA_NCALAYER_URL must be a ws:// or wss:// URL, not {ncalayer_url!r}")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"font-src 'self'; connect-src 'self' {parts.scheme}://{parts.netloc}; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Not "no-referrer": over HTTPS Flask-WTF checks that a form's Referer is this site.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _load_user(session_id: str) -> Principal | None:
    """The person a session cookie names, unless disabled, signed out or their password
    changed since (the cookie's epoch is no longer the user's)."""
    from registry.models import User

    user_id, _, epoch = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = database.get_session().get(User, int(user_id))
    if user is None or not user.is_active:
        return None
    principal = Principal.of(user)
    return principal if principal.session_epoch == epoch else None


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _error_response(status: int, code: str, message: str, details: list[str] | None = None) -> Any:
    if _wants_json():
        body: dict[str, Any] = {"code": code, "message": message}
        if details:
            body["details"] = details
        return jsonify({"error": body}), status
    lines = chrome.explain(code, message, details)
    return (
        render_template(
            "error.html", status=status, code=code, message=lines[0], details=lines[1:]
        ),
        status,
    )


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ServiceError)
    def _service_error(exc: ServiceError) -> Any:
        database.refused(exc)
        if exc.status == 401 and not _wants_json():
            from flask import redirect, url_for

            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return _error_response(exc.status, exc.code, exc.message, exc.details)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> Any:
        database.failed()
        return _error_response(400, "csrf_failed", "the form expired or was not sent by Arna")

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        database.failed()
        code = (exc.name or "error").lower().replace(" ", "_")
        response = make_response(
            _error_response(exc.code or 500, code, exc.description or exc.name)
        )
        # The exception's own headers travel with our body: a 405's Allow (RFC 9110 §15.5.6),
        # a 416's Content-Range, a 401's WWW-Authenticate.
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        database.failed()
        # Logged with its traceback for the operators; the client learns nothing of it.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _error_response(500, "internal_error", "something went wrong on our side")


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies (``ARNA_PROXY_HOPS``), take the client address and scheme
    from their X-Forwarded-* headers — else login throttling would count every person as
    the proxy. Off by default: trusting those headers without a proxy lets anyone forge them.
    """
    hops = int(app.config["ARNA_PROXY_HOPS"])
    if hops > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )


class RowIdConverter(IntegerConverter):
    """``<int:…>`` in every route: a non-negative row id that fits the database's 32-bit
    integer columns. A larger number names no row, so it answers 404 like a missing one
    instead of overflowing the database driver (a 500)."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", db.MAX_INTEGER)
        super().__init__(url_map, *args, **kwargs)


def build_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Create the Flask application (see `registry.create_app`)."""
    config = load_config(overrides)
    app = Flask("registry", instance_path=config["ARNA_INSTANCE"], instance_relative_config=True)
    app.config.update(config)
    request_guards.init_app(app)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.converters["int"] = RowIdConverter
    _trust_proxies(app)

    database.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=chrome.select_locale)
    chrome.init_app(app)
    menu.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)
    login_manager.login_view = "auth.login"
    # Not Flask-Login's "strong" protection: it hashes X-Forwarded-For, which clients can
    # forge when no proxy is trusted (ARNA_PROXY_HOPS=0). Sessions end server-side
    # instead: the cookie carries users.session_epoch, raised at sign-out (_load_user).
    login_manager.session_protection = None

    from registry.web import account, admin, api, auth_views, ui

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer tokens only, never cookies: see guard.current_principal

    from registry.web import copies
    from registry.web import public as public_pages

    app.register_blueprint(copies.bp)
    app.register_blueprint(copies.api_bp)
    csrf.exempt(copies.api_bp)  # /api/v1 like api.bp: bearer tokens only
    app.register_blueprint(public_pages.bp)
    app.register_blueprint(public_pages.pki_bp)

    from registry.web import cases
    from registry.web import custody as custody_pages

    app.register_blueprint(cases.bp)
    app.register_blueprint(cases.api_bp)
    csrf.exempt(cases.api_bp)  # /api/v1 like api.bp: bearer tokens only

    app.register_blueprint(custody_pages.bp)
    app.register_blueprint(custody_pages.api_bp)
    csrf.exempt(custody_pages.api_bp)  # /api/v1 like api.bp: bearer tokens only

    from registry.web import help as help_pages

    app.register_blueprint(help_pages.bp)

    from registry.web import exports

    app.register_blueprint(exports.bp)
    app.register_blueprint(exports.api_bp)
    csrf.exempt(exports.api_bp)  # /api/v1 like api.bp: bearer tokens only

    from registry.web import rule_files

    app.register_blueprint(rule_files.bp)
    app.register_blueprint(rule_files.api_bp)
    csrf.exempt(rule_files.api_bp)  # /api/v1 like api.bp: bearer tokens only

    from registry.web import treaties

    app.register_blueprint(treaties.bp)
    app.register_blueprint(treaties.api_bp)
    csrf.exempt(treaties.api_bp)  # /api/v1 like api.bp: bearer tokens only

    @app.get("/healthz")
    @public
    def healthz() -> Any:
        database.get_session().execute(text("SELECT 1"))
        return {"status": "ok"}

    csp = content_security_policy(app.config["ARNA_NCALAYER_URL"])

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", csp)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        # Letters, tokens and forms must not linger in shared caches or the browser's history.
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response

    _register_error_handlers(app)

    from registry.services.proofs import install_publisher

    install_publisher(app)

    from registry import cli

    cli.register(app)
    return app
