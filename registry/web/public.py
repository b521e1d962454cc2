"""The public verification page of certified copies (¶32-1): no sign-in.

Anyone holding a paper copy scans its QR code (or types its code) and sees
whether Arna issued it and what it certified — nothing beyond what the paper
shows. Anyone holding the PDF uploads it and learns whether it is, byte for
byte, a copy Arna issued and whether its seal is intact. Failed look-ups are
counted per address (services/copies/lookup.py); the upload form carries a CSRF token.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from registry.paper.codes import CodeError, normalize_code
from registry.services import copies
from registry.web.database import get_session
from registry.web.guard import public

bp = Blueprint("public", __name__, url_prefix="/verify")


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
    return _page("public/index.html", form=UploadForm())


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
        return _page("public/index.html", status=400, form=form)
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
