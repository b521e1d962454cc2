"""The letter envelope of contracts/route-plan.md: parsed once, checked field by field.

Every rejection names the field, because the person fixing the input is an
agency's document officer looking at a form, not at a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

from envelope_fields import FIELDS, REQUIRED
from routing import parties
from routing.calendar import SPAN_END, SPAN_START
from routing.kinds import KINDS

#: Values of ``legal_basis.kind`` (contract); which of them a rule accepts is in rules.py.
LEGAL_BASIS_KINDS: Final = frozenset(
    {
        "ratified-treaty",
        "treaty-in-force",
        "law",
        "president-act",
        "government-act",
        "president-instruction",
        "pa-instruction",
        "pm-instruction",
        "deputy-pm-instruction",
    }
)
_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
#: A BCP 47 tag as letters use them: "en", "kk", "ru", "zh-Hans".
_LANGUAGE: Final = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


class EnvelopeError(ValueError):
    """The input is not a valid envelope; ``field`` names the culprit (CLI: exit 2)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class LegalBasis:
    """The recorded act that allows a direct send (¶37, ¶44)."""

    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class Envelope:
    """A validated envelope. ``direct`` is True when the sender asks to send straight.

    ``date`` is the letter's date, or for incoming matters (court-request-forward,
    special-procedure-forward) the day the sender received the item.
    """

    kind: str
    sender: str
    recipient: str
    date: date
    direct: bool = False
    urgent_needed_by: date | None = None
    legal_basis: LegalBasis | None = None
    planned_send_date: date | None = None
    reply_deadline: date | None = None
    language: str | None = None
    communication_language: str | None = None
    signed_by_first_head: bool | None = None


def _text(data: Mapping[str, Any], field: str) -> str:
    value = data[field]
    if not isinstance(value, str) or not value:
        raise EnvelopeError(field, f"must be a non-empty string, got {value!r}")
    return value


def _date(data: Mapping[str, Any], field: str) -> date | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise EnvelopeError(field, f"must be an ISO date YYYY-MM-DD, got {value!r}")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise EnvelopeError(field, f"is not a calendar date: {value!r}") from None
    if not SPAN_START <= parsed <= SPAN_END:
        raise EnvelopeError(
            field,
            f"{value} is outside the working-day calendar "
            f"({SPAN_START.isoformat()}..{SPAN_END.isoformat()})",
        )
    return parsed


def _party(data: Mapping[str, Any], field: str) -> str:
    code = _text(data, field)
    if not parties.is_party(code):
        raise EnvelopeError(
            field,
            f"unknown party code {code!r} (see RULES.md; agencies are AGENCY:<ID>, "
            "ID of A-Z, 0-9, _)",
        )
    return code


def _language(data: Mapping[str, Any], field: str) -> str | None:
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise EnvelopeError(field, f"must be a language tag such as 'en' or 'kk', got {value!r}")
    return value.lower()


def _legal_basis(data: Mapping[str, Any]) -> LegalBasis | None:
    value = data.get("legal_basis")
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise EnvelopeError("legal_basis", "must be an object with 'kind' and 'ref'")
    extra = sorted(set(value) - {"kind", "ref"})
    if extra:
        raise EnvelopeError(f"legal_basis.{extra[0]}", "unknown field")
    for key in ("kind", "ref"):
        if key not in value:
            raise EnvelopeError(f"legal_basis.{key}", "required")
    kind, ref = value["kind"], value["ref"]
    if not isinstance(kind, str) or kind not in LEGAL_BASIS_KINDS:
        raise EnvelopeError(
            "legal_basis.kind",
            f"unknown value {kind!r}; one of {', '.join(sorted(LEGAL_BASIS_KINDS))}",
        )
    if not isinstance(ref, str) or not ref.strip():
        raise EnvelopeError(
            "legal_basis.ref", "must name the act, e.g. 'Agreement of 12.05.2019, art. 7'"
        )
    return LegalBasis(kind, ref)


def parse_envelope(data: Mapping[str, Any]) -> Envelope:
    """Validate a decoded JSON envelope and return it typed.

    Optional fields a kind does not use are still validated, then ignored, so
    that one XML letter header can carry the same fields for every kind.
    Raises EnvelopeError naming the first bad field.
    """
    if not isinstance(data, Mapping):
        raise EnvelopeError("envelope", "must be a JSON object")
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        raise EnvelopeError(str(sorted(map(str, unknown))[0]), "unknown field")
    for field in REQUIRED:
        if field not in data:
            raise EnvelopeError(field, "required")
    kind = _text(data, "kind")
    spec = KINDS.get(kind)
    if spec is None:
        raise EnvelopeError("kind", f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    sender = _party(data, "sender")
    if not spec.senders.accepts(sender):
        raise EnvelopeError("sender", f"{kind} is sent by {spec.senders.describe}, not {sender}")
    recipient = _party(data, "recipient")
    if not spec.recipients.accepts(recipient):
        raise EnvelopeError(
            "recipient", f"{kind} goes to {spec.recipients.describe}, not {recipient}"
        )
    if recipient == sender:
        raise EnvelopeError("recipient", "is the sender itself")
    for field in spec.required:
        if data.get(field) is None:
            raise EnvelopeError(field, f"required for {kind} ({spec.paragraphs})")
    send = data.get("send")
    if send not in (None, "direct"):
        raise EnvelopeError("send", f"must be 'direct' or absent, got {send!r}")
    signed = data.get("signed_by_first_head")
    if signed is not None and not isinstance(signed, bool):
        raise EnvelopeError("signed_by_first_head", f"must be true or false, got {signed!r}")
    letter_date = _date(data, "date")
    assert letter_date is not None  # required above
    urgent = _date(data, "urgent_needed_by")
    if urgent is not None and urgent < letter_date:
        raise EnvelopeError("urgent_needed_by", "precedes the letter's date")
    planned = _date(data, "planned_send_date")
    if planned is not None and planned < letter_date:
        raise EnvelopeError("planned_send_date", "precedes the letter's date")
    return Envelope(
        kind=kind,
        sender=sender,
        recipient=recipient,
        date=letter_date,
        direct=send == "direct",
        urgent_needed_by=urgent,
        legal_basis=_legal_basis(data),
        planned_send_date=planned,
        reply_deadline=_date(data, "reply_deadline"),
        language=_language(data, "language"),
        communication_language=_language(data, "communication_language"),
        signed_by_first_head=signed,
    )
