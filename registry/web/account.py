"""One's own account: API tokens (the JSON API's credentials)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for

from registry.auth import Action, current_principal, requires
from registry.db import get_session
from registry.services import tokens
from registry.web.forms import EmptyForm, TokenForm

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("/")
@requires(Action.OWN_ACCOUNT)
def overview() -> Any:
    principal = current_principal()
    return render_template(
        "account.html",
        principal=principal,
        tokens=tokens.list_tokens(get_session(), principal.id),
        token_form=TokenForm(),
        revoke_form=EmptyForm(),
        new_token=None,
    )


@bp.post("/tokens")
@requires(Action.OWN_ACCOUNT)
def create_token() -> Any:
    principal = current_principal()
    form = TokenForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.overview"))
    issued = tokens.issue_token(get_session(), principal.id, form.name.data or "token")
    return render_template(
        "account.html",
        principal=principal,
        tokens=tokens.list_tokens(get_session(), principal.id),
        token_form=TokenForm(formdata=None),
        revoke_form=EmptyForm(),
        new_token=issued,
    )


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Action.OWN_ACCOUNT)
def revoke_token(token_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        tokens.revoke_token(get_session(), current_principal().id, token_id)
    return redirect(url_for("account.overview"))
