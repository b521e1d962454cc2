"""The JSON API under /api/v1 (bearer tokens; docs/api.md, served as /api/v1/openapi.json).

Every error is ``{"error": {"code": …, "message": …, "details": [...]}}`` with a
stable code (registry/app.py turns service errors into it).  Letters outside the
caller's scope are ``not_found``, exactly like missing ones.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request

from registry.permissions import Action
from registry.services import identity, letters, proofs, trust_anchors
from registry.services.errors import Invalid
from registry.web import filters, present
from registry.web.database import get_session
from registry.web.guard import current_principal, public, requires
from registry.web.ui import package_response

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
MAX_LIST = 500
INBOX_PAGE = 200


def _body() -> dict[str, Any]:
    """The JSON object of the request (an empty body counts as ``{}``)."""
    if not request.get_data(cache=True):
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="bad_json")
    return data


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field}: a non-empty string is required", details=[field])
    return value.strip()


def _secret(data: dict[str, Any], field: str) -> str:
    """A passphrase exactly as sent (spaces are part of it)."""
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise Invalid(f"{field}: required", details=[field])
    return value


def _date(data: dict[str, Any], field: str) -> date:
    try:
        return date.fromisoformat(_text(data, field))
    except ValueError:
        raise Invalid(f"{field}: an ISO date YYYY-MM-DD is required", details=[field]) from None


def _envelope(data: dict[str, Any]) -> dict[str, Any]:
    envelope = data.get("envelope")
    if not isinstance(envelope, dict):
        raise Invalid(
            "envelope: an object of contracts/route-plan.md is required", details=["envelope"]
        )
    return envelope


def _detail(letter: Any, *, with_history: bool = True) -> dict[str, Any]:
    principal = current_principal()
    return present.letter_detail(
        get_session(),
        principal,
        letter,
        letters.available_transitions(principal, letter),
        with_history=with_history,
    )


@bp.get("/openapi.json")
@public
def openapi() -> Any:
    return Response(_openapi_text(), mimetype="application/json")


@cache
def _openapi_text() -> str:
    return OPENAPI_FILE.read_text(encoding="utf-8")


@bp.get("/me")
@requires(Action.OWN_ACCOUNT)
def me() -> Any:
    principal = current_principal()
    return {
        "id": principal.id,
        "username": principal.username,
        "full_name": principal.full_name,
        "role": principal.role.value,
        "agency": principal.agency_code,
    }


@bp.get("/inbox")
@requires(Action.INBOX_VIEW)
def inbox() -> Any:
    """The inbox, optionally narrowed (``urgency=overdue|due_soon``, ``kind``, ``state``,
    ``agency``, ``recipient``, ``date_from``, ``date_to``), paged by ``cursor``."""
    limit = filters.integer(request.args, "limit", INBOX_PAGE, MAX_LIST) or 1
    items = letters.inbox(
        get_session(),
        current_principal(),
        due_soon_workdays=current_app.config["ARNA_DUE_SOON_WORKDAYS"],
        limit=limit,
        **filters.inbox_filter(request.args),
    )
    return {
        "items": [present.inbox_item_dict(item) for item in items],
        "next_cursor": letters.next_inbox_cursor(items, limit),
    }


@bp.get("/letters")
@requires(Action.LETTER_READ)
def letter_list() -> Any:
    flt = filters.letter_filter(request.args, limit=100, upper=MAX_LIST)
    rows = letters.list_letters(get_session(), current_principal(), flt)
    return {
        "items": [present.letter_summary(row) for row in rows],
        "limit": flt.limit,
        "offset": flt.offset,
        "next_cursor": letters.next_cursor(flt, rows),
    }


@bp.post("/numbers")
@requires(Action.LETTER_UPLOAD)
def reserve_number() -> Any:
    """A registry number for a letter the agency will sign with its own tools."""
    return {"registry_number": letters.reserve_number(get_session(), current_principal())}, 201


@bp.post("/letters")
@requires(Action.LETTER_UPLOAD)
def submit() -> Any:
    """Register (and, unless ``?submit=false``, submit) a letter signed outside Arna."""
    if request.mimetype not in ("application/xml", "text/xml"):
        raise Invalid(
            "send the signed letter as the body with Content-Type: application/xml",
            code="unsupported_media_type",
        )
    go = request.args.get("submit", "true").lower() != "false"
    letter = letters.upload_letter(
        get_session(), current_principal(), request.get_data(), submit=go
    )
    return _detail(letter, with_history=False), 201


@bp.post("/incoming")
@requires(Action.INCOMING_REGISTER)
def register_incoming() -> Any:
    data = _body()
    body = data.get("body", "")
    letter = letters.register_incoming(
        get_session(),
        current_principal(),
        envelope=_envelope(data),
        subject=_text(data, "subject"),
        body=body if isinstance(body, str) else "",
    )
    return _detail(letter), 201


@bp.post("/plan")
@requires(Action.LETTER_COMPOSE)
def plan() -> Any:
    """The route an envelope would take, with the ¶ that decide it; nothing is stored."""
    preview = letters.preview_route(_envelope(_body()))
    return {"plan": preview.plan, "explanations": preview.explanations}


@bp.post("/drafts")
@requires(Action.LETTER_COMPOSE)
def compose() -> Any:
    """Draft a letter in Arna (numbered, built, routed); sign it with POST …/sign."""
    data = _body()
    letter = letters.compose_letter(
        get_session(),
        current_principal(),
        envelope=_envelope(data),
        subject=_text(data, "subject"),
        body=_text(data, "body"),
    )
    return _detail(letter), 201


@bp.get("/letters/<registry_number>")
@requires(Action.LETTER_READ)
def letter(registry_number: str) -> Any:
    return _detail(letters.get_letter(get_session(), current_principal(), registry_number))


@bp.get("/letters/<registry_number>/xml")
@requires(Action.LETTER_DOWNLOAD)
def download(registry_number: str) -> Any:
    found = letters.get_letter(get_session(), current_principal(), registry_number)
    if found.xml is None:
        raise Invalid("the letter is not signed yet", code="not_signed")
    return Response(
        found.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{found.registry_number}.xml"'},
    )


@bp.get("/letters/<registry_number>/evidence")
@requires(Action.LETTER_DOWNLOAD)
def evidence(registry_number: str) -> Any:
    """The letter's evidence package (ASiC-E, application/vnd.etsi.asic-e+zip)."""
    session = get_session()
    found = letters.get_letter(session, current_principal(), registry_number)
    return package_response(found.registry_number, proofs.evidence_package(session, found))


@bp.post("/letters/<registry_number>/sign")
@requires(Action.LETTER_SIGN)
def sign(registry_number: str) -> Any:
    """Sign a draft, or co-sign a signed letter (the first head, ¶14-7, ¶14-8)."""
    passphrase = _secret(_body(), "passphrase")
    return _detail(
        letters.sign_letter(
            get_session(), current_principal(), registry_number, passphrase=passphrase
        )
    )


@bp.post("/letters/<registry_number>/submit")
@requires(Action.LETTER_SUBMIT)
def submit_signed(registry_number: str) -> Any:
    return _detail(letters.submit_letter(get_session(), current_principal(), registry_number))


@bp.post("/letters/<registry_number>/receive")
@requires(Action.LETTER_RECEIVE)
def receive(registry_number: str) -> Any:
    return _detail(letters.receive_letter(get_session(), current_principal(), registry_number))


@bp.post("/letters/<registry_number>/forward")
@requires(Action.LETTER_FORWARD)
def forward(registry_number: str) -> Any:
    return _detail(letters.forward_letter(get_session(), current_principal(), registry_number))


@bp.post("/letters/<registry_number>/dispatch")
@requires(Action.LETTER_DISPATCH)
def dispatch(registry_number: str) -> Any:
    data = _body()
    letter = letters.dispatch_letter(
        get_session(),
        current_principal(),
        registry_number,
        note_number=_text(data, "note_number"),
        note_date=_date(data, "note_date"),
        passphrase=_secret(data, "passphrase"),
    )
    return _detail(letter)


@bp.post("/letters/<registry_number>/return")
@requires(Action.LETTER_RETURN)
def return_letter(registry_number: str) -> Any:
    reasons = _body().get("reasons")
    if not isinstance(reasons, list) or not all(isinstance(r, str) for r in reasons):
        raise Invalid("reasons: a list of strings is required", details=["reasons"])
    letter = letters.return_letter(
        get_session(), current_principal(), registry_number, reasons=reasons
    )
    return _detail(letter)


@bp.post("/letters/<registry_number>/notice")
@requires(Action.NOTICE_FILE)
def file_notice(registry_number: str) -> Any:
    letter = letters.file_notice(
        get_session(), current_principal(), registry_number, text=_text(_body(), "text")
    )
    return _detail(letter)


@bp.post("/letters/<registry_number>/close")
@requires(Action.LETTER_CLOSE)
def close(registry_number: str) -> Any:
    return _detail(letters.close_letter(get_session(), current_principal(), registry_number))


@bp.post("/letters/<registry_number>/ohchr-publication")
@requires(Action.PUBLICATION_RECORD)
def record_ohchr_publication(registry_number: str) -> Any:
    """¶14-8 part 2: OHCHR published the communication or reply; MFA's step starts."""
    session, principal = get_session(), current_principal()
    letters.record_ohchr_publication(
        session, principal, registry_number, published_on=_date(_body(), "published_on")
    )
    return _detail(letters.get_letter(session, principal, registry_number)), 201


@bp.post("/deadlines/<int:deadline_id>/complete")
@requires(Action.DEADLINE_COMPLETE)
def complete_deadline(deadline_id: int) -> Any:
    letters.complete_deadline(get_session(), current_principal(), deadline_id)
    return {"deadline_id": deadline_id, "done": True}


def openapi_document() -> dict[str, Any]:
    """The served OpenAPI document, parsed (tests compare it with the URL map)."""
    return json.loads(_openapi_text())


def _anchor(anchor: Any) -> dict[str, Any]:
    return {
        "id": anchor.id,
        "name": anchor.name,
        "fingerprint_sha256": anchor.fingerprint_sha256,
        "pki": anchor.pki,
        "scope": list(anchor.scope),
        "first_heads": anchor.vouches_first_head,
        "removed": anchor.removed_at is not None,
        "crl_this_update": _iso(anchor.crl_this_update),
        "delta_crl_this_update": _iso(anchor.delta_crl_this_update),
    }


def _iso(when: Any) -> str | None:
    return when.isoformat() if when is not None else None


@bp.get("/trust-anchors")
@requires(Action.TRUST_MANAGE)
def anchors() -> Any:
    """Every trust anchor ever imported, with its PKI and what it may vouch for."""
    return {"items": [_anchor(a) for a in trust_anchors.list_anchors(get_session())]}


@bp.put("/trust-anchors/<int:anchor_id>/scope")
@requires(Action.TRUST_MANAGE)
def anchor_scope(anchor_id: int) -> Any:
    """Which PKI an anchor is and whom it may vouch for (issue 11, M4); custody-logged."""
    data = _body()
    agencies = data.get("agencies", [])
    first_heads = data.get("first_heads", False)
    errors = []
    if not isinstance(agencies, list) or not all(isinstance(a, str) for a in agencies):
        errors.append("agencies: a list of party codes")
    if not isinstance(first_heads, bool):
        errors.append("first_heads: true or false")
    if errors:
        raise Invalid("the anchor's scope cannot be set", details=errors)
    anchor = identity.set_anchor_scope(
        get_session(),
        current_principal(),
        anchor_id,
        pki=_text(data, "pki"),
        agencies=agencies,
        first_heads=first_heads,
    )
    return _anchor(anchor)
