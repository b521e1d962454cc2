"""The custody log for auditors: JSON for their own tools, pages for people.

API (bearer tokens, under /api/v1/custody): the latest signed checkpoint, the
stored checkpoints, a letter's events with inclusion proofs (a one-letter
bundle of contracts/custody-bundle.md), and a consistency proof between two
sizes — what a monitor needs to keep old checkpoints and check each new one
extends them. Pages: the checkpoint list, a letter's timeline with a verified
mark per event, and "verify the whole log", which streams its progress.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, redirect, render_template, request, stream_template, url_for
from flask_wtf import FlaskForm

from custody.note import Checkpoint
from registry.models import CustodyCheckpoint
from registry.permissions import Action
from registry.services import custody
from registry.services.errors import Invalid, NotFound
from registry.web.database import get_session
from registry.web.guard import requires

bp = Blueprint("custody", __name__, url_prefix="/custody")
api_bp = Blueprint("custody_api", __name__, url_prefix="/api/v1/custody")

PAGE = 50
MAX_SIZE = 2**62


class VerifyLogForm(FlaskForm):
    """Only the CSRF token: verifying needs no input."""


def _size_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) > MAX_SIZE:
        raise Invalid(f"{name}: a non-negative integer is required", details=[name])
    return int(raw)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode()


def _checkpoint_json(row: CustodyCheckpoint) -> dict[str, Any]:
    parsed = Checkpoint.parse(row.note[: row.note.rfind("\n\n") + 1])
    return {
        "origin": parsed.origin,
        "size": parsed.size,
        "root_hash": _b64(parsed.root_hash),
        "checkpoint": row.note,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
    }


# ----------------------------------------------------------------------------- API


@api_bp.get("/checkpoint")
@requires(Action.CUSTODY_READ)
def api_checkpoint() -> Any:
    session = get_session()
    row = custody.latest_checkpoint(session)
    if row is None:
        raise NotFound("the custody log has no checkpoint yet")
    return _checkpoint_json(row) | {"verifier_key": custody.verifier_key(session)}


@api_bp.get("/checkpoints")
@requires(Action.CUSTODY_READ)
def api_checkpoints() -> Any:
    before = _size_arg("before")
    limit = min(_size_arg("limit", PAGE) or PAGE, 500)
    rows = custody.checkpoints_page(get_session(), before=before, limit=limit)
    return {"checkpoints": [_checkpoint_json(row) for row in rows]}


@api_bp.get("/letters/<registry_number>")
@requires(Action.CUSTODY_READ)
def api_letter(registry_number: str) -> Any:
    return custody.export_bundle(get_session(), registry_number)


@api_bp.get("/consistency")
@requires(Action.CUSTODY_READ)
def api_consistency() -> Any:
    session = get_session()
    latest = custody.latest_checkpoint(session)
    if latest is None:
        raise NotFound("the custody log has no checkpoint yet")
    first = _size_arg("from")
    second = _size_arg("to", latest.size)
    if first is None or second is None or not 0 < first <= second <= latest.size:
        raise Invalid(
            f"from and to: sizes with 0 < from <= to <= {latest.size}", details=["from", "to"]
        )
    proof = custody.consistency_proof(session, first, second)
    notes = {
        size: (row.note if (row := session.get(CustodyCheckpoint, size)) else None)
        for size in (first, second)
    }
    return {
        "from": first,
        "to": second,
        "proof": [_b64(h) for h in proof],
        "checkpoint_from": notes[first],
        "checkpoint_to": notes[second],
    }


# ----------------------------------------------------------------------------- pages


@bp.get("/")
@requires(Action.CUSTODY_READ)
def checkpoints() -> Any:
    session = get_session()
    before = _size_arg("before")
    rows = custody.checkpoints_page(session, before=before, limit=PAGE)
    return render_template(
        "custody/checkpoints.html",
        rows=[_checkpoint_json(row) for row in rows],
        verifier_key=custody.verifier_key(session),
        next_before=rows[-1].size if len(rows) == PAGE else None,
    )


@bp.get("/letters")
@requires(Action.CUSTODY_READ)
def find_letter() -> Any:
    """The checkpoint page's look-up form: on to the letter's timeline."""
    number = (request.args.get("registry_number") or "").strip()
    if not number:
        raise Invalid("registry_number: a registry number is required", details=["registry_number"])
    return redirect(url_for("custody.letter", registry_number=number))


@bp.get("/letters/<registry_number>")
@requires(Action.CUSTODY_READ)
def letter(registry_number: str) -> Any:
    checkpoint, timeline = custody.letter_timeline(get_session(), registry_number)
    return render_template(
        "custody/letter.html",
        registry_number=registry_number,
        checkpoint=checkpoint,
        timeline=timeline,
        root_hash=_b64(checkpoint.root_hash),
    )


@bp.get("/verify")
@requires(Action.CUSTODY_VERIFY)
def verify_form() -> Any:
    return render_template("custody/verify.html", form=VerifyLogForm(), steps=None)


@bp.post("/verify")
@requires(Action.CUSTODY_VERIFY)
def verify() -> Any:
    form = VerifyLogForm()
    if not form.validate_on_submit():  # CSRFProtect refuses a bad token before this
        return verify_form()
    # The page streams: each progress step is sent as soon as it is reached.
    return stream_template(
        "custody/verify.html", form=form, steps=custody.verify_log_steps(get_session())
    )
