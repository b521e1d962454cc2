"""Who may do what: roles, the permission table and agency scope (no Flask).

Everything about authorisation lives here so that a reviewer reads one file:

* ``PERMISSIONS`` — the role × action table (data, not code paths);
* ``letter_scope`` / ``can_see_letter`` — which letters a person may see at all
  (an agency's people see their agency's letters and those whose plan involves
  their agency — the hubs MFA and MOJ, a forwarded request's addressees; the
  auditor sees everything; the administrator no letter);
* ``check`` — the one enforcement point; the web guard (``registry/web/guard.py``)
  calls it for every view through its ``requires`` decorator.

A letter outside a person's scope is reported as *not found* (never
*forbidden*): guessing registry numbers must not reveal which ones exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, select, true

from registry.models import Letter, LetterParty, RuleFile
from registry.services.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from registry.models import User


class Role(StrEnum):
    """The roles of docs/architecture.md."""

    AGENCY_OFFICER = "agency_officer"  # an agency's document officer (¶43)
    FIRST_HEAD = "first_head"  # the agency's first head, who signs ¶14-7 information
    MFA_CLERK = "mfa_clerk"  # MFA's registry: receives, dispatches, returns (¶44)
    MOJ_OFFICER = "moj_officer"  # MOJ's registry: the EAEU Court hop (¶37, ¶40)
    AUDITOR = "auditor"  # read-only: every letter and the custody trail
    ADMIN = "admin"  # users, agencies, certificates, trust anchors; no letters


class Action(StrEnum):
    """Everything a view can do; each endpoint declares exactly one."""

    LETTER_READ = "letter.read"
    LETTER_DOWNLOAD = "letter.download"
    INBOX_VIEW = "inbox.view"
    LETTER_COMPOSE = "letter.compose"
    LETTER_UPLOAD = "letter.upload"
    LETTER_SIGN = "letter.sign"
    LETTER_SUBMIT = "letter.submit"
    NOTICE_FILE = "letter.notice-file"
    INCOMING_REGISTER = "incoming.register"
    LETTER_RECEIVE = "letter.receive"
    LETTER_FORWARD = "letter.forward"
    LETTER_DISPATCH = "letter.dispatch"
    LETTER_RETURN = "letter.return"
    LETTER_CLOSE = "letter.close"
    DEADLINE_COMPLETE = "deadline.complete"
    CASE_OPEN = "case.open"  # a court's request opens a case file (Chapter 5)
    CASE_JOIN = "case.join"  # a reply joins it
    PUBLICATION_RECORD = "publication.record"  # OHCHR's publication date (¶14-8 part 2)
    FILE_READ = "rulefile.read"  # agreements reached (Ch.4), decision files (Ch.2)
    FILE_OPEN = "rulefile.open"
    FILE_RECORD = "rulefile.record"
    REPORT_OPEN = "report.open"  # a report owed to MFA (¶46, ¶48-49): MFA or the body itself
    DRAFT_OPEN = "draft.open"  # a draft decision a body runs the agreement of (¶8-9)
    PERIODIC_RECORD = "periodic.record"  # ¶33 part 2 (MFA) and ¶35 (GO) reports sent
    TREATY_RETURN = "treaty.return"  # a body's return on a treaty it consolidates (¶2)
    TREATY_MANAGE = "treaty.manage"  # MFA: the treaty register, assessments, theses checks
    CUSTODY_READ = "custody.read"
    CUSTODY_VERIFY = "custody.verify"  # re-check the whole log (costly: not for every reader)
    COPY_ISSUE = "copy.issue"
    OWN_ACCOUNT = "account.own"  # one's own password, signing key and API tokens
    USER_MANAGE = "user.manage"
    AGENCY_MANAGE = "agency.manage"
    CERTIFICATE_MANAGE = "certificate.manage"
    TRUST_MANAGE = "trust.manage"


A = Action
_AGENCY_WORK = frozenset(
    {
        A.LETTER_READ,
        A.LETTER_DOWNLOAD,
        A.INBOX_VIEW,
        A.LETTER_COMPOSE,
        A.LETTER_UPLOAD,
        A.LETTER_SIGN,
        A.LETTER_SUBMIT,
        A.NOTICE_FILE,
        A.INCOMING_REGISTER,
        A.LETTER_FORWARD,
        A.LETTER_CLOSE,
        A.DEADLINE_COMPLETE,
        A.CASE_OPEN,
        A.CASE_JOIN,
        A.COPY_ISSUE,
        A.OWN_ACCOUNT,
        A.FILE_READ,
        A.FILE_RECORD,
        A.REPORT_OPEN,
        A.DRAFT_OPEN,
        A.PERIODIC_RECORD,
        A.TREATY_RETURN,
    }
)
_HUB_WORK = frozenset({A.LETTER_RECEIVE, A.LETTER_RETURN})

PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.AGENCY_OFFICER: _AGENCY_WORK,
    Role.FIRST_HEAD: _AGENCY_WORK,
    # The hubs are also agencies with letters of their own (MFA's ¶14-8 replies,
    # MOJ's applications), hence the agency work on top of the hub work.
    Role.MOJ_OFFICER: _AGENCY_WORK | _HUB_WORK,
    # MFA registers agreements reached and receives decisions (¶10, ¶32): it opens the files.
    Role.MFA_CLERK: _AGENCY_WORK
    | _HUB_WORK
    | {A.LETTER_DISPATCH, A.PUBLICATION_RECORD, A.FILE_OPEN, A.TREATY_MANAGE},
    Role.AUDITOR: frozenset(
        {
            A.LETTER_READ,
            A.LETTER_DOWNLOAD,
            A.INBOX_VIEW,
            A.FILE_READ,
            A.CUSTODY_READ,
            A.CUSTODY_VERIFY,
            A.OWN_ACCOUNT,
        }
    ),
    Role.ADMIN: frozenset(
        {
            A.USER_MANAGE,
            A.AGENCY_MANAGE,
            A.CERTIFICATE_MANAGE,
            A.TRUST_MANAGE,
            A.COPY_ISSUE,  # administrators certify copies too (see can_issue_copy)
            A.CUSTODY_READ,  # the log itself, not the letters: events carry no content
            A.CUSTODY_VERIFY,
            A.OWN_ACCOUNT,
        }
    ),
}

# Roles that belong to an agency (and so must have one).
AGENCY_ROLES = frozenset({Role.AGENCY_OFFICER, Role.FIRST_HEAD, Role.MFA_CLERK, Role.MOJ_OFFICER})


@dataclass(frozen=True)
class Principal:
    """The signed-in person, detached from any Session (safe to keep for a whole request).

    Implements the attributes Flask-Login expects of a user.
    """

    id: int
    username: str
    full_name: str
    role: Role
    agency_code: str | None
    # users.session_epoch: raised at sign-out and when the password changes, so a session
    # cookie minted before either no longer signs anyone in (registry/app.py, _load_user).
    session_epoch: str = ""
    # The holder's IIN as recorded on the account when the request began (None: none
    # recorded): what a certificate naming a person is compared with.
    iin: str | None = None

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        """What the session cookie keeps: the user's id and their session epoch."""
        return f"{self.id}:{self.session_epoch}"

    @classmethod
    def of(cls, user: User) -> Principal:
        return cls(
            id=user.id,
            username=user.username,
            full_name=user.full_name,
            role=Role(user.role),
            agency_code=user.agency_code,
            session_epoch=str(user.session_epoch),
            iin=user.iin,
        )


def allowed(role: Role, action: Action) -> bool:
    """The permission table, read."""
    return action in PERMISSIONS.get(role, frozenset())


def check(principal: Principal, action: Action) -> None:
    """Refuse (403) an action the person's role does not have."""
    if not allowed(principal.role, action):
        raise Forbidden(f"the role {principal.role} may not do {action}")


def _party_marker(party: str) -> str:
    return f"|{party}|"


def parties_field(parties: list[str]) -> str:
    """The value of ``Letter.parties`` and ``RuleFile.parties``: every party, delimited."""
    return "|" + "|".join(sorted(set(parties))) + "|"


def letter_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the letters ``principal`` may see.

    An agency's people see their agency's letters and every letter whose plan
    involves their agency: the hubs it passes (MFA, MOJ), the addressees of a
    forwarded request who owe information (¶36), the bodies that get copies
    (¶38, ¶14-5). Everyone else: not found. The parties are rows of
    ``letter_parties`` (the letter's own agency among them), read from its
    (party, letter_id) index.
    """
    if principal.role is Role.AUDITOR:
        return true()
    if principal.role is Role.ADMIN or principal.agency_code is None:
        return Letter.id.is_(None)  # nothing
    return Letter.id.in_(
        select(LetterParty.letter_id).where(LetterParty.party == principal.agency_code)
    )


def can_see_letter(principal: Principal, letter: Letter) -> bool:
    """The same rule as `letter_scope`, for one loaded letter."""
    if principal.role is Role.AUDITOR:
        return True
    if principal.role is Role.ADMIN or principal.agency_code is None:
        return False
    if letter.agency_code == principal.agency_code:
        return True
    return _party_marker(principal.agency_code) in letter.parties


def can_issue_copy(principal: Principal, letter: Letter) -> bool:
    """Certified copies: MFA clerks (for any letter they can see), the letter's own
    agency, and administrators (any letter) — on top of the role's COPY_ISSUE."""
    if not allowed(principal.role, Action.COPY_ISSUE):
        return False
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.MFA_CLERK:
        return can_see_letter(principal, letter)
    return principal.agency_code is not None and letter.agency_code == principal.agency_code


def ensure_can_see(principal: Principal, letter: Letter | None, registry_number: str) -> Letter:
    """The letter, or NotFound when it is missing *or* out of scope (indistinguishable)."""
    if letter is None or not can_see_letter(principal, letter):
        raise NotFound(f"no letter {registry_number}")
    return letter


def file_scope(principal: Principal) -> ColumnElement[bool]:
    """A WHERE clause selecting the rule files (Ch.2, Ch.4) ``principal`` may see.

    As for letters: the auditor sees every file, an agency's people the files
    whose chain names their agency, the administrator none.
    """
    if principal.role is Role.AUDITOR:
        return true()
    if principal.role is Role.ADMIN or principal.agency_code is None:
        return RuleFile.id.is_(None)
    return RuleFile.parties.contains(_party_marker(principal.agency_code), autoescape=True)


def ensure_can_see_file(principal: Principal, file: RuleFile | None, number: str) -> RuleFile:
    """The file, or NotFound when it is missing or out of scope (indistinguishable)."""
    visible = file is not None and (
        principal.role is Role.AUDITOR
        or (
            principal.role is not Role.ADMIN
            and principal.agency_code is not None
            and _party_marker(principal.agency_code) in file.parties
        )
    )
    if not visible:
        raise NotFound(f"no file {number}")
    assert file is not None
    return file
