"""Rule files on the web and in the API: agreements reached (Ch.4), decision files and draft
decisions (Ch.2), reports (Ch.6), treaty cycles (Ch.1) and high-level events (Ch.3); and
Chapter 4's fixed-date reports tracked per period (¶33 part 2, ¶35).

Thin views over ``registry.services.rule_files`` and ``registry.services.periodic_reports``:
the JSON API under ``/api/v1/files``, ``/api/v1/draft-decisions`` and
``/api/v1/periodic-reports``, and the pages under ``/files`` and ``/reports``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from registry.names import PARTIES
from registry.permissions import Action, Principal, allowed
from registry.services import periodic_reports, rule_files
from registry.services.deadlines import today_kz
from registry.services.errors import Invalid, ServiceError
from registry.services.rule_files import FileView, Kind
from registry.services.rule_files.chains import recorder
from registry.web.chrome import FIXABLE, describe, flash_fixable
from registry.web.copies import IssueCopyForm
from registry.web.database import get_session
from registry.web.guard import current_principal, requires
from registry.web.present import duty_dict
from routing import parties as p
from routing.agreements import Periodic, Source, next_calendar_duties
from routing.high_level import PA_SET_KEYS, PARAGRAPH_27_READING

bp = Blueprint("files", __name__)
api_bp = Blueprint("files_api", __name__, url_prefix="/api/v1")


def file_dict(view: FileView, today: date) -> dict[str, Any]:
    """A file as the API shows it: facts, events and every duty with its state on ``today``."""
    file = view.file
    return {
        "number": file.number,
        "kind": file.kind,
        "title": file.title,
        "opened_on": file.opened_on.isoformat(),
        "facts": file.facts,
        "events": {key: day.isoformat() for key, day in view.events.items()},
        "duties": [duty_dict(d, today) for d in view.duties],
        "records": {
            e.key: {"sha256": e.sha256, "signed_by": e.signed_by or []}
            for e in file.events
            if e.xml is not None
        },
        "exemption": None
        if view.exemption is None
        else {"rule": view.exemption.rule, "reason": view.exemption.reason},
        "agreed": view.agreed,
    }


def recordable(principal: Principal, view: FileView) -> list[str]:
    """The steps of the file ``principal`` may record now (open duties and MFA's own steps)."""
    if not allowed(principal.role, Action.FILE_RECORD):
        return []
    kind, facts = Kind(view.file.kind), view.file.facts
    keys = [d.key for d in view.duties if d.done is None]
    if kind is Kind.AGREEMENT:
        keys += [f"draft:{b}" for b in facts["interested"]]
        keys += ["control-consolidated"]
    elif kind is Kind.EVENT:
        keys += [f"received:{b}" for b in facts["interested"]]
        keys += [f"returned:{b}" for b in facts["interested"] if f"answer:{b}" in view.events]
        keys += ["pa-answers"]
        if any(d.rule == "¶27" for d in view.duties):
            keys += [f"pa-period:{k}" for k in PA_SET_KEYS]
    elif kind is Kind.DRAFT:
        # An approver that has not agreed yet may object (and agree later).
        keys += [f"objection:{d.by}" for d in view.duties if d.done is None]
    elif kind is Kind.DECISION:
        keys += [f"agreed:{b}:MOJ" for b in facts["competent"]]
        if facts["needs_budget"]:
            keys += [f"agreed:{b}:BUDGET_AUTHORITY" for b in facts["competent"]]
    return [
        k
        for k in dict.fromkeys(keys)
        if k not in view.events and recorder(kind, facts, k) == principal.agency_code
    ]


def _json_body() -> dict[str, Any]:
    data = request.get_json(silent=True) if request.get_data(cache=True) else {}
    if not isinstance(data, dict):
        raise Invalid("the request body must be a JSON object", code="bad_json")
    return data


def _day(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(value if isinstance(value, str) else "")
    except ValueError:
        raise Invalid(f"{field}: an ISO date YYYY-MM-DD is required", details=[field]) from None


def _integer(data: dict[str, Any], field: str) -> int:
    value = data.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Invalid(f"{field}: an integer is required", details=[field])
    return value


# ----------------------------------------------------------------------------- API


@api_bp.get("/files")
@requires(Action.FILE_READ)
def api_list() -> Any:
    """The files the caller may see; ``kind=agreement|decision`` narrows them."""
    kind = request.args.get("kind")
    if kind is not None and kind not in {k.value for k in Kind}:
        raise Invalid(f"kind: one of {', '.join(k.value for k in Kind)}", details=["kind"])
    found = rule_files.list_files(get_session(), current_principal(), kind)
    return {
        "items": [
            {"number": f.number, "kind": f.kind, "title": f.title, "opened_on": str(f.opened_on)}
            for f in found
        ]
    }


@api_bp.post("/files")
@requires(Action.FILE_OPEN)
def api_open() -> Any:
    data = _json_body()
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise Invalid("facts: an object is required", details=["facts"])
    session, principal = get_session(), current_principal()
    file = rule_files.open_file(
        session, principal, str(data.get("kind")), str(data.get("title") or ""), facts
    )
    return file_dict(rule_files.get_file(session, principal, file.number), today_kz()), 201


@api_bp.post("/draft-decisions")
@requires(Action.DRAFT_OPEN)
def api_open_draft() -> Any:
    """A draft decision whose agreement the caller's body runs (¶8-9):
    ``{"title": ..., "facts": {...}}``."""
    data = _json_body()
    facts = data.get("facts")
    if not isinstance(facts, dict):
        raise Invalid("facts: an object is required", details=["facts"])
    session, principal = get_session(), current_principal()
    file = rule_files.open_file(
        session, principal, Kind.DRAFT.value, str(data.get("title") or ""), facts
    )
    return file_dict(rule_files.get_file(session, principal, file.number), today_kz()), 201


def period_dict(period: periodic_reports.Period, today: date) -> dict[str, Any]:
    return {
        "report": period.report.value,
        "rule": period.report.rule,
        "by": period.report.by,
        "to": period.report.to,
        "year": period.year,
        "period": period.period,
        "label": period.label,
        "due": period.due.isoformat(),
        "sent_on": period.sent_on.isoformat() if period.sent_on else None,
        "state": period.state(today).value,
    }


@api_bp.get("/periodic-reports")
@requires(Action.FILE_READ)
def api_periodic() -> Any:
    """¶33 part 2 and ¶35 per period: due, late or sent (MFA, GO and auditors)."""
    today = today_kz()
    found = periodic_reports.history(get_session(), current_principal(), today)
    return {"items": [period_dict(x, today) for rows in found.values() for x in rows]}


@api_bp.post("/periodic-reports")
@requires(Action.PERIODIC_RECORD)
def api_periodic_record() -> Any:
    """Record a period's report as sent: ``{"report", "year", "period", "day"}``."""
    data = _json_body()
    year, period = _integer(data, "year"), _integer(data, "period")
    found = periodic_reports.record_sent(
        get_session(),
        current_principal(),
        str(data.get("report")),
        year,
        period,
        _day(data.get("day"), "day"),
    )
    return period_dict(found, today_kz()), 201


@api_bp.post("/reports")
@requires(Action.REPORT_OPEN)
def api_open_report() -> Any:
    """A report a central state body owes MFA (¶46, ¶48-49): ``{"facts": {...}}``."""
    facts = _json_body().get("facts")
    if not isinstance(facts, dict):
        raise Invalid("facts: an object is required", details=["facts"])
    session, principal = get_session(), current_principal()
    title = f"{facts.get('type')} report of {facts.get('body')}"
    file = rule_files.open_file(session, principal, Kind.REPORT.value, title, facts)
    return file_dict(rule_files.get_file(session, principal, file.number), today_kz()), 201


@api_bp.get("/reports/overview")
@requires(Action.FILE_READ)
def api_reports_overview() -> Any:
    """Per agency: reports due, late and received today; ¶50's exemptions; and the next
    fixed dates of Chapter 4 (¶33 part 2, ¶35)."""
    today = today_kz()
    standing, exemptions = rule_files.reports_overview(get_session(), current_principal(), today)
    return {
        "agencies": {
            body: {
                "due": s.due,
                "late": s.late,
                "received": s.received,
                "received_late": s.received_late,
            }
            for body, s in standing.items()
        },
        "exemptions": [
            {"key": e.key, "body": e.by, "rule": e.rule, "reason": e.reason} for e in exemptions
        ],
        "calendar": [duty_dict(d, today) for d in next_calendar_duties(today)],
    }


@api_bp.get("/files/<number>")
@requires(Action.FILE_READ)
def api_file(number: str) -> Any:
    return file_dict(rule_files.get_file(get_session(), current_principal(), number), today_kz())


@api_bp.post("/files/<number>/events")
@requires(Action.FILE_RECORD)
def api_record(number: str) -> Any:
    data = _json_body()
    key = data.get("key")
    if not isinstance(key, str) or not key:
        raise Invalid("key: the step to record is required", details=["key"])
    record = data.get("record")
    if record is not None and not isinstance(record, str):
        raise Invalid("record: the step's signed XML record, as text", details=["record"])
    view = rule_files.record_event(
        get_session(),
        current_principal(),
        number,
        key,
        _day(data.get("day"), "day"),
        record.encode() if record is not None else None,
    )
    return file_dict(view, today_kz())


# ----------------------------------------------------------------------------- pages


class OpenFileForm(FlaskForm):
    """An agreement reached (¶30) or a decision of an international organisation (¶10)."""

    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(Kind.AGREEMENT.value, _l("Agreement reached (Chapter 4)")),
            SelectChoice(
                Kind.DECISION.value, _l("Decision of an international organisation (Chapter 2)")
            ),
            SelectChoice(Kind.EVENT.value, _l("High-level event (Chapter 3)")),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    day = DateField(
        _l("Event ended (agreement), decision received by MFA, or the event's first day"),
        validators=[DataRequired()],
    )
    last_day = DateField(_l("High-level event: its last day"), validators=[Optional()])
    fixed_on = DateField(
        _l("High-level event: the day its date was agreed (¶27)"), validators=[Optional()]
    )
    mfa_absent = BooleanField(_l("High-level event: MFA will not attend (¶29)"))
    refined_package = BooleanField(_l("High-level event: MFA plans a refined package (¶26)"))
    parties = StringField(
        _l("Interested or competent bodies (codes, comma-separated)"),
        validators=[DataRequired(), Length(max=1000)],
    )
    source = SelectField(
        _l("Source of the agreement (¶30)"), choices=[SelectChoice(s.value) for s in Source]
    )
    organisation = SelectField(
        _l("Organisation"), choices=[SelectChoice(o) for o in ("INTL_ORG", "WTO", "EEC")]
    )
    needs_budget = BooleanField(_l("Implementation needs budget money (¶11)"))
    requires_president = BooleanField(_l("The President must consider it (¶13)"))
    interaction_procedure = BooleanField(
        _l("EEC decision under the Government's interaction procedure (¶14-1)")
    )

    def facts(self) -> dict[str, Any]:
        bodies = [c.strip() for c in (self.parties.data or "").split(",") if c.strip()]
        day = self.day.data.isoformat() if self.day.data else ""
        if self.kind.data == Kind.AGREEMENT.value:
            return {"source": self.source.data, "event_ended": day, "interested": bodies}
        if self.kind.data == Kind.EVENT.value:
            return {
                "level": "high",
                "first_day": day,
                "last_day": self.last_day.data.isoformat() if self.last_day.data else day,
                "fixed_on": self.fixed_on.data.isoformat() if self.fixed_on.data else "",
                "interested": bodies,
                "mfa_absent": self.mfa_absent.data,
                "refined_package": self.refined_package.data,
            }
        return {
            "organisation": self.organisation.data,
            "received": day,
            "competent": bodies,
            "needs_budget": self.needs_budget.data,
            "requires_president": self.requires_president.data,
            "interaction_procedure": self.interaction_procedure.data,
        }


class DraftForm(FlaskForm):
    """A draft decision of an international organisation, to be agreed (¶8, ¶8-2)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    received = DateField(_l("Draft received on"), validators=[DataRequired()])
    organisation = SelectField(
        _l("Organisation"),
        # Names, not codes, in the reader's language (registry.names' message ids).
        choices=[SelectChoice(o, _l(PARTIES[o])) for o in (p.INTL_ORG, p.WTO, p.EEC)],
    )
    interested = StringField(
        _l("Other interested state bodies (codes, comma-separated)"),
        validators=[DataRequired(), Length(max=1000)],
    )
    needs_budget = BooleanField(_l("Adopting it needs budget money (¶8)"))
    touches_business = BooleanField(_l("EEC draft touching private business (¶8-2)"))
    interaction_procedure = BooleanField(
        _l("EEC decision whose implementation the interaction procedure governs (¶14-1)")
    )

    def facts(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation.data,
            "received": self.received.data.isoformat() if self.received.data else "",
            "interested": [c.strip() for c in (self.interested.data or "").split(",") if c.strip()],
            "needs_budget": self.needs_budget.data,
            "touches_business": self.touches_business.data,
            "interaction_procedure": self.interaction_procedure.data,
        }


class PeriodicForm(FlaskForm):
    """¶33 part 2 (MFA) or ¶35 (GO): one period's report sent."""

    period = SelectField(_l("Period"), choices=[], validate_choice=False)
    day = DateField(_l("Sent on"), validators=[DataRequired()])


class ThesesForm(FlaskForm):
    """¶23: a body's theses, checked page by page for the head's or deputy's initials."""

    body = SelectField(_l("Body"), choices=[], validate_choice=False)
    pages = IntegerField(_l("Pages"), validators=[InputRequired(), NumberRange(1, 1000)])
    initialled = StringField(
        _l("Pages initialled (numbers, comma-separated)"), validators=[Length(max=5000)]
    )
    day = DateField(_l("Checked on"), validators=[DataRequired()])


class RecordForm(FlaskForm):
    key = SelectField(_l("Step"), choices=[], validate_choice=False)
    day = DateField(_l("Day it happened"), validators=[DataRequired()])
    record = FileField(_l("Its signed record (XML), if any"))


def _open(
    principal: Principal, kind: str, title: str, facts: dict[str, Any]
) -> tuple[Any | None, list[str]]:
    """Open a file from a posted form: (the redirect to its page, no reasons), or (None,
    the reasons it was refused, to show beside the form)."""
    try:
        file = rule_files.open_file(get_session(), principal, kind, title, facts)
    except ServiceError as exc:
        if exc.status not in FIXABLE:
            raise
        return None, describe(exc)
    flash(_("Opened %(n)s.", n=file.number), "success")
    return redirect(url_for("files.file_page", number=file.number)), []


@bp.route("/files", methods=["GET", "POST"])
@requires(Action.FILE_READ)
def file_list() -> Any:
    principal = current_principal()
    form = OpenFileForm() if allowed(principal.role, Action.FILE_OPEN) else None
    errors: list[str] = []
    if form is not None and form.validate_on_submit():
        opened, errors = _open(principal, form.kind.data, form.title.data, form.facts())
        if opened is not None:
            return opened
    found = rule_files.list_files(get_session(), principal)
    return render_template("files/list.html", files=found, form=form, errors=errors)


@bp.get("/files/<number>")
@requires(Action.FILE_READ)
def file_page(number: str) -> Any:
    principal = current_principal()
    view = rule_files.get_file(get_session(), principal, number)
    form = RecordForm()
    form.key.choices = [SelectChoice(key) for key in recordable(principal, view)]
    event: dict[str, Any] | None = None
    if view.file.kind == Kind.EVENT.value:
        theses = None
        if allowed(principal.role, Action.FILE_OPEN):
            theses = ThesesForm()
            theses.body.choices = [SelectChoice(b) for b in view.file.facts["interested"]]
        event = {
            "theses": rule_files.theses_of(get_session(), principal, number),
            "agreements": rule_files.agreements_of(get_session(), principal, number),
            "form": theses,
            "reading": PARAGRAPH_27_READING,
        }
    return render_template(
        "files/file.html",
        view=view,
        today=today_kz(),
        form=form,
        copy_form=IssueCopyForm() if allowed(principal.role, Action.COPY_ISSUE) else None,
        event=event,
    )


@bp.post("/files/<number>/theses")
@requires(Action.FILE_OPEN)
def theses(number: str) -> Any:
    form = ThesesForm()
    form.body.choices = []
    pages = [p.strip() for p in (form.initialled.data or "").split(",") if p.strip()]
    if not form.validate_on_submit() or not all(p.isdigit() for p in pages):
        flash(_("Give the body, its pages and the pages initialled."), "error")
    else:
        try:
            check = rule_files.record_theses(
                get_session(),
                current_principal(),
                number,
                body=form.body.data or "",
                pages=form.pages.data or 0,
                initialled=[int(p) for p in pages],
                day=form.day.data,
            )
        except ServiceError as exc:
            flash_fixable(exc)
        else:
            if check.initialled_on_every_page:
                flash(_("Initialled on every page."), "success")
            else:
                flash(_("Not initialled on every page (¶23)."), "error")
    return redirect(url_for("files.file_page", number=number))


@bp.route("/files/draft-decisions", methods=["GET", "POST"])
@requires(Action.FILE_READ)
def drafts() -> Any:
    """Draft decisions (¶8, ¶8-2): the list, and the form to open one for one's own body."""
    principal = current_principal()
    form = DraftForm() if allowed(principal.role, Action.DRAFT_OPEN) else None
    errors: list[str] = []
    if form is not None and form.validate_on_submit():
        opened, errors = _open(principal, Kind.DRAFT.value, form.title.data or "", form.facts())
        if opened is not None:
            return opened
    found = rule_files.list_files(get_session(), principal, Kind.DRAFT.value)
    return render_template("files/drafts.html", files=found, form=form, errors=errors)


@bp.route("/reports/periodic", methods=["GET", "POST"])
@requires(Action.FILE_READ)
def periodic() -> Any:
    """¶33 part 2 and ¶35 per period, and the form to record one sent (MFA, GO)."""
    principal, today = current_principal(), today_kz()
    found = periodic_reports.history(get_session(), principal, today)
    own = next((r for r in Periodic if r.by == principal.agency_code), None)
    form = None
    if own is not None and allowed(principal.role, Action.PERIODIC_RECORD):
        form = PeriodicForm()
        form.period.choices = [
            SelectChoice(f"{x.year}-{x.period}", x.label) for x in found[own] if x.sent_on is None
        ]
        if form.validate_on_submit():
            year, _sep, period = (form.period.data or "").partition("-")
            try:
                if not (year.isdigit() and period.isdigit()):
                    raise Invalid(_("Choose a period."))
                periodic_reports.record_sent(
                    get_session(), principal, own.value, int(year), int(period), form.day.data
                )
            except ServiceError as exc:
                flash_fixable(exc)
            else:
                flash(_("Recorded."), "success")
            return redirect(url_for("files.periodic"))
    return render_template("files/periodic.html", found=found, today=today, form=form)


@bp.get("/reports")
@requires(Action.FILE_READ)
def reports() -> Any:
    standing, exemptions = rule_files.reports_overview(
        get_session(), current_principal(), today_kz()
    )
    found = rule_files.list_files(get_session(), current_principal(), Kind.REPORT.value)
    return render_template(
        "files/reports.html",
        standing=standing,
        exemptions=exemptions,
        files=found,
        calendar=next_calendar_duties(today_kz()),
    )


@bp.post("/files/<number>/events")
@requires(Action.FILE_RECORD)
def record(number: str) -> Any:
    form = RecordForm()
    if not form.validate_on_submit():
        flash(_("Choose a step and the day it happened."), "error")
    else:
        try:
            upload = form.record.data
            rule_files.record_event(
                get_session(),
                current_principal(),
                number,
                form.key.data,
                form.day.data,
                upload.read() if upload else None,
            )
        except ServiceError as exc:
            flash_fixable(exc)
        else:
            flash(_("Recorded."), "success")
    return redirect(url_for("files.file_page", number=number))
