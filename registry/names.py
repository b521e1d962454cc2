"""Human names of the registry's codes, for the pages and the paper copy.

Parties, letter kinds, roles, states, custody actions (refused attempts too),
signature verification results and legal bases are stored and exchanged as
codes (the API and the custody log keep them); people read names. The English
names below are the message ids of registry/translations (pybabel extracts this
module), so one catalogue serves the pages (in the reader's language, through
Flask-Babel) and the certified paper copy (Kazakh and Russian, handed to the
pure renderer as plain text by the copy service).

An agency's name is not here: the agencies table holds it in three languages.
A code without a name is shown as it is (never an empty cell).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from babel.support import Translations

from routing import kinds as k
from routing import parties as p
from routing.duties import Duty, DutyState

#: Translates an English message id into the reader's language.
Gettext = Callable[[str], str]


def _l(text: str) -> str:
    """Marks a message id for pybabel; translated where it is shown."""
    return text


PARTIES: Mapping[str, str] = {
    p.MFA: _l("Ministry of Foreign Affairs"),
    p.MOJ: _l("Ministry of Justice"),
    p.MTI: _l("Ministry of Trade and Integration"),
    p.PA: _l("Presidential Administration"),
    p.GO: _l("Office of the Government"),
    p.SUPREME_COURT: _l("Supreme Court"),
    p.OMBUDSMAN: _l("Commissioner for Human Rights"),
    p.NCE: _l("National Chamber of Entrepreneurs"),
    p.FOREIGN_STATE_BODY: _l("a foreign state body"),
    p.DIPLOMATIC_MISSION: _l("a foreign diplomatic mission"),
    p.INTL_ORG: _l("an international organisation"),
    p.WTO: _l("World Trade Organization"),
    p.EEC: _l("Eurasian Economic Commission"),
    p.INTL_COURT: _l("an international judicial body"),
    p.EAEU_COURT: _l("Court of the Eurasian Economic Union"),
    p.SPECIAL_PROCEDURE: _l("a UN special procedure"),
    p.TREATY_BODY: _l("a UN treaty body"),
    p.PRESIDENT: _l("President"),
    p.PM: _l("Prime Minister"),
    p.DPM: _l("Deputy Prime Minister"),
    p.PA_HEAD: _l("Head of the Presidential Administration"),
    p.PA_AIDE_INTL: _l("Aide to the President on international matters"),
    p.BUDGET_COMMISSION: _l("Republican Budget Commission"),
    p.BUDGET_AUTHORITY: _l("budget planning authority"),
    p.SUPREME_AUDIT_CHAMBER: _l("Supreme Audit Chamber"),
}

KINDS: Mapping[str, str] = {
    k.FOREIGN_LETTER: _l("Letter to a foreign body"),
    k.COURT_REQUEST_FORWARD: _l("Forwarding a court's request"),
    k.COURT_REPLY: _l("Consolidated reply to a court"),
    k.COURT_PRACTICE_REPLY: _l("Supreme Court's reply on judicial practice"),
    k.COURT_APPLICATION: _l("Application to an international court"),
    k.NCE_COURT_APPLICATION: _l("NCE's application to an international court"),
    k.SPECIAL_PROCEDURE_FORWARD: _l("Passing on a special procedure's communication"),
    k.SPECIAL_PROCEDURE_INFO: _l("Information for the reply to a special procedure"),
    k.SPECIAL_PROCEDURE_REPLY: _l("Reply to a special procedure"),
    k.INCOMING_CORRESPONDENCE: _l("Incoming note or letter"),
}

#: What a rule file holds (registry.services.rule_files.Kind): codes that are also plain
#: English words, so kept apart from the letter kinds.
FILE_KINDS: Mapping[str, str] = {
    "agreement": _l("Agreement reached"),
    "decision": _l("Decision of an international organisation"),
    "draft": _l("Draft decision"),
    "report": _l("Report to MFA"),
    "treaty-cycle": _l("Treaty reporting year"),
    "event": _l("High-level event"),
}

ROLES: Mapping[str, str] = {
    "agency_officer": _l("agency document officer"),
    "first_head": _l("first head"),
    "mfa_clerk": _l("MFA dispatch clerk"),
    "moj_officer": _l("MOJ officer"),
    "auditor": _l("auditor"),
    "admin": _l("administrator"),
}

STATES: Mapping[str, str] = {
    "draft": _l("draft"),
    "signed": _l("signed"),
    "submitted": _l("submitted"),
    "received": _l("received"),
    "forwarded": _l("forwarded"),
    "dispatched": _l("dispatched"),
    "sent": _l("sent directly"),
    "returned": _l("returned"),
    "closed": _l("closed"),
}

#: Where a duty of a chain stands (routing.duties.DutyState values).
DUTY_STATES: Mapping[str, str] = {
    DutyState.DONE.value: _l("done"),
    DutyState.DONE_LATE.value: _l("done late"),
    DutyState.LATE.value: _l("late"),
    DutyState.DUE.value: _l("due"),
    DutyState.OPEN.value: _l("open"),
}

#: The next step of an inbox line, by transition name (registry.services.letters.Transition).
ACTIONS: Mapping[str, str] = {
    "compose": _l("compose"),
    "sign": _l("sign"),
    "upload": _l("upload"),
    "submit": _l("submit"),
    "register_incoming": _l("register"),
    "receive": _l("receive"),
    "forward": _l("forward"),
    "dispatch": _l("dispatch"),
    "return": _l("return"),
    "file_notice": _l("file the ¶44 notice"),
    "close": _l("close"),
}

#: Custody log actions (registry.services.custody.tags.Tag values).
TAGS: Mapping[str, str] = {
    "letter:registered": _l("registered"),
    "letter:signed": _l("signed"),
    "letter:submitted": _l("submitted to MFA"),
    "letter:received": _l("received"),
    "letter:forwarded": _l("forwarded"),
    "letter:dispatched": _l("dispatched"),
    "letter:returned": _l("returned"),
    "letter:closed": _l("closed"),
    "letter:notice-filed": _l("¶44 notice filed"),
    "letter:deadline-met": _l("deadline met"),
    "letter:case-opened": _l("case file opened"),
    "letter:case-joined": _l("joined the case file"),
    "letter:publication-recorded": _l("OHCHR publication recorded"),
    "copy:issued": _l("certified copy issued"),
    "file:opened": _l("file opened"),
    "file:event-recorded": _l("step recorded"),
    "file:deemed-agreed": _l("deemed agreed"),
    "log:exported": _l("log exported"),
}
_REFUSED_SUFFIX = "-refused"
_REFUSED = _l("%(action)s — refused")

#: Signature verification results (ETSI EN 319 102-1 indications and sub-indications).
VERDICTS: Mapping[str, str] = {
    "TOTAL_PASSED": _l("Signature valid"),
    "TOTAL_FAILED": _l("Signature not valid"),
    "INDETERMINATE": _l("Signature could not be confirmed"),
    "HASH_FAILURE": _l("the signed content was changed"),
    "SIG_CRYPTO_FAILURE": _l("the signature value does not match"),
    "FORMAT_FAILURE": _l("the signature is not in a known format"),
    "REVOKED": _l("the certificate was revoked"),
    "NOT_YET_VALID": _l("the certificate was not yet valid"),
    "OUT_OF_BOUNDS_NO_POE": _l("the certificate had expired"),
    "NO_SIGNING_CERTIFICATE_FOUND": _l("the signer's certificate is missing"),
    "NO_CERTIFICATE_CHAIN_FOUND": _l("the certificate does not chain to a trusted root"),
    "CERTIFICATE_CHAIN_GENERAL_FAILURE": _l("the certificate chain could not be checked"),
    "CHAIN_CONSTRAINTS_FAILURE": _l("the certificate may not sign this"),
    "CRYPTO_CONSTRAINTS_FAILURE": _l("the algorithm is not accepted"),
    "TRY_LATER": _l("revocation status not yet available; try later"),
    "NO_SIGNATURE": _l("the document is not signed"),
}

#: Custody log verifications (registry.models.CustodyVerification kind and state).
CHECKS: Mapping[str, str] = {
    "incremental": _l("the new events"),
    "full": _l("the whole log"),
    "running": _l("running"),
    "passed": _l("passed"),
    "failed": _l("failed"),
    "error": _l("did not finish"),
}

LEGAL_BASES: Mapping[str, str] = {
    "ratified-treaty": _l("ratified international treaty"),
    "treaty-in-force": _l("international treaty in force"),
    "law": _l("law"),
    "president-act": _l("act of the President"),
    "government-act": _l("act of the Government"),
    "president-instruction": _l("instruction of the President"),
    "pa-instruction": _l("instruction of the Presidential Administration"),
    "pm-instruction": _l("instruction of the Prime Minister"),
    "deputy-pm-instruction": _l("instruction of a Deputy Prime Minister"),
}

_CATALOGUES = Path(__file__).parent / "translations"


@cache
def translator(language: str) -> Gettext:
    """The catalogue's gettext for ``language`` (kk, ru, en), outside any request."""
    return Translations.load(str(_CATALOGUES), [language]).gettext


def _named(table: Mapping[str, str], code: str | None, gettext: Gettext) -> str:
    if not code:
        return ""
    name = table.get(code)
    return gettext(name) if name is not None else code


def party(code: str | None, gettext: Gettext, agencies: Mapping[str, str]) -> str:
    """A party's name; ``agencies`` maps agency codes to their names in the same language."""
    if code and code in agencies:
        return agencies[code]
    return _named(PARTIES, code, gettext)


def kind(code: str | None, gettext: Gettext) -> str:
    return _named(KINDS, code, gettext)


def file_kind(code: str | None, gettext: Gettext) -> str:
    return _named(FILE_KINDS, code, gettext)


def role(code: str | None, gettext: Gettext) -> str:
    return _named(ROLES, code, gettext)


def state(code: str | None, gettext: Gettext) -> str:
    return _named(STATES, code, gettext)


def duty_state(code: str | None, gettext: Gettext) -> str:
    return _named(DUTY_STATES, code, gettext)


def duty(duty: Duty, gettext: Gettext) -> str:
    """What a duty is, in the catalogue's language (its English wording where it has none):
    the engines' wordings are message ids (routing.duties.N_)."""
    wording = gettext(duty.what)
    return wording % duty.params if duty.params else wording


def action(code: str | None, gettext: Gettext) -> str:
    return _named(ACTIONS, code, gettext)


def tag(code: str | None, gettext: Gettext) -> str:
    """A custody action; ``letter:dispatched-refused`` reads "dispatched — refused"."""
    if code and code.endswith(_REFUSED_SUFFIX) and code not in TAGS:
        done = _named(TAGS, code.removesuffix(_REFUSED_SUFFIX), gettext)
        return gettext(_REFUSED) % {"action": done}
    return _named(TAGS, code, gettext)


def verdict(code: str | None, gettext: Gettext) -> str:
    return _named(VERDICTS, code, gettext)


def check(code: str | None, gettext: Gettext) -> str:
    return _named(CHECKS, code, gettext)


def legal_basis(code: str | None, gettext: Gettext) -> str:
    return _named(LEGAL_BASES, code, gettext)


PAPER_LANGUAGES = ("kk", "ru")


def both(name: Callable[[str], str]) -> str:
    """A name in Kazakh and Russian (``name`` of a language), as the paper copy prints labels."""
    kk, ru = (name(language) for language in PAPER_LANGUAGES)
    return kk if kk == ru else f"{kk} / {ru}"
