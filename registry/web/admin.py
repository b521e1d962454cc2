"""The administrator's pages: users, agencies, certificates, trust anchors.

The administrator manages people and keys but never sees letters (registry/permissions.py).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from registry.models import Agency
from registry.permissions import Action
from registry.services import accounts, pki
from registry.services import agencies as agencies_service
from registry.services import trust_anchors as trust_anchors_service
from registry.services.errors import ServiceError
from registry.web.chrome import flash_refusal
from registry.web.database import get_session, refused
from registry.web.forms import (
    AgencyForm,
    CrlForm,
    EmptyForm,
    PasswordResetForm,
    TrustAnchorForm,
    UserForm,
)
from registry.web.guard import current_principal, requires
from registry.web.names import party_name

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _agencies() -> list[Agency]:
    return agencies_service.list_agencies(get_session())


def _user_form() -> UserForm:
    form = UserForm()
    form.agency_code.choices = [SelectChoice("", "—")] + [
        SelectChoice(a.code, party_name(a.code)) for a in _agencies()
    ]
    return form


def _users_page(form: UserForm, status: int = 200) -> Any:
    return (
        render_template(
            "admin/users.html",
            users=accounts.list_users(get_session()),
            form=form,
            toggle_form=EmptyForm(),
            reset_form=PasswordResetForm(formdata=None),
        ),
        status,
    )


@bp.get("/users")
@requires(Action.USER_MANAGE)
def users() -> Any:
    return _users_page(_user_form())


@bp.post("/users")
@requires(Action.USER_MANAGE)
def create_user() -> Any:
    form = _user_form()
    if not form.validate_on_submit():
        return _users_page(form, 400)
    try:
        user = accounts.create_user(
            get_session(),
            username=form.username.data or "",
            full_name=form.full_name.data or "",
            role=form.role.data or "",
            password=form.password.data or "",
            agency_code=form.agency_code.data or None,
        )
    except ServiceError as exc:
        refused(exc)
        flash_refusal(exc)
        return _users_page(form, exc.status)
    flash(_("User %(name)s created.", name=user.username), "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/active")
@requires(Action.USER_MANAGE)
def toggle_user(user_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        user = accounts.get_user(get_session(), user_id)
        accounts.set_active(get_session(), user_id, not user.is_active)
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/password")
@requires(Action.USER_MANAGE)
def reset_password(user_id: int) -> Any:
    form = PasswordResetForm()
    if form.validate_on_submit():
        accounts.set_password(get_session(), user_id, form.password.data or "")
        flash(_("Password reset."), "success")
    else:
        flash(_("A password needs at least 12 characters."), "error")
    return redirect(url_for("admin.users"))


def _agencies_page(form: AgencyForm, status: int = 200) -> Any:
    agencies_list = agencies_service.list_agencies(get_session())
    return render_template("admin/agencies.html", agencies=agencies_list, form=form), status


@bp.get("/agencies")
@requires(Action.AGENCY_MANAGE)
def agencies() -> Any:
    return _agencies_page(AgencyForm())


@bp.post("/agencies")
@requires(Action.AGENCY_MANAGE)
def create_agency() -> Any:
    form = AgencyForm()
    if not form.validate_on_submit():
        return _agencies_page(form, 422)
    try:
        agency = agencies_service.create_agency(
            get_session(),
            current_principal(),
            code=form.code.data or "",
            name_en=form.name_en.data or "",
            name_ru=form.name_ru.data or "",
            name_kk=form.name_kk.data or "",
        )
    except ServiceError as exc:
        refused(exc)
        if exc.status not in (409, 422):
            raise
        flash_refusal(exc)
        return _agencies_page(form, exc.status)
    flash(_("%(code)s added.", code=agency.code), "success")
    return redirect(url_for("admin.agencies"))


@bp.get("/certificates")
@requires(Action.CERTIFICATE_MANAGE)
def certificates() -> Any:
    return render_template(
        "admin/certificates.html", users=accounts.list_users(get_session()), form=EmptyForm()
    )


@bp.post("/certificates/<int:user_id>/revoke")
@requires(Action.CERTIFICATE_MANAGE)
def revoke_certificate(user_id: int) -> Any:
    """Revoke an officer's signing certificate (a lost key, a person who left)."""
    if EmptyForm().validate_on_submit():
        pki.revoke_certificate(get_session(), user_id)
        flash(_("Certificate revoked; the registry's CRL lists it."), "success")
    return redirect(url_for("admin.certificates"))


def _anchors_page(form: TrustAnchorForm, status: int = 200) -> Any:
    return (
        render_template(
            "admin/trust_anchors.html",
            anchors=trust_anchors_service.list_anchors(get_session()),
            form=form,
            remove_form=EmptyForm(),
            crl_form=CrlForm(),
        ),
        status,
    )


@bp.get("/trust-anchors")
@requires(Action.TRUST_MANAGE)
def trust_anchors() -> Any:
    return _anchors_page(TrustAnchorForm())


@bp.post("/trust-anchors")
@requires(Action.TRUST_MANAGE)
def import_trust_anchor() -> Any:
    form = TrustAnchorForm()
    if not form.validate_on_submit():
        return _anchors_page(form, 422)
    try:
        anchor = trust_anchors_service.import_anchor(
            get_session(), current_principal(), form.name.data or "", form.certificate.data.read()
        )
    except ServiceError as exc:
        refused(exc)
        if exc.status not in (409, 422):
            raise
        flash_refusal(exc)
        return _anchors_page(form, exc.status)
    flash(_("%(name)s is now trusted for uploaded letters.", name=anchor.name), "success")
    return redirect(url_for("admin.trust_anchors"))


@bp.post("/trust-anchors/<int:anchor_id>/remove")
@requires(Action.TRUST_MANAGE)
def remove_trust_anchor(anchor_id: int) -> Any:
    if EmptyForm().validate_on_submit():
        trust_anchors_service.remove_anchor(get_session(), current_principal(), anchor_id)
        flash(_("The root is no longer trusted."), "success")
    return redirect(url_for("admin.trust_anchors"))


@bp.post("/trust-anchors/<int:anchor_id>/crl")
@requires(Action.TRUST_MANAGE)
def import_anchor_crl(anchor_id: int) -> Any:
    """Take in the latest CRL of an outside CA, so its revocations refuse uploads at once."""
    form = CrlForm()
    if not form.validate_on_submit():
        return _anchors_page(TrustAnchorForm(), 422)
    try:
        anchor = trust_anchors_service.import_crl(
            get_session(), current_principal(), anchor_id, form.crl.data.read()
        )
    except ServiceError as exc:
        refused(exc)
        if exc.status not in (409, 422):
            raise
        flash_refusal(exc)
        return _anchors_page(TrustAnchorForm(), exc.status)
    flash(_("The revocation list of %(name)s is in force.", name=anchor.name), "success")
    return redirect(url_for("admin.trust_anchors"))
