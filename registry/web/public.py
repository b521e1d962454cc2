"""The public verification page of certified copies: no sign-in.

Anyone holding a paper copy scans its QR code (or types its code) and sees
whether Arna issued it and what it certified — nothing beyond what the paper
shows. Anyone holding the PDF uploads it and learns whether it is, byte for
byte, a copy Arna issued and whether its seal is intact. Failed look-ups are
counted per address (services/copies/lookup.py); the upload form carries a CSRF token.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from registry.paper.codes import CodeError, normalize_code
from registry.services import copies, pki
from registry.web.database import get_session
from registry.web.guard import public
from signing.trust import fingerprint

bp = Blueprint("public", __name__, url_prefix="/verify")
#: The registry CA, public (signing.ca.CERTIFICATE_PATH, CRL_PATH): what its certificates
#: name as their issuer and CRL distribution point, and what an auditor downloads.
pki_bp = Blueprint("pki", __name__, url_prefix="/pki")


class UploadForm(FlaskForm):
    """The upload box; ``code`` remembers the page it was sent from, if any."""

    pdf = FileField("PDF", validators=[FileRequired()])
    code = HiddenField()


def _page(template: str, status: int = 200, **context: Any) -> Response:
    response = make_response(render_template(template, **context), status)
    # A verification answer is about this moment and this code: never cache it anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@public
def index() -> Any:
    typed = request.args.get("code", "").strip()
    if typed:
        try:
            compact = normalize_code(typed)
        except CodeError:
            compact = typed[:64]
        return redirect(url_for("public.verify", code=compact))
    return _page("public/index.html", form=UploadForm(), ca=_ca_facts())


def _ca_facts() -> dict[str, str]:
    cert = pki.ca_certificate(get_session())
    return {"subject": cert.subject.rfc4514_string(), "fingerprint": fingerprint(cert)}


def _download(data: bytes, media_type: str, name: str, max_age: int) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = media_type
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    return response


@pki_bp.get("/ca.cer")
@public
def ca_der() -> Any:
    """The CA certificate in DER (what the certificates' caIssuers names, RFC 5280 §4.2.2.1)."""
    cert = pki.ca_certificate(get_session())
    return _download(cert.public_bytes(Encoding.DER), "application/pkix-cert", "arna-ca.cer", 86400)


@pki_bp.get("/ca.pem")
@public
def ca_pem() -> Any:
    cert = pki.ca_certificate(get_session())
    return _download(
        cert.public_bytes(Encoding.PEM), "application/x-pem-file", "arna-ca.pem", 86400
    )


@pki_bp.get("/ca.crl")
@public
def ca_crl() -> Any:
    """The CA's current CRL in DER; re-issued with every revocation, so cached briefly."""
    crl = pki.current_crl(get_session())
    if crl is None:
        abort(404)
    return _download(crl.public_bytes(Encoding.DER), "application/pkix-crl", "arna-ca.crl", 300)


@bp.get("/<code>")
@public
def verify(code: str) -> Any:
    found = copies.find_copy(get_session(), code, client=request.remote_addr)
    form = UploadForm(code=code)
    if found is None:
        return _page("public/copy.html", status=404, copy=None, code=code, form=form)
    return _page("public/copy.html", copy=found, code=code, form=form)


@bp.post("/upload")
@public
def upload() -> Any:
    form = UploadForm()
    if not form.validate_on_submit():
        return _page("public/index.html", status=400, form=form, ca=_ca_facts())
    data = form.pdf.data.read()
    result = copies.check_upload(get_session(), data, client=request.remote_addr)
    expected = None
    if form.code.data:
        found = copies.find_copy(get_session(), form.code.data, client=request.remote_addr)
        expected = found.pdf_sha256 if found is not None else ""
    return _page(
        "public/upload.html",
        status=200 if result.ok else 422,
        result=result,
        matches_code=None if expected is None else expected == result.sha256,
    )
