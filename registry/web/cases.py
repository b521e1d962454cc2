"""Court case files (Chapter 5) in the pages and the API: open, join a reply, the chain."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registry.permissions import Action
from registry.services import case_files, letters
from registry.services.case_files import CaseView
from registry.services.errors import Invalid, ServiceError
from registry.web.chrome import FIXABLE, flash_fixable
from registry.web.database import get_session
from registry.web.forms import JoinCaseForm, OpenCaseForm
from registry.web.guard import current_principal, requires
from registry.web.present import duty_dict
from routing import parties

bp = Blueprint("cases", __name__)
api_bp = Blueprint("cases_api", __name__, url_prefix="/api/v1")

COURTS = sorted(parties.COURTS)


def case_dict(view: CaseView) -> dict[str, Any]:
    """A case file as the API answers it: its facts, its letters, every duty and what is late."""
    case = view.case
    return {
        "id": case.id,
        "court": case.court,
        "court_deadline": case.court_deadline.isoformat() if case.court_deadline else None,
        "judicial_practice": case.judicial_practice,
        "request": view.request.registry_number,
        "replies": [r.registry_number for r in view.replies],
        "today": view.today.isoformat(),
        "duties": [duty_dict(d, view.today) for d in view.duties],
        "late": [d.key for d in view.late],
    }


# ----------------------------------------------------------------------------- pages


@bp.get("/cases/<int:case_id>")
@requires(Action.LETTER_READ)
def case(case_id: int) -> Any:
    view = case_files.view_case(get_session(), current_principal(), case_id)
    return render_template("cases/case.html", view=view, join_form=JoinCaseForm())


@bp.post("/letters/<registry_number>/case")
@requires(Action.CASE_OPEN)
def open_case(registry_number: str) -> Any:
    letters.get_letter(get_session(), current_principal(), registry_number)  # else not found
    form = OpenCaseForm()
    if not form.validate_on_submit():
        errors = [f"{getattr(form, n).label.text}: {m[0]}" for n, m in form.errors.items()]
        flash("; ".join(errors), "error")
        return redirect(url_for("ui.letter", registry_number=registry_number))
    try:
        opened = case_files.open_case(
            get_session(),
            current_principal(),
            registry_number,
            court=form.court.data,
            court_deadline=form.court_deadline.data,
            judicial_practice=form.judicial_practice.data,
        )
    except ServiceError as exc:
        flash_fixable(exc)
        return redirect(url_for("ui.letter", registry_number=registry_number))
    flash(_("Case file opened."), "success")
    return redirect(url_for("cases.case", case_id=opened.id))


@bp.post("/cases/<int:case_id>/letters")
@requires(Action.CASE_JOIN)
def join_case(case_id: int) -> Any:
    case_files.view_case(get_session(), current_principal(), case_id)  # else not found
    form = JoinCaseForm()
    if form.validate_on_submit():
        try:
            case_files.join_case(
                get_session(), current_principal(), case_id, form.registry_number.data.strip()
            )
        except ServiceError as exc:
            flash_fixable(exc, (*FIXABLE, 404))  # the case is seen: the reply is missing
        else:
            flash(_("The reply joined the case."), "success")
    return redirect(url_for("cases.case", case_id=case_id))


# ----------------------------------------------------------------------------- API


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="bad_json")
    return data


@api_bp.get("/cases/<int:case_id>")
@requires(Action.LETTER_READ)
def api_case(case_id: int) -> Any:
    return case_dict(case_files.view_case(get_session(), current_principal(), case_id))


@api_bp.post("/letters/<registry_number>/case")
@requires(Action.CASE_OPEN)
def api_open_case(registry_number: str) -> Any:
    data = _json()
    court, deadline = data.get("court"), data.get("court_deadline")
    problems = []
    if not isinstance(court, str) or court not in parties.COURTS:
        problems.append(f"court: one of {', '.join(COURTS)}")
    try:
        court_deadline = date.fromisoformat(deadline) if deadline is not None else None
    except (TypeError, ValueError):
        problems.append("court_deadline: an ISO date YYYY-MM-DD or null")
    if not isinstance(data.get("judicial_practice", False), bool):
        problems.append("judicial_practice: true or false")
    if problems:
        raise Invalid("the case cannot be opened", details=problems)
    session, principal = get_session(), current_principal()
    opened = case_files.open_case(
        session,
        principal,
        registry_number,
        court=court,
        court_deadline=court_deadline,
        judicial_practice=data.get("judicial_practice", False),
    )
    return case_dict(case_files.view_case(session, principal, opened.id)), 201


@api_bp.post("/cases/<int:case_id>/letters")
@requires(Action.CASE_JOIN)
def api_join_case(case_id: int) -> Any:
    number = _json().get("registry_number")
    if not isinstance(number, str) or not number.strip():
        raise Invalid("registry_number: the reply's registry number", details=["registry_number"])
    session, principal = get_session(), current_principal()
    case_files.join_case(session, principal, case_id, number.strip())
    return case_dict(case_files.view_case(session, principal, case_id))
