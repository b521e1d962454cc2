"""Downloads: the letter list as CSV or XLSX, and a letter's verification report as a file.

Each download is a custody event first (``letters:exported``,
``letter:report-exported``), committed before the file is written, as the log's own
exports are (registry/web/custody.py). The list has the filters of the list page
(web: ``state``, ``kind``, ``q``; API: also ``direction`` and ``holder``) and is
read a page at a time after the request's transaction (registry/services/exports.py).
On the web the downloads are forms (POST, CSRF): they write to the log.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_babel import lazy_gettext as _l

from registry.db import EXTENSION_KEY
from registry.permissions import Action
from registry.services import custody, letters
from registry.services.custody.store import chunked_reader
from registry.services.custody.tags import Tag
from registry.services.deadlines import today_kz
from registry.services.errors import Invalid
from registry.services.exports import COLUMNS, csv_pieces, letter_rows, xlsx_file
from registry.services.letters import LetterFilter
from registry.services.letters.actions import custody_actor
from registry.services.lifecycle import Direction, State
from registry.services.unit_of_work import unit_of_work
from registry.web.database import get_session
from registry.web.guard import current_principal, requires

bp = Blueprint("exports", __name__)
api_bp = Blueprint("exports_api", __name__, url_prefix="/api/v1")

HEADINGS: dict[str, Any] = {
    "registry_number": _l("Registry number"),
    "direction": _l("Direction"),
    "kind": _l("Kind"),
    "sender": _l("From"),
    "recipient": _l("To"),
    "subject": _l("Subject"),
    "letter_date": _l("Letter date"),
    "state": _l("State"),
    "holder": _l("With"),
    "registered_at": _l("Registered (UTC)"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def _choice(
    args: Mapping[str, str], name: str, choices: list[str], *, api: bool = False
) -> str | None:
    """Absent, or one of ``choices``; the web form's empty choice means "any", the API's
    (as its list's) is refused."""
    raw = args.get(name)
    if raw == "" and not api:
        raw = None
    if raw is not None and raw not in choices:
        raise Invalid(f"{name}: one of {', '.join(choices)}", details=[name])
    return raw


def _filter(args: Mapping[str, str], *, api: bool) -> LetterFilter:
    """The list page's filters (the API's list adds ``direction`` and ``holder``)."""
    state = _choice(args, "state", list(State), api=api)
    direction = _choice(args, "direction", list(Direction), api=True) if api else None
    return LetterFilter(
        state=State(state) if state else None,
        kind=args.get("kind") or None,
        direction=Direction(direction) if direction else None,
        holder=(args.get("holder") or None) if api else None,
        text=args.get("q") or None,
    )


def _letter_list(flt: LetterFilter, file_format: str) -> Response:
    principal = current_principal()
    session = get_session()
    with unit_of_work(session):  # in the log before the file is read
        custody.record_export(session, actor=custody_actor(principal), action=Tag.LETTERS_EXPORTED)
    read = chunked_reader(current_app.extensions[EXTENSION_KEY].sessionmaker)
    headings = [str(HEADINGS[column]) for column in COLUMNS]
    rows = letter_rows(read, principal, flt)
    name = f"letters-{today_kz().isoformat()}.{file_format}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if file_format == "csv":
        return Response(
            csv_pieces(headings, rows), mimetype="text/csv; charset=utf-8", headers=disposition
        )
    spool = xlsx_file(headings, rows, str(_l("Letters")))
    response = Response(spool, mimetype=XLSX, headers=disposition, direct_passthrough=True)
    response.call_on_close(spool.close)
    return response


def _report(registry_number: str) -> Response:
    """The stored verification report of the letter's signatures, as a JSON file."""
    principal = current_principal()
    session = get_session()
    found = letters.get_letter(session, principal, registry_number)
    if found.verification is None:
        raise Invalid("the letter is not signed yet", code="not_signed")
    report = {
        "registry_number": found.registry_number,
        "sha256": found.sha256,
        "verified_at": found.verified_at.isoformat() if found.verified_at else None,
        "verification": found.verification,
    }
    with unit_of_work(session):
        custody.record_export(
            session,
            actor=custody_actor(principal),
            registry_number=found.registry_number,
            action=Tag.LETTER_REPORT_EXPORTED,
        )
    name = f"{found.registry_number}-verification.json"
    return Response(
        json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.post("/letters/export")
@requires(Action.LETTER_READ)
def letter_list() -> Any:
    """The letter list with the page's filters, as ``format`` = csv or xlsx (CSRF: the
    app's CSRFProtect)."""
    file_format = _choice(request.form, "format", list(FORMATS)) or "csv"
    return _letter_list(_filter(request.form, api=False), file_format)


@bp.post("/letters/<registry_number>/report")
@requires(Action.LETTER_DOWNLOAD)
def report(registry_number: str) -> Any:
    return _report(registry_number)


@api_bp.get("/exports/letters.csv")
@requires(Action.LETTER_READ)
def api_letter_list_csv() -> Any:
    return _letter_list(_filter(request.args, api=True), "csv")


@api_bp.get("/exports/letters.xlsx")
@requires(Action.LETTER_READ)
def api_letter_list_xlsx() -> Any:
    return _letter_list(_filter(request.args, api=True), "xlsx")


@api_bp.get("/letters/<registry_number>/report")
@requires(Action.LETTER_DOWNLOAD)
def api_report(registry_number: str) -> Any:
    return _report(registry_number)
