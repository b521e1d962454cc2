"""Letter kinds of contracts/route-plan.md, and who may be sender and recipient of each.

The domains here are *input* checks (exit 2): a letter kind names a situation of
the Rules, and an envelope outside that situation is not a letter the Rules can
judge. What the Rules *forbid* within a situation (exit 3) lives in rules.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from routing import parties as p

FOREIGN_LETTER: Final = "foreign-letter"
COURT_REQUEST_FORWARD: Final = "court-request-forward"
COURT_REPLY: Final = "court-reply"
COURT_PRACTICE_REPLY: Final = "court-practice-reply"
COURT_APPLICATION: Final = "court-application"
NCE_COURT_APPLICATION: Final = "nce-court-application"
SPECIAL_PROCEDURE_FORWARD: Final = "special-procedure-forward"
SPECIAL_PROCEDURE_INFO: Final = "special-procedure-info"
SPECIAL_PROCEDURE_REPLY: Final = "special-procedure-reply"


@dataclass(frozen=True)
class PartyDomain:
    """Which party codes fit a role; ``describe`` is what an error message says."""

    accepts: Callable[[str], bool]
    describe: str


def _one_of(*codes: str) -> Callable[[str], bool]:
    allowed = frozenset(codes)
    return allowed.__contains__


STATE_BODY = PartyDomain(
    p.is_state_body, "a state body (MFA, MOJ, MTI, SUPREME_COURT, AGENCY:<ID>, PA, GO)"
)
COURT = PartyDomain(_one_of(*p.COURTS), "INTL_COURT or EAEU_COURT")


@dataclass(frozen=True)
class KindSpec:
    """One letter kind: its ¶, what it is, and the envelope it needs."""

    name: str
    paragraphs: str
    title: str
    senders: PartyDomain
    recipients: PartyDomain
    required: tuple[str, ...] = ()
    #: Fields whose date is the day the *sender received* the item (contract: incoming matters).
    date_is_receipt: bool = False


KINDS: Final[dict[str, KindSpec]] = {
    spec.name: spec
    for spec in (
        KindSpec(
            FOREIGN_LETTER,
            "¶42–44",
            "official letter of a state body to a foreign state body, mission or organisation",
            STATE_BODY,
            PartyDomain(
                _one_of(
                    p.FOREIGN_STATE_BODY,
                    p.DIPLOMATIC_MISSION,
                    p.INTL_ORG,
                    p.WTO,
                    p.EEC,
                    p.TREATY_BODY,
                    p.INTL_COURT,
                    p.EAEU_COURT,
                    p.SPECIAL_PROCEDURE,
                ),
                "a foreign party (to SPECIAL_PROCEDURE: an invitation, ¶14-10; "
                "a reply is special-procedure-reply)",
            ),
        ),
        KindSpec(
            COURT_REQUEST_FORWARD,
            "¶36",
            "forwarding a request received from an international judicial body",
            STATE_BODY,
            STATE_BODY,
            date_is_receipt=True,
        ),
        KindSpec(
            COURT_REPLY,
            "¶37",
            "the consolidated reply to an international judicial body's request",
            STATE_BODY,
            COURT,
        ),
        KindSpec(
            COURT_PRACTICE_REPLY,
            "¶38",
            "the Supreme Court's reply to a request about judicial practice",
            PartyDomain(_one_of(p.SUPREME_COURT), "SUPREME_COURT (¶38)"),
            COURT,
        ),
        KindSpec(
            COURT_APPLICATION,
            "¶39–40",
            "an authorised body's application to an international judicial body",
            STATE_BODY,
            COURT,
        ),
        KindSpec(
            NCE_COURT_APPLICATION,
            "¶41",
            "the NCE's application to an international judicial body",
            PartyDomain(_one_of(p.NCE), "NCE (¶41)"),
            COURT,
        ),
        KindSpec(
            SPECIAL_PROCEDURE_FORWARD,
            "¶14-5",
            "passing a special procedure's communication on to the competent body",
            STATE_BODY,
            PartyDomain(
                lambda code: p.is_state_body(code) or code == p.OMBUDSMAN,
                "a competent state body or OMBUDSMAN",
            ),
            date_is_receipt=True,
        ),
        KindSpec(
            SPECIAL_PROCEDURE_INFO,
            "¶14-7",
            "a competent body's information to MFA for the reply to a special procedure",
            PartyDomain(
                lambda code: p.is_state_body(code) and code != p.MFA,
                "a competent state body other than MFA",
            ),
            PartyDomain(
                _one_of(p.MFA, p.SPECIAL_PROCEDURE),
                "MFA (or SPECIAL_PROCEDURE, which ¶14-6 forbids)",
            ),
            required=("signed_by_first_head",),
        ),
        KindSpec(
            SPECIAL_PROCEDURE_REPLY,
            "¶14-8",
            "the reply to a special procedure's communication",
            STATE_BODY,
            PartyDomain(_one_of(p.SPECIAL_PROCEDURE), "SPECIAL_PROCEDURE"),
            required=(
                "reply_deadline",
                "language",
                "communication_language",
                "signed_by_first_head",
            ),
        ),
    )
}

#: Kinds that record an item received from outside (registered on receipt, never composed):
#: their ``date`` is the day of receipt.
INCOMING_KINDS: Final = tuple(code for code, spec in KINDS.items() if spec.date_is_receipt)
