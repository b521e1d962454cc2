"""parse_envelope: every invalid input is rejected with the field that is wrong (CLI exit 2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from routing.envelope import Envelope, EnvelopeError, LegalBasis, parse_envelope

BASE: dict[str, Any] = {
    "kind": "foreign-letter",
    "sender": "AGENCY:MINHEALTH",
    "recipient": "DIPLOMATIC_MISSION",
    "date": "2026-03-19",
}
REPLY: dict[str, Any] = {
    "kind": "special-procedure-reply",
    "sender": "MFA",
    "recipient": "SPECIAL_PROCEDURE",
    "date": "2026-03-19",
    "reply_deadline": "2026-04-30",
    "language": "en",
    "communication_language": "en",
    "signed_by_first_head": True,
}


def without(data: dict[str, Any], field: str) -> dict[str, Any]:
    return {key: value for key, value in data.items() if key != field}


# (id, input, the field EnvelopeError must name)
INVALID: list[tuple[str, Any, str]] = [
    ("not-an-object", ["foreign-letter"], "envelope"),
    ("unknown-field", {**BASE, "priority": "high"}, "priority"),
    *[(f"missing-{field}", without(BASE, field), field) for field in BASE],
    ("kind-unknown", {**BASE, "kind": "memo"}, "kind"),
    ("kind-not-text", {**BASE, "kind": 7}, "kind"),
    ("sender-unknown", {**BASE, "sender": "MINHEALTH"}, "sender"),
    ("sender-lowercase-agency", {**BASE, "sender": "AGENCY:minhealth"}, "sender"),
    ("sender-foreign", {**BASE, "sender": "WTO"}, "sender"),
    ("sender-nce-foreign-letter", {**BASE, "sender": "NCE"}, "sender"),
    ("recipient-domestic", {**BASE, "recipient": "MFA"}, "recipient"),
    (
        "reply-to-a-court",
        {**BASE, "kind": "special-procedure-reply", "recipient": "INTL_COURT"},
        "recipient",
    ),
    (
        "recipient-is-sender",
        {**BASE, "kind": "court-request-forward", "recipient": BASE["sender"]},
        "recipient",
    ),
    (
        "practice-reply-not-supreme-court",
        {**BASE, "kind": "court-practice-reply", "recipient": "INTL_COURT"},
        "sender",
    ),
    (
        "nce-application-not-nce",
        {**BASE, "kind": "nce-court-application", "recipient": "INTL_COURT"},
        "sender",
    ),
    (
        "court-reply-to-organisation",
        {**BASE, "kind": "court-reply", "recipient": "INTL_ORG"},
        "recipient",
    ),
    ("date-format", {**BASE, "date": "19.03.2026"}, "date"),
    ("date-impossible", {**BASE, "date": "2026-02-30"}, "date"),
    ("date-not-text", {**BASE, "date": 20260319}, "date"),
    ("send-unknown", {**BASE, "send": "via-mfa"}, "send"),
    ("urgent-before-date", {**BASE, "urgent_needed_by": "2026-03-18"}, "urgent_needed_by"),
    ("urgent-format", {**BASE, "urgent_needed_by": "soon"}, "urgent_needed_by"),
    ("planned-before-date", {**BASE, "planned_send_date": "2026-03-01"}, "planned_send_date"),
    ("legal-basis-not-object", {**BASE, "legal_basis": "law"}, "legal_basis"),
    (
        "legal-basis-kind-unknown",
        {**BASE, "legal_basis": {"kind": "decree", "ref": "x"}},
        "legal_basis.kind",
    ),
    (
        "legal-basis-kind-list",
        {**BASE, "legal_basis": {"kind": ["law"], "ref": "x"}},
        "legal_basis.kind",
    ),
    ("legal-basis-ref-missing", {**BASE, "legal_basis": {"kind": "law"}}, "legal_basis.ref"),
    (
        "legal-basis-ref-blank",
        {**BASE, "legal_basis": {"kind": "law", "ref": " "}},
        "legal_basis.ref",
    ),
    (
        "legal-basis-extra",
        {**BASE, "legal_basis": {"kind": "law", "ref": "x", "y": 1}},
        "legal_basis.y",
    ),
    ("signed-not-bool", {**REPLY, "signed_by_first_head": "yes"}, "signed_by_first_head"),
    ("language-not-a-tag", {**REPLY, "language": "English"}, "language"),
    *[
        (f"reply-needs-{field}", without(REPLY, field), field)
        for field in (
            "reply_deadline",
            "language",
            "communication_language",
            "signed_by_first_head",
        )
    ],
    (
        "info-needs-signature-flag",
        {**BASE, "kind": "special-procedure-info", "recipient": "MFA"},
        "signed_by_first_head",
    ),
]


@pytest.mark.parametrize(
    ("data", "field"), [row[1:] for row in INVALID], ids=[row[0] for row in INVALID]
)
def test_invalid_envelope_names_the_field(data: Any, field: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert "\n" not in str(caught.value)


def test_full_envelope_is_typed() -> None:
    data = {
        **BASE,
        "send": "direct",
        "urgent_needed_by": "2026-03-23",
        "legal_basis": {"kind": "ratified-treaty", "ref": "Agreement of 12.05.2019, art. 7"},
        "planned_send_date": "2026-05-04",
        "reply_deadline": "2026-04-30",
        "language": "en",
        "communication_language": "en",
        "signed_by_first_head": True,
    }
    assert parse_envelope(data) == Envelope(
        kind="foreign-letter",
        sender="AGENCY:MINHEALTH",
        recipient="DIPLOMATIC_MISSION",
        date=date(2026, 3, 19),
        direct=True,
        urgent_needed_by=date(2026, 3, 23),
        legal_basis=LegalBasis("ratified-treaty", "Agreement of 12.05.2019, art. 7"),
        planned_send_date=date(2026, 5, 4),
        reply_deadline=date(2026, 4, 30),
        language="en",
        communication_language="en",
        signed_by_first_head=True,
    )


def test_minimal_envelope_defaults() -> None:
    parsed = parse_envelope(BASE)
    assert parsed.direct is False
    assert parsed.legal_basis is None
