"""The JSON API under /api/v1 (bearer tokens; docs/api.md and /api/v1/openapi.json)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from registry.auth import Action, current_principal, requires

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/me")
@requires(Action.OWN_ACCOUNT)
def me() -> Any:
    principal = current_principal()
    return {
        "username": principal.username,
        "full_name": principal.full_name,
        "role": principal.role.value,
        "agency": principal.agency_code,
    }
