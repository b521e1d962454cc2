"""The treaty register and the yearly returns (Chapter 1) on the web and in the API.

Thin views over ``registry.services.treaties``: pages under ``/treaties`` and the
JSON API under ``/api/v1/treaties``, ``/api/v1/treaty-returns`` and
``/api/v1/treaty-summaries`` (Appendix 6). The return form is built from the
Appendix's field table (registry/services/treaties/forms.py) with the schema's
constraints as validators; the service then checks the values again, exactly as
the form's XML schema does, before anything is stored.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.models import Treaty, TreatyReturn
from registry.paper.appendix import ReturnContent, render_return
from registry.permissions import Action, allowed
from registry.services import pki, treaties
from registry.services.deadlines import today_kz
from registry.services.errors import Invalid, NotFound, ServiceError
from registry.services.treaties import forms, xlsx
from registry.web.chrome import describe, flash_fixable
from registry.web.database import get_session
from registry.web.guard import current_principal, requires
from routing.treaties import TreatyKind, TreatyStatus

bp = Blueprint("treaties", __name__)
api_bp = Blueprint("treaties_api", __name__, url_prefix="/api/v1")
_FIXABLE = (400, 403, 404, 409, 422)

#: The web labels of the Appendices' fields (the Kazakh headings are the forms' own).
LABELS = {
    "mfa_assessment": _l("Foreign-policy assessment (MFA)"),
    "title": _l("Full official title"),
    "concluded_on": _l("Date of conclusion"),
    "signing_acts": _l("Acts on signing (title, date, number)"),
    "in_force_on": _l("Date of entry into force"),
    "in_force_conditions": _l("Conditions of entry into force"),
    "domestic_acts": _l("Acts completing the domestic procedures (title, date, number)"),
    "counterparty_notice": _l(
        "Counterparty's notice of completed procedures (title, date, number)"
    ),
    "depositary_notice": _l(
        "Depositary's notice that the counterparties completed procedures (title, date, number)"
    ),
    "term": _l("Term (expiry date)"),
    "implementation_periods": _l("Implementation periods (including stages)"),
    "drawdown_closing": _l("Draw-down closing date"),
    "responsible": _l("Responsible central state bodies (the consolidating one marked)"),
    "subject": _l("Subject of regulation"),
    "states_parties": _l("States parties"),
    "donor": _l("Donor"),
    "loan_amount": _l("Loan amount"),
    "cofinancing_amount": _l("Co-financing amount"),
    "provision_terms": _l("Terms of provision"),
    "restructuring": _l("Restructuring, with its date (if any)"),
    "hedging": _l("Hedging deals, with their dates (if any)"),
    "project": _l("Investment project financed"),
    "project_goals": _l("Project goals and their achievement in the period"),
    "events_planned": _l("Events planned in the period"),
    "events_done": _l("Events done"),
    "events_not_done": _l("Events not done"),
    "events_not_done_reasons": _l("Reasons events were not done"),
    "disbursed_as_of": _l("Disbursed as of (date)"),
    "disbursed": _l("Loan funds disbursed"),
    "disbursed_since_start": _l("Disbursed since the loan began, by source"),
    "disbursed_percent": _l("Disbursement percentage"),
    "planned_in_period": _l("Disbursement planned in the period, by source"),
    "actual_in_period": _l(
        "Actual disbursement in the period, by source, with the analysis of targeted use"
    ),
    "actual_percent": _l("Disbursement percentage in the period"),
    "undisbursed": _l("Undisbursed amount, with reasons"),
    "schedule_comparison": _l("Actual disbursement compared with the schedule"),
    "internal_assessment": _l("Internal assessment of effectiveness (the developing body)"),
    "minfin_assessment": _l("External assessment by the Ministry of Finance"),
    "audit_assessment": _l("External assessment by the Supreme Audit Chamber"),
    "analysis": _l(
        "Analysis of implementation in the period (statistics, measures, "
        "the counterparty's performance)"
    ),
    "problems": _l("Problems and proposals for solving them"),
    "procedure_problems": _l("Problems with the domestic procedures"),
    "not_in_force_reasons": _l("Reasons the treaty is not in force"),
    "proposal": _l("Proposal on further implementation"),
    "proposal_other": _l("Other proposal (state it)"),
}
KIND_LABELS = {
    TreatyKind.BILATERAL: _l("bilateral"),
    TreatyKind.MULTILATERAL: _l("multilateral"),
    TreatyKind.LOAN: _l("loan"),
}
STATUS_LABELS = {
    TreatyStatus.IN_FORCE: _l("in force"),
    TreatyStatus.SIGNED: _l("signed, not in force"),
}
PROPOSAL_LABELS = {
    forms.Proposal.CONTINUE: _l("1) continue performance"),
    forms.Proposal.SUSPEND: _l("2) suspend"),
    forms.Proposal.TERMINATE: _l("3) terminate"),
    forms.Proposal.EXTEND: _l("4) extend"),
    forms.Proposal.OTHER: _l("5) other (state it)"),
}


def treaty_dict(treaty: Treaty) -> dict[str, Any]:
    return {
        "number": treaty.number,
        "title": treaty.title,
        "kind": treaty.kind,
        "status": treaty.status,
        "concluded_on": treaty.concluded_on.isoformat(),
        "responsible": list(treaty.responsible),
        "consolidating": treaty.consolidating,
        "form": treaties.form_of(treaty),
    }


def return_dict(filed: TreatyReturn) -> dict[str, Any]:
    return {
        "treaty": filed.treaty.number,
        "year": filed.year,
        "form": filed.form,
        "body": filed.body,
        "fields": filed.fields,
        "assessment": filed.assessment,
        "submitted_on": filed.submitted_on.isoformat(),
        "signed_by": filed.signed_by,
        "xml": filed.xml,
    }


def consolidation_dict(summary: treaties.Consolidation) -> dict[str, Any]:
    return {
        "year": summary.year,
        "total": summary.total,
        "in_force": summary.in_force,
        "signed_not_in_force": summary.signed_not_in_force,
        "by_form": {str(k): v for k, v in summary.by_form.items()},
        "in_force_treaties": summary.in_force_rows,
        "problems": summary.problems,
        "proposals": summary.proposals,
        "treaties": summary.treaties,
        "missing": summary.missing,
        "conclusions": summary.conclusions,
        "recommendations": summary.recommendations,
        "lateness": [
            {
                "body": entry.body,
                "due": entry.due.isoformat(),
                "filed": entry.filed.isoformat() if entry.filed else None,
                "late": entry.late,
            }
            for entry in summary.lateness
        ],
    }


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.get_data(cache=True) else {}
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="bad_json")
    return data


def _year(year: int) -> int:
    if not 2000 <= year <= 2059:
        raise Invalid("year: a reporting year 2000-2059", details=["year"])
    return year


# ----------------------------------------------------------------------------- API


@api_bp.get("/treaties")
@requires(Action.FILE_READ)
def api_treaties() -> Any:
    """The treaty register (a body sees the treaties it is responsible for)."""
    found = treaties.list_treaties(get_session(), current_principal())
    return {"items": [treaty_dict(t) for t in found]}


@api_bp.post("/treaties")
@requires(Action.TREATY_MANAGE)
def api_register() -> Any:
    data = _json_body()
    responsible = data.get("responsible")
    if not isinstance(responsible, list) or not all(isinstance(b, str) for b in responsible):
        raise Invalid("responsible: a list of body codes", details=["responsible"])
    consolidating = data.get("consolidating")
    if consolidating is not None and not isinstance(consolidating, str):
        raise Invalid("consolidating: a body code", details=["consolidating"])
    try:
        concluded_on = date.fromisoformat(str(data.get("concluded_on")))
    except ValueError:
        raise Invalid("concluded_on: a date YYYY-MM-DD", details=["concluded_on"]) from None
    treaty = treaties.register_treaty(
        get_session(),
        current_principal(),
        title=str(data.get("title") or ""),
        kind=str(data.get("kind")),
        status=str(data.get("status")),
        concluded_on=concluded_on,
        responsible=responsible,
        consolidating=consolidating,
    )
    return treaty_dict(treaty), 201


@api_bp.get("/treaty-returns/<int:year>")
@requires(Action.FILE_READ)
def api_returns(year: int) -> Any:
    found = treaties.returns_of(get_session(), current_principal(), _year(year))
    return {"items": [return_dict(r) for r in found]}


@api_bp.post("/treaty-returns/<int:year>/<number>")
@requires(Action.TREATY_RETURN)
def api_file_return(year: int, number: str) -> Any:
    """The consolidating body's return on treaty ``number``: ``{"values": {field: text}}``."""
    values = _json_body().get("values")
    if not isinstance(values, dict):
        raise Invalid("values: an object of field names and texts", details=["values"])
    filed = treaties.file_return(
        get_session(),
        current_principal(),
        year=_year(year),
        treaty_number=number,
        values=values,
        day=today_kz(),
    )
    return return_dict(filed), 201


@api_bp.post("/treaty-returns/<int:year>/<number>/signature")
@requires(Action.LETTER_SIGN)
def api_sign_return(year: int, number: str) -> Any:
    """Sign the filed return with the caller's key held by Arna: ``{"passphrase": "..."}``."""
    passphrase = _json_body().get("passphrase")
    if not isinstance(passphrase, str) or not passphrase:
        raise Invalid("passphrase: required", details=["passphrase"])
    filed = treaties.sign_return(
        get_session(),
        current_principal(),
        year=_year(year),
        treaty_number=number,
        passphrase=passphrase,
    )
    return return_dict(filed)


@api_bp.get("/treaty-summaries/<int:year>")
@requires(Action.FILE_READ)
def api_consolidation(year: int) -> Any:
    """Appendix 6, generated from the year's returns (MFA and auditors)."""
    summary = treaties.consolidation(get_session(), current_principal(), _year(year), today_kz())
    return consolidation_dict(summary)


# ----------------------------------------------------------------------------- pages


class RegisterTreatyForm(FlaskForm):
    title = StringField(_l("Full official title"), validators=[DataRequired(), Length(max=1000)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()]
    )
    status = SelectField(
        _l("Status"), choices=[SelectChoice(k.value, v) for k, v in STATUS_LABELS.items()]
    )
    concluded_on = DateField(_l("Date of conclusion"), validators=[DataRequired()])
    responsible = StringField(
        _l("Responsible bodies (codes, comma-separated)"),
        validators=[DataRequired(), Length(max=1000)],
    )
    consolidating = StringField(
        _l("Consolidating body (where there are several)"), validators=[Length(max=64)]
    )


class YearForm(FlaskForm):
    year = IntegerField(_l("Reporting year"), validators=[InputRequired(), NumberRange(2000, 2059)])


class ImportForm(FlaskForm):
    workbook = FileField(_l("XLSX workbook"), validators=[FileRequired()])


class ConclusionsForm(FlaskForm):
    conclusions = TextAreaField(
        _l("Conclusions and proposals (MFA)"), validators=[DataRequired(), Length(max=20000)]
    )
    recommendations = TextAreaField(
        _l("Recommendations of international organisations attached (¶4), if any"),
        validators=[Length(max=20000)],
    )


class SignReturnForm(FlaskForm):
    passphrase = PasswordField(_l("Your signing passphrase"), validators=[DataRequired()])


class AssessmentForm(FlaskForm):
    text = TextAreaField(
        _l("Foreign-policy assessment (MFA)"), validators=[DataRequired(), Length(max=20000)]
    )


def return_form(form: int) -> FlaskForm:
    """A web form of Appendix ``form``, field for field, with the schema's constraints."""

    class ReturnForm(FlaskForm):
        pass

    for field in forms.entered_fields(form):
        label = f"{field.rows[form]}. {LABELS[field.name]}"
        need = [InputRequired()] if field.required else [Optional()]
        description = field.heading_in(form)
        made: Any
        if field.type is forms.FieldType.DATE:
            made = DateField(label, validators=need, description=description)
        elif field.type is forms.FieldType.COUNT:
            made = IntegerField(
                label, validators=[*need, NumberRange(min=0)], description=description
            )
        elif field.type is forms.FieldType.PERCENT:
            made = DecimalField(
                label, places=2, validators=[*need, NumberRange(0, 100)], description=description
            )
        elif field.type is forms.FieldType.PROPOSAL:
            made = SelectField(
                label,
                choices=[SelectChoice(p.value, v) for p, v in PROPOSAL_LABELS.items()],
                validators=need,
                description=description,
            )
        else:
            made = TextAreaField(
                label, validators=[*need, Length(max=20000)], description=description
            )
        setattr(ReturnForm, field.name, made)
    return ReturnForm()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


@bp.route("/treaties", methods=["GET", "POST"])
@requires(Action.FILE_READ)
def treaty_list() -> Any:
    principal = current_principal()
    manage = allowed(principal.role, Action.TREATY_MANAGE)
    form = RegisterTreatyForm() if manage else None
    year_form = YearForm(formdata=None) if manage else None
    errors: list[str] = []
    if form is not None and form.validate_on_submit():
        bodies = [c.strip() for c in (form.responsible.data or "").split(",") if c.strip()]
        try:
            treaty = treaties.register_treaty(
                get_session(),
                principal,
                title=form.title.data or "",
                kind=form.kind.data or "",
                status=form.status.data or "",
                concluded_on=form.concluded_on.data,
                responsible=bodies,
                consolidating=(form.consolidating.data or "").strip() or None,
            )
        except ServiceError as exc:
            if exc.status not in _FIXABLE:
                raise
            errors = describe(exc)
        else:
            flash(_("Registered %(n)s.", n=treaty.number), "success")
            return redirect(url_for("treaties.treaty_list"))
    found = treaties.list_treaties(get_session(), principal)
    return render_template(
        "treaties/list.html",
        treaties=found,
        form=form,
        year_form=year_form,
        errors=errors,
        kinds=KIND_LABELS,
        statuses=STATUS_LABELS,
        form_of=treaties.form_of,
        this_year=today_kz().year - 1,
    )


@bp.post("/treaties/cycles")
@requires(Action.FILE_OPEN)
def open_cycle() -> Any:
    """MFA opens a reporting year's cycle (¶2-6)."""
    form = YearForm()
    if not form.validate_on_submit():
        flash(_("Give a reporting year."), "error")
        return redirect(url_for("treaties.treaty_list"))
    try:
        file = treaties.open_cycle(get_session(), current_principal(), form.year.data)
    except ServiceError as exc:
        flash_fixable(exc, _FIXABLE)
        return redirect(url_for("treaties.treaty_list"))
    flash(_("Opened %(n)s.", n=file.number), "success")
    return redirect(url_for("treaties.year_page", year=form.year.data))


@bp.get("/treaties/returns/<int:year>")
@requires(Action.FILE_READ)
def year_page(year: int) -> Any:
    """The year's returns, what the person's body owes, and (MFA, auditors) Appendix 6."""
    principal, session = current_principal(), get_session()
    _year(year)
    filed = treaties.returns_of(session, principal, year)
    done = {r.treaty.number for r in filed}
    owed = [
        t
        for t in treaties.list_treaties(session, principal)
        if t.consolidating == principal.agency_code and t.number not in done
    ]
    summary = None
    if principal.agency_code in (None, "MFA"):
        summary = treaties.consolidation(session, principal, year, today_kz())
    may_file = allowed(principal.role, Action.TREATY_RETURN)
    return render_template(
        "treaties/year.html",
        year=year,
        cycle=treaties.cycle_file(session, year),
        returns=filed,
        owed=owed if may_file else [],
        summary=summary,
        import_form=ImportForm() if may_file else None,
        conclusions_form=ConclusionsForm(
            data={
                "conclusions": summary.conclusions if summary else "",
                "recommendations": summary.recommendations if summary else "",
            }
        )
        if allowed(principal.role, Action.TREATY_MANAGE)
        else None,
        proposals=PROPOSAL_LABELS,
    )


@bp.post("/treaties/returns/<int:year>/conclusions")
@requires(Action.TREATY_MANAGE)
def conclusions(year: int) -> Any:
    """MFA's own parts of Appendix 6: conclusions and proposals, organisations' recommendations."""
    form = ConclusionsForm()
    if not form.validate_on_submit():
        flash(_("Write the conclusions."), "error")
    else:
        try:
            treaties.conclude(
                get_session(),
                current_principal(),
                year=_year(year),
                conclusions=form.conclusions.data or "",
                recommendations=form.recommendations.data or "",
            )
        except ServiceError as exc:
            flash_fixable(exc, _FIXABLE)
        else:
            flash(_("Recorded."), "success")
    return redirect(url_for("treaties.year_page", year=year))


@bp.get("/treaties/returns/<int:year>/returns.xlsx")
@requires(Action.FILE_READ)
def export_xlsx(year: int) -> Any:
    data = xlsx.export_returns(treaties.returns_of(get_session(), current_principal(), _year(year)))
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="treaty-returns-{year}.xlsx"'},
    )


@bp.post("/treaties/returns/<int:year>/import")
@requires(Action.TREATY_RETURN)
def import_xlsx(year: int) -> Any:
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose an XLSX workbook."), "error")
    else:
        try:
            filed = treaties.import_returns(
                get_session(), current_principal(), form.workbook.data.read(), today_kz()
            )
        except ServiceError as exc:
            flash_fixable(exc, _FIXABLE)
        else:
            flash(_("Filed %(n)d returns.", n=len(filed)), "success")
    return redirect(url_for("treaties.year_page", year=year))


@bp.route("/treaties/returns/<int:year>/<number>", methods=["GET", "POST"])
@requires(Action.FILE_READ)
def return_page(year: int, number: str) -> Any:
    """A treaty's return for ``year``: the form (its consolidating body) or the filed return."""
    principal, session = current_principal(), get_session()
    _year(year)
    treaty = treaties.get_treaty(session, principal, number)
    filed = next(
        (r for r in treaties.returns_of(session, principal, year) if r.treaty is treaty), None
    )
    appendix = treaties.form_of(treaty)
    may_file = (
        filed is None
        and allowed(principal.role, Action.TREATY_RETURN)
        and principal.agency_code == treaty.consolidating
    )
    form = return_form(appendix) if may_file else None
    if form is None and request.method == "POST":
        flash(_("This return cannot be filed by you."), "error")
        return redirect(url_for("treaties.return_page", year=year, number=number))
    if form is not None and request.method == "GET":
        form.process(data={"title": treaty.title, "concluded_on": treaty.concluded_on})
    errors: list[str] = []
    if form is not None and form.validate_on_submit():
        values = {f.name: _text(getattr(form, f.name).data) for f in forms.entered_fields(appendix)}
        try:
            treaties.file_return(
                session,
                principal,
                year=year,
                treaty_number=number,
                values={k: v for k, v in values.items() if v},
                day=today_kz(),
            )
        except ServiceError as exc:
            if exc.status not in _FIXABLE:
                raise
            errors = describe(exc)
        else:
            flash(_("The return is filed."), "success")
            return redirect(url_for("treaties.return_page", year=year, number=number))
    assess_form = None
    manage = allowed(principal.role, Action.TREATY_MANAGE)
    if filed is not None and manage and filed.form in forms.ASSESSMENT.rows:
        assess_form = AssessmentForm(data={"text": filed.assessment})
    own = filed is not None and principal.agency_code == filed.body
    # Returns are signed with Arna-held keys only: none is offered where the registry
    # holds none (ARNA_SERVER_SIGNING=0).
    may_sign = own and allowed(principal.role, Action.LETTER_SIGN) and pki.server_signing()
    sign_form = SignReturnForm() if may_sign else None
    fields = forms.fields_of(appendix)
    return render_template(
        "treaties/return.html",
        year=year,
        treaty=treaty,
        appendix=appendix,
        title=forms.TITLES[appendix],
        form=form,
        filed=filed,
        fields=fields,
        labels=LABELS,
        assess=assess_form,
        sign=sign_form,
        errors=errors,
    )


@bp.post("/treaties/returns/<int:year>/<number>/signature")
@requires(Action.LETTER_SIGN)
def sign(year: int, number: str) -> Any:
    form = SignReturnForm()
    if not form.validate_on_submit():
        flash(_("Enter your signing passphrase to sign."), "error")
    else:
        try:
            treaties.sign_return(
                get_session(),
                current_principal(),
                year=year,
                treaty_number=number,
                passphrase=form.passphrase.data or "",
            )
        except ServiceError as exc:
            flash_fixable(exc, _FIXABLE)
        else:
            flash(_("The return is signed."), "success")
    return redirect(url_for("treaties.return_page", year=year, number=number))


@bp.get("/treaties/returns/<int:year>/<number>/return.pdf")
@requires(Action.FILE_READ)
def return_pdf(year: int, number: str) -> Any:
    """The filed return on paper, laid out as its Appendix (MFA's row included once assessed)."""
    principal, session = current_principal(), get_session()
    treaty = treaties.get_treaty(session, principal, number)
    filed = next(
        (r for r in treaties.returns_of(session, principal, _year(year)) if r.treaty is treaty),
        None,
    )
    if filed is None:
        raise NotFound(f"no {year} return on {number}")
    data = render_return(
        ReturnContent(
            appendix=filed.form,
            title=forms.TITLES[filed.form],
            treaty=number,
            year=year,
            body=filed.body,
            rows=xlsx.paper_rows(filed),
            signed_by=[s["name"] for s in filed.signed_by],
        )
    )
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{number}-{year}.pdf"'},
    )


@bp.post("/treaties/returns/<int:year>/<number>/assessment")
@requires(Action.TREATY_MANAGE)
def assess(year: int, number: str) -> Any:
    form = AssessmentForm()
    if not form.validate_on_submit():
        flash(_("Write the assessment."), "error")
    else:
        try:
            treaties.assess(
                get_session(),
                current_principal(),
                year=year,
                treaty_number=number,
                text=form.text.data or "",
            )
        except ServiceError as exc:
            flash_fixable(exc, _FIXABLE)
        else:
            flash(_("Recorded."), "success")
    return redirect(url_for("treaties.return_page", year=year, number=number))
