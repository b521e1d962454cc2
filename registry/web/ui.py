"""The letter pages: inbox, list, letter, compose → preview → sign, upload, incoming, actions.

Views parse the form, authorise (registry.web.guard), call one service of
registry.services.letters, and render or redirect.  Refusals the person can fix
(state, plan, input) come back on the page with every reason; a letter out of
the person's scope is "not found" like a missing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from registry.evidence.package import MIMETYPE as ASIC_MIMETYPE
from registry.permissions import Action, allowed
from registry.services import case_files, letters, periodic_reports, proofs, rule_files
from registry.services.countersign import check_dispatch_record
from registry.services.deadlines import today_kz
from registry.services.errors import Invalid, ServiceError
from registry.services.letters import Sort, State, Transition
from registry.services.unit_of_work import unit_of_work
from registry.web import choices, filters, present
from registry.web.chrome import describe, refusal_text
from registry.web.database import get_session, refused
from registry.web.forms import (
    ComposeForm,
    EmptyForm,
    IncomingForm,
    OpenCaseForm,
    PublicationForm,
    UploadForm,
)
from registry.web.guard import current_principal, requires
from routing.kinds import KINDS

bp = Blueprint("ui", __name__)

# Refusals shown on the page they came from (the rest — 401, 403, 404 — go to the error page).
_FIXABLE = (400, 409, 422)
PAGE_SIZE = 50
SORT_LABELS = {
    Sort.NEWEST: _l("Newest first"),
    Sort.OLDEST: _l("Oldest first"),
    Sort.DATE_DESC: _l("Latest letter date first"),
    Sort.DATE_ASC: _l("Earliest letter date first"),
}


@dataclass(frozen=True)
class FieldSpec:
    """One (required) input of an action form: its name, label and HTML input type."""

    name: str
    label: Any
    type: str = "text"


@dataclass(frozen=True)
class ActionForm:
    """How a transition appears on the letter page."""

    endpoint: str
    title: Any
    button: Any
    fields: tuple[FieldSpec, ...] = ()
    confirm: Any = None  # a question asked before the form is sent (static/confirm.js)


_PASSPHRASE = FieldSpec("passphrase", _l("Your signing passphrase"), "password")
_NOTE_FIELDS = (
    FieldSpec("note_number", _l("Note number")),
    FieldSpec("note_date", _l("Note date"), "date"),
)
ACTION_FORMS: dict[Transition, ActionForm] = {
    Transition.SIGN: ActionForm("ui.sign", _l("Sign"), _l("Sign"), (_PASSPHRASE,)),
    Transition.SUBMIT: ActionForm("ui.submit", _l("Submit"), _l("Submit")),
    Transition.RECEIVE: ActionForm("ui.receive", _l("Receive the original"), _l("Receive")),
    Transition.FORWARD: ActionForm("ui.forward", _l("Forward"), _l("Forward")),
    Transition.DISPATCH: ActionForm(
        "ui.dispatch",
        _l("Dispatch through diplomatic channels"),
        _l("Dispatch"),
        (*_NOTE_FIELDS, _PASSPHRASE),
    ),
    Transition.RETURN: ActionForm(
        "ui.return_letter",
        _l("Return to the sender"),
        _l("Return"),
        (FieldSpec("reasons", _l("Reasons, one a line"), "textarea"),),
    ),
    Transition.FILE_NOTICE: ActionForm(
        "ui.file_notice",
        _l("File the ¶44 notice to MFA"),
        _l("File notice"),
        (FieldSpec("text", _l("What was sent, to whom, and why it was urgent"), "textarea"),),
    ),
    Transition.CLOSE: ActionForm("ui.close", _l("Close"), _l("Close")),
}
#: Closing a letter that was never sent: the draft is given up, never deleted.
CLOSE_UNSENT = ActionForm(
    "ui.close",
    _l("Close without sending"),
    _l("Close unsent"),
    confirm=_l(
        "Close this letter without sending it? It keeps its number and its history, "
        "and cannot be reopened."
    ),
)
UNSENT = frozenset({State.DRAFT, State.SIGNED})


# The steps a person signs: with an Arna-held key (passphrase) or their own (NCALayer).
OWN_KEY_STEPS = frozenset({Transition.SIGN, Transition.DISPATCH})


def _parse_date(raw: str | None, label: str) -> date:
    try:
        return date.fromisoformat(raw or "")
    except ValueError:
        raise Invalid(_("Enter the %(field)s as a date (day, month, year).", field=label)) from None


# ----------------------------------------------------------------------------- reading


def _filter_form(endpoint: str, given: dict[str, str], cursor: int | None) -> dict[str, Any]:
    """What letters/_filters.html and letters/_pager.html need besides the lines."""
    unpaged = {name: value for name, value in given.items() if name != "cursor"}
    return {
        "filters": given,
        "filter_action": url_for(endpoint),
        "agencies": choices.agency_codes(),
        "recipients": [c.value for c in choices.recipients()],
        "next_page": url_for(endpoint, **unpaged, cursor=cursor) if cursor else None,
        "first_page": url_for(endpoint, **unpaged) if "cursor" in given else None,
    }


@bp.get("/inbox")
@requires(Action.INBOX_VIEW)
def inbox() -> Any:
    given = filters.filled(request.args)
    principal = current_principal()
    soon = current_app.config["ARNA_DUE_SOON_WORKDAYS"]
    items = letters.inbox(
        get_session(),
        principal,
        due_soon_workdays=soon,
        limit=PAGE_SIZE,
        **filters.inbox_filter(given),
    )
    duties = (
        rule_files.owed(get_session(), principal, today_kz(), soon)
        if allowed(principal.role, Action.FILE_READ)
        else []
    )
    periods = (
        periodic_reports.owed(get_session(), principal, today_kz(), soon)
        if allowed(principal.role, Action.FILE_READ)
        else []
    )
    return render_template(
        "letters/inbox.html",
        items=items,
        sorts=None,
        duties=duties,
        periods=periods,
        **_filter_form("ui.inbox", given, letters.next_inbox_cursor(items, PAGE_SIZE)),
    )


@bp.get("/letters")
@requires(Action.LETTER_READ)
def letter_list() -> Any:
    given = filters.filled(request.args)
    flt = filters.letter_filter(given, limit=PAGE_SIZE, upper=PAGE_SIZE)
    rows = letters.list_letters(get_session(), current_principal(), flt)
    return render_template(
        "letters/list.html",
        rows=rows,
        states=[s.value for s in State],
        kinds=choices.KIND_CODES,
        sorts=SORT_LABELS,
        **_filter_form("ui.letter_list", given, letters.next_cursor(flt, rows)),
    )


@bp.get("/letters/<registry_number>")
@requires(Action.LETTER_READ)
def letter(registry_number: str) -> Any:
    session, principal = get_session(), current_principal()
    found = letters.get_letter(session, principal, registry_number)
    transitions = letters.available_transitions(principal, found)
    # Without Arna-held keys the passphrase forms go; NCALayer signs (letters/_ncalayer.html).
    held_keys = bool(current_app.config["ARNA_SERVER_SIGNING"])
    forms = [
        CLOSE_UNSENT if t is Transition.CLOSE and found.state in UNSENT else ACTION_FORMS[t]
        for t in transitions
        if t in ACTION_FORMS and (held_keys or t not in OWN_KEY_STEPS)
    ]
    case_file = case_files.case_of(session, found)
    return render_template(
        "letters/letter.html",
        letter=found,
        actions=forms,
        deadlines=found.deadlines,
        history=present.history(session, principal, found),
        body=present.letter_body(found),
        dispatch=check_dispatch_record(session, found) if found.dispatch_record else None,
        case_file=case_file,
        open_case_form=(
            OpenCaseForm() if case_file is None and case_files.may_open(principal, found) else None
        ),
        publication_form=(
            PublicationForm() if letters.awaits_publication(principal, found) else None
        ),
        content=found.xml.decode("utf-8", "replace") if found.xml else None,
        revocation=proofs.revocation_evidence(session, found.registry_number),
        ncalayer_sign=Transition.SIGN in transitions,
        ncalayer_dispatch=Transition.DISPATCH in transitions,
        ncalayer_dispatch_fields=_NOTE_FIELDS,
    )


@bp.get("/letters/<registry_number>/xml")
@requires(Action.LETTER_DOWNLOAD)
def download(registry_number: str) -> Any:
    found = letters.get_letter(get_session(), current_principal(), registry_number)
    if found.xml is None:
        return render_template("error.html", status=404, message=_("Not signed yet.")), 404
    return Response(
        found.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{found.registry_number}.xml"'},
    )


@bp.get("/letters/<registry_number>/evidence.asice")
@requires(Action.LETTER_DOWNLOAD)
def evidence(registry_number: str) -> Any:
    """The letter's evidence package (ASiC-E): whoever may download the letter may have it."""
    session = get_session()
    found = letters.get_letter(session, current_principal(), registry_number)
    return package_response(found.registry_number, proofs.evidence_package(session, found))


def package_response(registry_number: str, package: bytes) -> Response:
    """An ASiC-E container as a download named for the letter (also the API's)."""
    return Response(
        package,
        mimetype=ASIC_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{registry_number}.asice"'},
    )


# ----------------------------------------------------------------------------- creating


def _compose_form() -> ComposeForm:
    form = ComposeForm()
    form.kind.choices = choices.kinds()
    form.recipient.choices = choices.recipients()
    form.legal_basis_kind.choices = choices.legal_bases()
    form.invitation_source.choices = choices.invitation_sources()
    if request.method == "GET":
        form.date.data = today_kz()
    return form


def _envelope(form: ComposeForm, sender: str) -> dict[str, Any]:
    """The contract's envelope from the form (empty optional fields left out)."""
    envelope: dict[str, Any] = {
        "kind": form.kind.data,
        "sender": sender,
        "recipient": form.recipient.data,
        "date": form.date.data.isoformat() if form.date.data else "",
    }
    if form.send_direct.data:
        envelope["send"] = "direct"
    for name in ("urgent_needed_by", "planned_send_date", "reply_deadline"):
        value = getattr(form, name).data
        if value:
            envelope[name] = value.isoformat()
    for name in ("language", "communication_language", "invitation_source"):
        value = (getattr(form, name).data or "").strip()
        if value:
            envelope[name] = value
    if form.legal_basis_kind.data:
        envelope["legal_basis"] = {
            "kind": form.legal_basis_kind.data,
            "ref": (form.legal_basis_ref.data or "").strip(),
        }
    return envelope


@bp.route("/compose", methods=["GET", "POST"])
@requires(Action.LETTER_COMPOSE)
def compose() -> Any:
    principal = current_principal()
    form = _compose_form()
    plan, errors = None, []
    if form.validate_on_submit():
        envelope = _envelope(form, principal.agency_code or "")
        try:
            plan = letters.preview_route(envelope).plan
            if request.form.get("step") == "draft" and plan["allowed"]:
                return _compose_for_ncalayer(form, envelope)
            if request.form.get("step") == "sign" and plan["allowed"]:
                if not form.passphrase.data:
                    raise Invalid(_("Enter your signing passphrase to sign."))
                return _compose_and_sign(form, envelope)
        except ServiceError as exc:
            refused(exc)
            errors = describe(exc)
    elif request.method == "POST":
        errors = [f"{getattr(form, n).label.text}: {m[0]}" for n, m in form.errors.items()]
    status = 422 if errors else 200
    return render_template("letters/compose.html", form=form, plan=plan, errors=errors), status


def _compose_and_sign(form: ComposeForm, envelope: dict[str, Any]) -> Any:
    """Draft, then sign; a refused signature leaves the draft to be signed from its page."""
    session, principal = get_session(), current_principal()
    with unit_of_work(session):  # the draft stays, whatever becomes of the signature
        draft = letters.compose_letter(
            session, principal, envelope=envelope, subject=form.subject.data, body=form.body.data
        )
    number = draft.registry_number
    try:
        letters.sign_letter(session, principal, number, passphrase=form.passphrase.data or "")
    except ServiceError as exc:
        refused(exc)
        flash(_("Saved as draft %(n)s but not signed: ", n=number) + refusal_text(exc), "error")
    else:
        flash(_("Letter %(n)s signed. Submit it when ready.", n=number), "success")
    return redirect(url_for("ui.letter", registry_number=number))


def _compose_for_ncalayer(form: ComposeForm, envelope: dict[str, Any]) -> Any:
    """Draft, then to the letter's page, where the person signs it in NCALayer."""
    session, principal = get_session(), current_principal()
    with unit_of_work(session):
        draft = letters.compose_letter(
            session, principal, envelope=envelope, subject=form.subject.data, body=form.body.data
        )
    number = draft.registry_number
    flash(_("Draft %(n)s saved: sign it with NCALayer below.", n=number), "success")
    return redirect(url_for("ui.letter", registry_number=number, _anchor="ncalayer-sign"))


@bp.route("/upload", methods=["GET", "POST"])
@requires(Action.LETTER_UPLOAD)
def upload() -> Any:
    form = UploadForm()
    errors: list[str] = []
    if form.validate_on_submit():
        data = form.xml.data.read()
        try:
            found = letters.upload_letter(get_session(), current_principal(), data, submit=True)
        except ServiceError as exc:
            refused(exc)
            if exc.status not in _FIXABLE:
                raise
            errors = describe(exc)
        else:
            flash(_("Letter %(n)s registered and submitted.", n=found.registry_number), "success")
            return redirect(url_for("ui.letter", registry_number=found.registry_number))
    elif request.method == "POST":
        errors = [_("Choose the signed XML file to upload.")]
    status = 422 if errors else 200
    return render_template(
        "letters/upload.html", form=form, errors=errors, reserved=None, reserve_allowed=True
    ), status


@bp.post("/upload/number")
@requires(Action.LETTER_UPLOAD)
def reserve_number() -> Any:
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("ui.upload"))
    number = letters.reserve_number(get_session(), current_principal())
    return render_template(
        "letters/upload.html",
        form=UploadForm(formdata=None),
        errors=[],
        reserved=number,
        reserve_allowed=True,
    )


@bp.route("/incoming", methods=["GET", "POST"])
@requires(Action.INCOMING_REGISTER)
def register_incoming() -> Any:
    principal = current_principal()
    form = IncomingForm()
    form.kind.choices = choices.incoming_kinds()
    form.foreign_sender.choices = choices.correspondents()
    form.recipient.choices = choices.recipients()
    errors: list[str] = []
    if request.method == "GET":
        form.received_on.data = today_kz()
    elif form.validate_on_submit():
        foreign_mail = KINDS[form.kind.data].incoming
        envelope: dict[str, Any] = {
            "kind": form.kind.data,
            "sender": form.foreign_sender.data if foreign_mail else principal.agency_code or "",
            "recipient": form.recipient.data,
            "date": form.received_on.data.isoformat(),
        }
        if form.reply_deadline.data:
            envelope["reply_deadline"] = form.reply_deadline.data.isoformat()
        if (form.language.data or "").strip():
            envelope["communication_language"] = form.language.data.strip()
        try:
            found = letters.register_incoming(
                get_session(),
                principal,
                envelope=envelope,
                subject=form.subject.data,
                body=form.body.data or "",
            )
        except ServiceError as exc:
            refused(exc)
            if exc.status not in _FIXABLE:
                raise
            errors = describe(exc)
        else:
            flash(_("Registered as %(n)s.", n=found.registry_number), "success")
            return redirect(url_for("ui.letter", registry_number=found.registry_number))
    else:
        errors = [f"{getattr(form, n).label.text}: {m[0]}" for n, m in form.errors.items()]
    status = 422 if errors else 200
    return render_template("letters/incoming.html", form=form, errors=errors), status


# ----------------------------------------------------------------------------- transitions


def _act(registry_number: str, done: Any, call: Any) -> Any:
    """Run one transition from the letter page; fixable refusals come back as a message."""
    try:
        call(get_session(), current_principal(), registry_number)
    except ServiceError as exc:
        refused(exc)
        if exc.status not in _FIXABLE:
            raise
        flash(refusal_text(exc), "error")
    else:
        flash(done, "success")
    return redirect(url_for("ui.letter", registry_number=registry_number))


@bp.post("/letters/<registry_number>/sign")
@requires(Action.LETTER_SIGN)
def sign(registry_number: str) -> Any:
    passphrase = request.form.get("passphrase", "")
    return _act(
        registry_number,
        _("Signed."),
        lambda s, p, n: letters.sign_letter(s, p, n, passphrase=passphrase),
    )


def _xml_response(xml: bytes) -> Response:
    return Response(xml, mimetype="application/xml")


@bp.get("/letters/<registry_number>/to-sign.xml")
@requires(Action.LETTER_SIGN)
def xml_to_sign(registry_number: str) -> Any:
    """The letter's XML as Arna holds it, for NCALayer to sign (the draft, or the signed
    letter a co-signature covers); only for someone who may sign it now."""
    return _xml_response(letters.unsigned_xml(get_session(), current_principal(), registry_number))


@bp.post("/letters/<registry_number>/sign/ncalayer")
@requires(Action.LETTER_SIGN)
def sign_ncalayer(registry_number: str) -> Any:
    """The letter signed in NCALayer, posted back; verified before anything changes."""
    signed = request.form.get("signed_xml", "").encode("utf-8")
    return _act(
        registry_number,
        _("Signed."),
        lambda s, p, n: letters.sign_with_own_key(s, p, n, signed=signed),
    )


@bp.post("/letters/<registry_number>/submit")
@requires(Action.LETTER_SUBMIT)
def submit(registry_number: str) -> Any:
    return _act(registry_number, _("Submitted."), letters.submit_letter)


@bp.post("/letters/<registry_number>/receive")
@requires(Action.LETTER_RECEIVE)
def receive(registry_number: str) -> Any:
    return _act(registry_number, _("Received."), letters.receive_letter)


@bp.post("/letters/<registry_number>/forward")
@requires(Action.LETTER_FORWARD)
def forward(registry_number: str) -> Any:
    return _act(registry_number, _("Forwarded."), letters.forward_letter)


@bp.post("/letters/<registry_number>/dispatch")
@requires(Action.LETTER_DISPATCH)
def dispatch(registry_number: str) -> Any:
    form = request.form

    def call(session: Any, principal: Any, number: str) -> Any:
        return letters.dispatch_letter(
            session,
            principal,
            number,
            note_number=form.get("note_number", "").strip(),
            note_date=_parse_date(form.get("note_date"), _("note date")),
            passphrase=form.get("passphrase", ""),
        )

    return _act(registry_number, _("Dispatched."), call)


@bp.get("/letters/<registry_number>/dispatch-record.xml")
@requires(Action.LETTER_DISPATCH)
def dispatch_record_to_sign(registry_number: str) -> Any:
    """The dispatch record for the note in the query, for the clerk to sign in NCALayer."""
    args = request.args
    try:
        record = letters.dispatch_record_to_sign(
            get_session(),
            current_principal(),
            registry_number,
            note_number=args.get("note_number", ""),
            note_date=_parse_date(args.get("note_date"), "note_date"),
        )
    except ServiceError as exc:
        return Response(refusal_text(exc), status=exc.status, mimetype="text/plain")
    return _xml_response(record)


@bp.post("/letters/<registry_number>/dispatch/ncalayer")
@requires(Action.LETTER_DISPATCH)
def dispatch_ncalayer(registry_number: str) -> Any:
    """The dispatch, its record countersigned in NCALayer with the clerk's own key."""
    form = request.form

    def call(session: Any, principal: Any, number: str) -> Any:
        return letters.dispatch_with_own_key(
            session,
            principal,
            number,
            note_number=form.get("note_number", "").strip(),
            note_date=_parse_date(form.get("note_date"), "note_date"),
            signed_record=form.get("signed_xml", "").encode("utf-8"),
        )

    return _act(registry_number, _("Dispatched."), call)


@bp.post("/letters/<registry_number>/return")
@requires(Action.LETTER_RETURN)
def return_letter(registry_number: str) -> Any:
    reasons = [r.strip() for r in request.form.get("reasons", "").splitlines() if r.strip()]
    return _act(
        registry_number,
        _("Returned to the sender."),
        lambda s, p, n: letters.return_letter(s, p, n, reasons=reasons),
    )


@bp.post("/letters/<registry_number>/notice")
@requires(Action.NOTICE_FILE)
def file_notice(registry_number: str) -> Any:
    text = request.form.get("text", "").strip()
    return _act(
        registry_number,
        _("¶44 notice filed."),
        lambda s, p, n: letters.file_notice(s, p, n, text=text),
    )


@bp.post("/letters/<registry_number>/close")
@requires(Action.LETTER_CLOSE)
def close(registry_number: str) -> Any:
    return _act(registry_number, _("Closed."), letters.close_letter)


@bp.post("/letters/<registry_number>/ohchr-publication")
@requires(Action.PUBLICATION_RECORD)
def record_ohchr_publication(registry_number: str) -> Any:
    """¶14-8 part 2: MFA records the day OHCHR published the communication or reply."""
    form = PublicationForm()
    if not form.validate_on_submit():
        flash(_("Give the day OHCHR published it."), "error")
    else:
        try:
            letters.record_ohchr_publication(
                get_session(),
                current_principal(),
                registry_number,
                published_on=form.published_on.data,
            )
        except ServiceError as exc:
            if exc.status not in _FIXABLE:
                raise
            flash(refusal_text(exc), "error")
        else:
            flash(_("OHCHR's publication recorded: MFA's publication step is due."), "success")
    return redirect(url_for("ui.letter", registry_number=registry_number))


@bp.app_template_filter("urgency")
def urgency_filter(deadline: Any) -> str:
    """CSS class of a deadline on the letter page (the inbox gets it from the service)."""
    return present.deadline_urgency(
        deadline, today_kz(), current_app.config["ARNA_DUE_SOON_WORKDAYS"]
    )


@bp.post("/deadlines/<int:deadline_id>/done")
@requires(Action.DEADLINE_COMPLETE)
def complete_deadline(deadline_id: int) -> Any:
    """Mark a deadline one's own party owes as met (e.g. ¶36 information sent back)."""
    number = request.form.get("registry_number", "")
    try:
        letters.complete_deadline(get_session(), current_principal(), deadline_id)
    except ServiceError as exc:
        refused(exc)
        if exc.status not in _FIXABLE:
            raise
        flash(refusal_text(exc), "error")
    else:
        flash(_("Deadline marked as met."), "success")
    if not number:
        return redirect(url_for("ui.inbox"))
    return redirect(url_for("ui.letter", registry_number=number))
