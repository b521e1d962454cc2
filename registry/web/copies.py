"""Issuing certified paper copies from the web pages and from the API.

The PDF is handed out in the response that issues it and never kept (see
services/copies/), so both surfaces answer the issuing POST with the file.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from registry.permissions import Action
from registry.services import copies
from registry.services.copies import IssuedCopy
from registry.web.database import get_session
from registry.web.guard import current_principal, requires

bp = Blueprint("copies", __name__)
api_bp = Blueprint("copies_api", __name__, url_prefix="/api/v1")


class IssueCopyForm(FlaskForm):
    """Nothing but the CSRF token: issuing a copy needs no input beyond the letter."""


def public_base_url() -> str:
    """Where the QR code points: ``ARNA_PUBLIC_URL``, never this request's Host header."""
    return copies.public_url(current_app.config)


def pdf_response(issued: IssuedCopy, status: int = 200) -> Response:
    """The signed PDF as a download; its hash in a header so a program can record it."""
    response = Response(issued.pdf, status=status, mimetype="application/pdf")
    filename = f"{issued.registry_number.replace('/', '-')}-copy-{issued.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Arna-Copy-SHA256"] = issued.sha256
    response.headers["Cache-Control"] = "no-store"
    return response


def _issue(registry_number: str) -> IssuedCopy:
    return copies.issue_copy(
        get_session(),
        current_principal(),
        registry_number,
        base_url=public_base_url(),
        kek=current_app.config["ARNA_KEK"],
    )


@bp.get("/copies")
@requires(Action.COPY_ISSUE)
def find() -> Any:
    """Certified copies by registry number: the way in for administrators, who certify
    any letter but open no letter page (an agency's people and MFA use the letter page)."""
    number = (request.args.get("registry_number") or "").strip()
    if number:
        return redirect(url_for("copies.letter_copies", registry_number=number))
    return render_template("copies/find.html")


@bp.get("/letters/<registry_number>/copies")
@requires(Action.COPY_ISSUE)
def letter_copies(registry_number: str) -> Any:
    session = get_session()
    rows = copies.list_copies(session, current_principal(), registry_number)
    return render_template(
        "copies/letter_copies.html",
        registry_number=registry_number,
        copies=rows,
        issuers={row.id: copies.issuer_name(session, row) for row in rows},
        form=IssueCopyForm(),
    )


@bp.post("/letters/<registry_number>/copies")
@requires(Action.COPY_ISSUE)
def issue(registry_number: str) -> Any:
    form = IssueCopyForm()
    if not form.validate_on_submit():  # CSRFProtect refuses a bad token before this
        return letter_copies(registry_number)
    return pdf_response(_issue(registry_number))


@api_bp.post("/letters/<registry_number>/copies")
@requires(Action.COPY_ISSUE)
def api_issue(registry_number: str) -> Any:
    issued = _issue(registry_number)
    response = pdf_response(issued, status=201)
    response.headers["X-Arna-Verification-Url"] = issued.verification_url
    return response


@api_bp.get("/letters/<registry_number>/copies")
@requires(Action.COPY_ISSUE)
def api_list(registry_number: str) -> Any:
    rows = copies.list_copies(get_session(), current_principal(), registry_number)
    return {"copies": copies.copies_of(rows)}


def _issue_record(number: str, key: str) -> IssuedCopy:
    return copies.issue_record_copy(
        get_session(),
        current_principal(),
        number,
        key,
        base_url=public_base_url(),
        kek=current_app.config["ARNA_KEK"],
    )


@bp.post("/files/<number>/records/<path:key>/copies")
@requires(Action.COPY_ISSUE)
def issue_record(number: str, key: str) -> Any:
    """The paper copy of a rule file's signed record (¶32-1: PA's approval sheet)."""
    form = IssueCopyForm()
    if not form.validate_on_submit():  # CSRFProtect refuses a bad token before this
        return redirect(url_for("files.file_page", number=number))
    return pdf_response(_issue_record(number, key))


@api_bp.post("/files/<number>/records/<path:key>/copies")
@requires(Action.COPY_ISSUE)
def api_issue_record(number: str, key: str) -> Any:
    issued = _issue_record(number, key)
    response = pdf_response(issued, status=201)
    response.headers["X-Arna-Verification-Url"] = issued.verification_url
    return response
