"""One's own account: password, signing key (the key Arna holds for you), API tokens,
deadline e-mails.

Every change here is confirmed with the current password (``ReauthForm``), checked and
throttled by ``accounts.confirm_password``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_user

from registry.permissions import Action, Principal
from registry.services import accounts, pki, tokens
from registry.services.errors import ServiceError
from registry.web.chrome import flash_refusal
from registry.web.database import get_session, refused
from registry.web.forms import (
    ContactForm,
    PasswordChangeForm,
    ReauthForm,
    SigningKeyForm,
    TokenForm,
)
from registry.web.guard import current_principal, requires

bp = Blueprint("account", __name__, url_prefix="/account")


def _page(new_token: Any = None, status: int = 200) -> Any:
    principal = current_principal()
    session = get_session()
    user = accounts.get_user(session, principal.id)
    contact_form = ContactForm(formdata=None)
    contact_form.email.data = user.email
    contact_form.notify.data = user.notify_deadlines
    contact_form.language.data = user.language
    return (
        render_template(
            "account.html",
            principal=principal,
            user=user,
            contact_form=contact_form,
            tokens=tokens.list_tokens(session, principal.id),
            token_form=TokenForm(formdata=None),
            revoke_form=ReauthForm(formdata=None),
            password_form=PasswordChangeForm(formdata=None),
            key_form=SigningKeyForm(formdata=None),
            new_token=new_token,
        ),
        status,
    )


def _refused(exc: ServiceError) -> None:
    refused(exc)
    flash_refusal(exc)


@bp.get("/")
@requires(Action.OWN_ACCOUNT)
def overview() -> Any:
    return _page()


def _confirmed(form: ReauthForm, invalid: str) -> bool:
    """The form is complete and its current password right; else a message, and False."""
    if not form.validate_on_submit():
        flash(invalid, "error")
        return False
    try:
        accounts.confirm_password(get_session(), current_principal().id, form.current.data or "")
    except ServiceError as exc:
        _refused(exc)
        return False
    return True


@bp.post("/tokens")
@requires(Action.OWN_ACCOUNT)
def create_token() -> Any:
    form = TokenForm()
    if not _confirmed(form, _("Give the token a name and confirm with your current password.")):
        return redirect(url_for("account.overview"))
    issued = tokens.issue_token(get_session(), current_principal().id, form.name.data or "token")
    return _page(new_token=issued)


@bp.post("/tokens/<int:token_id>/revoke")
@requires(Action.OWN_ACCOUNT)
def revoke_token(token_id: int) -> Any:
    if _confirmed(ReauthForm(), _("Confirm with your current password.")):
        tokens.revoke_token(get_session(), current_principal().id, token_id)
        flash(_("Token revoked."), "success")
    return redirect(url_for("account.overview"))


@bp.post("/password")
@requires(Action.OWN_ACCOUNT)
def change_password() -> Any:
    form = PasswordChangeForm()
    if not form.validate_on_submit():
        flash(_("A password needs at least 12 characters."), "error")
        return redirect(url_for("account.overview"))
    try:
        accounts.change_own_password(
            get_session(), current_principal().id, form.current.data or "", form.new.data or ""
        )
    except ServiceError as exc:
        _refused(exc)
    else:
        # Every other session of this person ends with the old password; this one goes on.
        login_user(Principal.of(accounts.get_user(get_session(), current_principal().id)))
        flash(_("Password changed."), "success")
    return redirect(url_for("account.overview"))


@bp.post("/signing-key")
@requires(Action.LETTER_SIGN)
def enroll_key() -> Any:
    """A new signing key and certificate, the key encrypted with the person's own passphrase."""
    form = SigningKeyForm()
    invalid = _("The two passphrases differ or are shorter than 12 characters.")
    if not _confirmed(form, invalid):
        return redirect(url_for("account.overview"))
    try:
        pki.enroll_signing_key(get_session(), current_principal().id, form.passphrase.data or "")
    except ServiceError as exc:
        _refused(exc)
    else:
        flash(_("Your signing key is ready; keep the passphrase to yourself."), "success")
    return redirect(url_for("account.overview"))


@bp.post("/contact")
@requires(Action.OWN_ACCOUNT)
def change_contact() -> Any:
    """Where deadline e-mails go, whether they come, and their language."""
    form = ContactForm()
    if not _confirmed(form, _("Confirm with your current password.")):
        return redirect(url_for("account.overview"))
    try:
        accounts.set_contact(
            get_session(),
            current_principal().id,
            email=form.email.data,
            notify=bool(form.notify.data),
            language=form.language.data,
        )
    except ServiceError as exc:
        _refused(exc)
    else:
        flash(_("E-mail settings saved."), "success")
    return redirect(url_for("account.overview"))
