"""The web guard: authenticate the request and enforce the permission table on every view.

``requires`` / ``public`` are the decorators every view carries. ``requires``
authenticates (session cookie for pages, bearer token for ``/api/``), checks the
table of ``registry.permissions``, and records the endpoint's action in
``ENDPOINT_RULES`` so a test can prove that no endpoint was added without a rule.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import g, request
from flask_login import current_user

from registry.permissions import Action, Principal, check
from registry.services.errors import Unauthenticated
from registry.services.tokens import authenticate_token
from registry.web.database import get_session

PUBLIC = "public"
# endpoint function qualname -> the Action it requires, or PUBLIC.
ENDPOINT_RULES: dict[str, str] = {}

F = TypeVar("F", bound=Callable[..., Any])


def _key(func: Callable[..., Any]) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def rule_of(view: Callable[..., Any]) -> str | None:
    """The rule a view function declared (``PUBLIC`` or an action), or None if it declared none."""
    return ENDPOINT_RULES.get(_key(view))


def current_principal() -> Principal:
    """The authenticated person of this request, or Unauthenticated.

    ``/api/`` requests authenticate by bearer token only — never by the session
    cookie — which is what makes exempting the API from CSRF safe.
    """
    cached = g.get("arna_principal")
    if cached is not None:
        return cached
    if request.path.startswith("/api/"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("send an API token as 'Authorization: Bearer <token>'")
        principal = authenticate_token(get_session(), token.strip())
    else:
        if not current_user.is_authenticated:
            raise Unauthenticated("sign in first")
        principal = current_user._get_current_object()
    g.arna_principal = principal
    return principal


def requires(action: Action) -> Callable[[F], F]:
    """Decorate a view: authenticate, then check ``action`` in the permission table."""

    def decorate(view: F) -> F:
        ENDPOINT_RULES[_key(view)] = action

        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check(current_principal(), action)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Decorate a view that anyone may call (sign-in page, health check, public verification)."""
    ENDPOINT_RULES[_key(view)] = PUBLIC
    return view
