"""The administrator's pages: users, agencies, certificates, trust anchors.

The administrator manages people and keys but never sees letters (registry/permissions.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cryptography import x509
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from registry.models import Agency
from registry.permissions import Action
from registry.services import accounts, identity, pki
from registry.services import agencies as agencies_service
from registry.services import trust_anchors as trust_anchors_service
from registry.services.errors import ServiceError
from registry.web.chrome import flash_refusal
from registry.web.database import get_session, refused
from registry.web.forms import (
    ActingFirstHeadForm,
    AgencyForm,
    AnchorScopeForm,
    BinForm,
    CrlForm,
    EmailForm,
    EmptyForm,
    IinForm,
    PasswordResetForm,
    TrustAnchorForm,
    UserForm,
)
from registry.web.guard import current_principal, requires
from registry.web.names import party_name

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The questions of the irreversible actions (static/confirm.js asks them in the browser).
REVOKE_CERTIFICATE = _l(
    "Revoke this certificate? Its holder cannot sign until they create a new key."
)
STOP_TRUSTING = _l("Stop trusting this root? Letters signed under it will be refused.")


def _unless_confirmed(question: Any, back: str) -> Any | None:
    """None once the person confirmed (``confirmed=1``: confirm.js, or this page's own
    button); otherwise the page that asks, so the action never happens without JavaScript's
    question or this one."""
    if request.form.get("confirmed") == "1":
        return None
    return render_template("confirm.html", question=question, action=request.path, back=back)


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
            iin_form=IinForm(formdata=None),
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


@bp.post("/users/<int:user_id>/email")
@requires(Action.USER_MANAGE)
def set_email(user_id: int) -> Any:
    """The address a person's deadline e-mails go to (empty: none)."""
    form = EmailForm()
    if not form.validate_on_submit():
        flash(_("An e-mail address has at most 254 characters."), "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.set_contact(get_session(), user_id, email=form.email.data)
    except ServiceError as exc:
        refused(exc)
        flash_refusal(exc)
    else:
        flash(_("E-mail address saved."), "success")
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
    return (
        render_template(
            "admin/agencies.html",
            agencies=agencies_list,
            form=form,
            bin_form=BinForm(formdata=None),
        ),
        status,
    )


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
    users = accounts.list_users(get_session())
    return render_template(
        "admin/certificates.html",
        users=users,
        form=EmptyForm(),
        validity={u.id: _validity(u.certificate_pem) for u in users if u.certificate_pem},
        revoke_question=REVOKE_CERTIFICATE,
    )


def _validity(pem: str) -> tuple[datetime, datetime]:
    """A certificate's validity period (not before, not after), in UTC."""
    cert = x509.load_pem_x509_certificate(pem.encode("ascii"))
    return cert.not_valid_before_utc, cert.not_valid_after_utc


@bp.post("/certificates/<int:user_id>/revoke")
@requires(Action.CERTIFICATE_MANAGE)
def revoke_certificate(user_id: int) -> Any:
    """Revoke an officer's signing certificate (a lost key, a person who left)."""
    asking = _unless_confirmed(REVOKE_CERTIFICATE, url_for("admin.certificates"))
    if asking is not None:
        return asking
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
            scope_form=_scope_form(formdata=None),
            stop_question=STOP_TRUSTING,
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
    asking = _unless_confirmed(STOP_TRUSTING, url_for("admin.trust_anchors"))
    if asking is not None:
        return asking
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


def _settled(do: Any, done: str, page: str) -> Any:
    """Run one admin setting (``do``); flash ``done`` or the refusal; back to ``page``."""
    try:
        do()
    except ServiceError as exc:
        refused(exc)
        if exc.status not in (404, 409, 422):
            raise
        flash_refusal(exc)
    else:
        flash(done, "success")
    return redirect(url_for(page))


@bp.post("/agencies/<code>/bin")
@requires(Action.AGENCY_MANAGE)
def set_agency_bin(code: str) -> Any:
    """Record an agency's BIN: NCA RK certificates name their organisation by it."""
    form = BinForm()
    if not form.validate_on_submit():
        flash(_("A BIN is exactly 12 digits."), "error")
        return redirect(url_for("admin.agencies"))
    return _settled(
        lambda: identity.set_agency_bin(
            get_session(), current_principal(), code, form.bin.data or ""
        ),
        _("BIN of %(code)s recorded.", code=code),
        "admin.agencies",
    )


@bp.post("/users/<int:user_id>/iin")
@requires(Action.USER_MANAGE)
def set_user_iin(user_id: int) -> Any:
    """Record an account's IIN: its holder's NCA RK certificates name them by it."""
    form = IinForm()
    if not form.validate_on_submit():
        flash(_("An IIN is exactly 12 digits."), "error")
        return redirect(url_for("admin.users"))
    return _settled(
        lambda: identity.set_user_iin(
            get_session(), current_principal(), user_id, form.iin.data or ""
        ),
        _("IIN recorded."),
        "admin.users",
    )


def _scope_form(**kwargs: Any) -> AnchorScopeForm:
    form = AnchorScopeForm(**kwargs)
    form.agencies.choices = [SelectChoice(a.code) for a in _agencies()]
    return form


@bp.post("/trust-anchors/<int:anchor_id>/scope")
@requires(Action.TRUST_MANAGE)
def set_anchor_scope(anchor_id: int) -> Any:
    """Say which PKI an anchor is and whom it may vouch for (issue 11, M4)."""
    form = _scope_form()
    if not form.validate_on_submit():
        flash(_("Choose the PKI and the agencies from the lists."), "error")
        return redirect(url_for("admin.trust_anchors"))
    return _settled(
        lambda: identity.set_anchor_scope(
            get_session(),
            current_principal(),
            anchor_id,
            pki=form.pki.data or "",
            agencies=form.agencies.data or [],
            first_heads=bool(form.first_heads.data),
        ),
        _("What the anchor may vouch for is recorded."),
        "admin.trust_anchors",
    )


def _acting_form(**kwargs: Any) -> ActingFirstHeadForm:
    form = ActingFirstHeadForm(**kwargs)
    form.agency_code.choices = [SelectChoice(a.code) for a in _agencies()]
    return form


def _acting_page(form: ActingFirstHeadForm, status: int = 200) -> Any:
    return (
        render_template(
            "admin/acting_first_heads.html",
            acting=identity.list_acting_first_heads(get_session()),
            form=form,
        ),
        status,
    )


@bp.get("/acting-first-heads")
@requires(Action.AGENCY_MANAGE)
def acting_first_heads() -> Any:
    return _acting_page(_acting_form())


@bp.post("/acting-first-heads")
@requires(Action.AGENCY_MANAGE)
def record_acting_first_head() -> Any:
    """¶14-7, ¶14-8: the person acting for a first head signs as the first head."""
    form = _acting_form()
    if not form.validate_on_submit():
        return _acting_page(form, 422)
    assert form.starts_on.data is not None
    assert form.ends_on.data is not None
    try:
        identity.record_acting_first_head(
            get_session(),
            current_principal(),
            agency_code=form.agency_code.data or "",
            iin=form.iin.data or "",
            full_name=form.full_name.data or "",
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
        )
    except ServiceError as exc:
        refused(exc)
        if exc.status not in (404, 422):
            raise
        flash_refusal(exc)
        return _acting_page(form, exc.status)
    flash(_("Acting first head recorded."), "success")
    return redirect(url_for("admin.acting_first_heads"))
