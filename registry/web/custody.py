"""The custody log for auditors: JSON for their own tools, pages for people.

API (bearer tokens, under /api/v1/custody): the latest signed checkpoint, the
stored checkpoints, a letter's events with inclusion proofs (a one-letter
bundle of contracts/custody-bundle.md), and a consistency proof between two
sizes — what a monitor needs to keep old checkpoints and check each new one
extends them; verifications of the live log, started and then polled. Pages:
the checkpoint list, a letter's timeline with a verified mark per event, and
"verify the log", a background job whose page shows its progress.
"""

from __future__ import annotations

import base64
from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from custody.note import Checkpoint
from registry.db import EXTENSION_KEY, MAX_INTEGER
from registry.models import CustodyCheckpoint, CustodyVerification
from registry.permissions import Action
from registry.services import custody
from registry.services.custody import jobs
from registry.services.custody.store import chunked_reader
from registry.services.errors import Invalid, NotFound
from registry.services.letters.actions import custody_actor
from registry.services.unit_of_work import unit_of_work
from registry.web.chrome import explain
from registry.web.database import get_session
from registry.web.guard import current_principal, requires

bp = Blueprint("custody", __name__, url_prefix="/custody")
api_bp = Blueprint("custody_api", __name__, url_prefix="/api/v1/custody")

PAGE = 50
MAX_PAGE = 500


class VerifyLogForm(FlaskForm):
    """Only the CSRF token (verifying: the button pressed names the kind; exporting)."""


def _size_arg(name: str, default: int | None = None) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdecimal() or int(raw) > MAX_INTEGER:
        raise Invalid(f"{name}: an integer from 0 to {MAX_INTEGER}", details=[name])
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


def _job_json(job: CustodyVerification) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "state": jobs.state_of(job),
        "started_by": job.started_by,
        "started_at": job.started_at.isoformat().replace("+00:00", "Z"),
        "finished_at": job.finished_at.isoformat().replace("+00:00", "Z")
        if job.finished_at
        else None,
        "from_size": job.from_size,
        "size": job.size,
        "done": job.done,
        "checkpoints": job.checkpoints,
        "problem": job.problem,
    }


def _start_verification(kind: str) -> CustodyVerification:
    """Start (or join) a verification job run by this worker, as the configuration says."""
    session = get_session()
    key = custody.ensure_log_key(session) if custody.verifier_key(session) else None
    with unit_of_work(session):  # committed before the job, in sessions of its own, reads it
        job, new = jobs.start_job(session, kind=kind, started_by=current_principal().username)
    if new:
        inline = current_app.config["ARNA_CUSTODY_JOBS"] == "inline"
        jobs.launch(current_app.extensions[EXTENSION_KEY].sessionmaker, job.id, key, inline=inline)
        session.refresh(job)
    return job


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
    limit = _size_arg("limit", PAGE)
    if limit is None or not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"limit: an integer from 1 to {MAX_PAGE}", details=["limit"])
    rows = custody.checkpoints_page(get_session(), before=before, limit=limit)
    return {"checkpoints": [_checkpoint_json(row) for row in rows]}


def _export(registry_number: str | None = None) -> Response:
    """An export, recorded in the log first (as the CLI's) so that its bundle covers it;
    the whole log streams as a download, read in short transactions after this request's."""
    session = get_session()
    with unit_of_work(session):  # committed before the bundle is read: it covers the export
        custody.record_export(
            session, actor=custody_actor(current_principal()), registry_number=registry_number
        )
    factory = current_app.extensions[EXTENSION_KEY].sessionmaker
    bundle = custody.export_text(chunked_reader(factory), registry_number)
    response = Response(bundle.pieces, mimetype="application/json")
    if registry_number is None:
        name = f"custody-log-{bundle.entries}.json"
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@api_bp.get("/letters/<registry_number>")
@requires(Action.CUSTODY_READ)
def api_letter(registry_number: str) -> Any:
    return _export(registry_number)


@api_bp.get("/export")
@requires(Action.CUSTODY_READ)
def api_export() -> Any:
    return _export()


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


@api_bp.post("/verifications")
@requires(Action.CUSTODY_VERIFY)
def api_start_verification() -> Any:
    body = request.get_json(silent=True)
    if request.get_data() and not isinstance(body, dict):
        raise Invalid('the body: a JSON object, e.g. {"kind": "incremental"}', details=["body"])
    kind = body.get("kind", "full") if body is not None else "full"
    if not isinstance(kind, str):
        raise Invalid("kind: one of full, incremental", details=["kind"])
    job = _start_verification(kind)
    location = url_for("custody_api.api_verification", job_id=job.id)
    return _job_json(job), 202, {"Location": location}


@api_bp.get("/verifications/<int:job_id>")
@requires(Action.CUSTODY_VERIFY)
def api_verification(job_id: int) -> Any:
    return _job_json(jobs.get_job(get_session(), job_id))


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
        export_form=VerifyLogForm(),
    )


@bp.post("/export")
@requires(Action.CUSTODY_READ)
def export() -> Any:
    if not VerifyLogForm().validate_on_submit():  # CSRFProtect refuses a bad token before this
        return redirect(url_for("custody.checkpoints"))
    return _export()


@bp.post("/letters/<registry_number>/export")
@requires(Action.CUSTODY_READ)
def export_letter(registry_number: str) -> Any:
    """One letter's bundle as a file (the timeline page's button), recorded like the API's."""
    response = _export(registry_number)
    name = f"custody-{registry_number}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


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
    session = get_session()
    checkpoint, timeline = custody.letter_timeline(session, registry_number)
    stored = custody.refusal_reasons(session, (row.index for row in timeline))
    return render_template(
        "custody/letter.html",
        registry_number=registry_number,
        checkpoint=checkpoint,
        timeline=timeline,
        root_hash=_b64(checkpoint.root_hash),
        # What each refused attempt was told, worded for the reader (chrome.explain).
        reasons={index: explain(code, message) for index, (code, message) in stored.items()},
    )


@bp.get("/verify")
@requires(Action.CUSTODY_VERIFY)
def verify_form() -> Any:
    session = get_session()
    return render_template(
        "custody/verify.html",
        form=VerifyLogForm(),
        mark=custody.latest_mark(session),
        jobs=[_job_json(job) for job in jobs.recent_jobs(session)],
    )


@bp.post("/verify")
@requires(Action.CUSTODY_VERIFY)
def verify() -> Any:
    form = VerifyLogForm()
    if not form.validate_on_submit():  # CSRFProtect refuses a bad token before this
        return verify_form()
    job = _start_verification(request.form.get("kind", "full"))
    return redirect(url_for("custody.verification", job_id=job.id))


@bp.get("/verify/<int:job_id>")
@requires(Action.CUSTODY_VERIFY)
def verification(job_id: int) -> Any:
    job = _job_json(jobs.get_job(get_session(), job_id))
    return render_template("custody/verification.html", job=job)
