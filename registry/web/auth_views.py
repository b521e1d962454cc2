"""Signing in and out of the web pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from registry.permissions import Action, Role, allowed
from registry.services.accounts import ThrottlePolicy, authenticate
from registry.services.errors import Throttled, Unauthenticated
from registry.web.chrome import LANGUAGE_CODES, LANGUAGE_COOKIE, explain
from registry.web.database import get_session, refused
from registry.web.forms import EmptyForm, LoginForm
from registry.web.guard import public, requires

bp = Blueprint("auth", __name__)


def _landing() -> str:
    """Where a signed-in person starts: their inbox, the admin's user list, else sign-in."""
    from flask_login import current_user

    if not current_user.is_authenticated:
        return url_for("auth.login")
    role = Role(current_user.role)
    if allowed(role, Action.INBOX_VIEW):
        return url_for("ui.inbox")
    if allowed(role, Action.USER_MANAGE):
        return url_for("admin.users")
    return url_for("account.overview")


def _safe_next(target: str | None) -> str | None:
    """Only a local path: an open redirect after sign-in is a phishing tool."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def throttle_policy() -> ThrottlePolicy:
    from datetime import timedelta

    config = current_app.config
    return ThrottlePolicy(
        max_failures=config["ARNA_LOGIN_MAX_FAILURES"],
        window=timedelta(seconds=config["ARNA_LOGIN_WINDOW_SECONDS"]),
        lock=timedelta(seconds=config["ARNA_LOGIN_LOCK_SECONDS"]),
    )


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> Any:
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            principal = authenticate(
                get_session(),
                form.username.data or "",
                form.password.data or "",
                client=request.remote_addr,
                policy=throttle_policy(),
            )
        except (Unauthenticated, Throttled) as exc:
            refused(exc)
            error, status = explain(exc.code, exc.message)[0], exc.status
        else:
            login_user(principal)
            return redirect(_safe_next(request.args.get("next")) or _landing())
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
@requires(Action.OWN_ACCOUNT)
def logout() -> Any:
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


@bp.post("/language")
@public
def language() -> Any:
    """Remember the chosen language in a cookie (a year) and go back to the page."""
    form = EmptyForm()
    choice = request.form.get("lang", "")
    response = redirect(_safe_next(request.form.get("next")) or _landing())
    if form.validate_on_submit() and choice in LANGUAGE_CODES:
        response.set_cookie(
            LANGUAGE_COOKIE,
            choice,
            max_age=365 * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.get("/")
@public
def index() -> Any:
    return redirect(_landing())
