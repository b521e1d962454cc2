"""Every route and exception of ¶36–44, ¶50 and ¶14-5–14-9, one table row each.

Each row: the envelope fields that differ from BASE, and the parts of the
contract's JSON plan (contracts/route-plan.md) the Rules fix for that letter.
"""

from __future__ import annotations

from typing import Any

import pytest

from routing.envelope import parse_envelope
from routing.planner import plan

BASE: dict[str, Any] = {
    "kind": "foreign-letter",
    "sender": "AGENCY:MINHEALTH",
    "recipient": "DIPLOMATIC_MISSION",
    "date": "2026-03-19",  # a Thursday
}
A = "AGENCY:MINHEALTH"
B = "AGENCY:MINJUST_X"
TREATY = {"kind": "ratified-treaty", "ref": "Agreement of 12.05.2019, art. 7"}


def envelope(**fields: Any) -> dict[str, Any]:
    """BASE with ``fields`` replaced; a value of None drops the field."""
    merged = {**BASE, **fields}
    return {key: value for key, value in merged.items() if value is not None}


def plan_json(**fields: Any) -> dict[str, Any]:
    """The contract's JSON plan of ``envelope(**fields)``."""
    return plan(parse_envelope(envelope(**fields))).to_dict()


def basis(kind: str) -> dict[str, str]:
    return {"kind": kind, "ref": f"{kind} No. 1"}


def agree_40(by: str, *to: str) -> dict[str, Any]:
    """¶40 «20 (жиырма) жұмыс күні ішінде … келіседі»: the initiator obtains the agreement.

    20 wd from Thu 19 Mar 2026 (Nauryz 21-25 Mar off): 21 Apr.
    """
    return {
        "by": by,
        "to": list(to),
        "within_wd": 20,
        "from": "receipt",
        "due": "2026-04-21",
        "rule": "¶40",
    }


# (id, envelope fields, expected subset of the plan)
ALLOWED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # --- ¶44: through MFA ---
    *[
        (
            f"44-via-mfa-{recipient}",
            {"recipient": recipient},
            {
                "route": [A, "MFA", recipient],
                "channel": "diplomatic",
                "copies": [],
                "after_send": [],
                "steps": [],
                "rules": ["¶44"],
            },
        )
        for recipient in ("FOREIGN_STATE_BODY", "DIPLOMATIC_MISSION", "INTL_ORG")
    ],
    (
        "44-mfa-itself-sends",
        {"sender": "MFA"},
        {"route": ["MFA", "DIPLOMATIC_MISSION"], "channel": "diplomatic"},
    ),
    (
        "44-treaty-body-is-an-organisation",
        {"recipient": "TREATY_BODY"},
        {"route": [A, "MFA", "TREATY_BODY"], "rules": ["¶14-11", "¶44"]},
    ),
    # --- ¶44 five-day exception: direct, MFA notified afterwards ---
    *[
        (
            f"44-urgent-{needed}",
            {"send": "direct", "urgent_needed_by": needed},
            {
                "route": [A, "DIPLOMATIC_MISSION"],
                "channel": "direct",
                "after_send": [{"party": "MFA", "action": "notify", "rule": "¶44"}],
                "rules": ["¶44"],
            },
        )
        for needed in ("2026-03-19", "2026-03-24")  # same day; five calendar days on
    ],
    # --- ¶44 legal basis: direct, nothing owed afterwards ---
    *[
        (
            f"44-legal-basis-{kind}",
            {"send": "direct", "legal_basis": basis(kind), "recipient": "INTL_ORG"},
            {"route": [A, "INTL_ORG"], "channel": "direct", "after_send": [], "rules": ["¶44"]},
        )
        for kind in ("law", "president-act", "government-act", "treaty-in-force")
    ],
    (
        "44-basis-and-urgency-no-notice-needed",
        {"send": "direct", "legal_basis": basis("law"), "urgent_needed_by": "2026-03-20"},
        {"route": [A, "DIPLOMATIC_MISSION"], "after_send": []},
    ),
    # --- ¶14-10: MFA invites a special procedure through diplomatic channels ---
    (
        "14-10-invitation",
        {"sender": "MFA", "recipient": "SPECIAL_PROCEDURE", "invitation_source": "ombudsman"},
        {"route": ["MFA", "SPECIAL_PROCEDURE"], "channel": "diplomatic", "rules": ["¶14-10"]},
    ),
    # --- ¶42, ¶44: the WTO directly ---
    (
        "44-wto-direct",
        {"recipient": "WTO"},
        {"route": [A, "WTO"], "channel": "direct", "after_send": [], "rules": ["¶42", "¶44"]},
    ),
    (
        "44-wto-direct-asked",
        {"recipient": "WTO", "send": "direct"},
        {"route": [A, "WTO"], "after_send": []},
    ),
    # --- ¶14-2, ¶42: the EEC through diplomatic channels after agreement with MTI ---
    (
        "42-eec-agreed-with-mti",
        {"recipient": "EEC", "planned_send_date": "2026-03-28"},  # a Saturday
        {
            "route": [A, "MFA", "EEC"],
            "channel": "diplomatic",
            "steps": [
                {"by": A, "to": ["MTI"], "before_send_wd": 0, "due": "2026-03-27", "rule": "¶14-2"}
            ],
            "rules": ["¶14-2", "¶14-3", "¶42", "¶44"],
        },
    ),
    ("42-eec-from-mti", {"recipient": "EEC", "sender": "MTI"}, {"steps": []}),
    # --- ¶50: Chapter 6 does not bind PA and GO ---
    (
        "50-pa-default-via-mfa",
        {"sender": "PA"},
        {"route": ["PA", "MFA", "DIPLOMATIC_MISSION"], "rules": ["¶50"]},
    ),
    (
        "50-go-direct-needs-no-reason",
        {"sender": "GO", "send": "direct", "recipient": "FOREIGN_STATE_BODY"},
        {"route": ["GO", "FOREIGN_STATE_BODY"], "after_send": [], "rules": ["¶50"]},
    ),
    # --- ¶37: other information for a judicial body ---
    (
        "37-information-via-mfa",
        {"recipient": "INTL_COURT"},
        {"route": [A, "MFA", "INTL_COURT"], "channel": "diplomatic", "rules": ["¶37"]},
    ),
    *[
        (
            f"37-direct-{kind}",
            {
                "kind": "court-reply",
                "recipient": "INTL_COURT",
                "send": "direct",
                "legal_basis": basis(kind),
            },
            {"route": [A, "INTL_COURT"], "channel": "direct", "after_send": [], "rules": ["¶37"]},
        )
        for kind in (
            "ratified-treaty",
            "president-instruction",
            "pa-instruction",
            "pm-instruction",
            "deputy-pm-instruction",
        )
    ],
    (
        "37-pa-to-court-direct-with-basis",
        {"sender": "PA", "recipient": "EAEU_COURT", "send": "direct", "legal_basis": TREATY},
        {"route": ["PA", "EAEU_COURT"], "rules": ["¶37"]},
    ),
    # --- ¶37: the consolidated reply ---
    (
        "37-reply-via-mfa",
        {"kind": "court-reply", "recipient": "INTL_COURT"},
        {"route": [A, "MFA", "INTL_COURT"], "channel": "diplomatic", "steps": [], "rules": ["¶37"]},
    ),
    (
        "37-40-eaeu-reply-via-moj",
        {"kind": "court-reply", "recipient": "EAEU_COURT"},
        {
            "route": [A, "MOJ", "MFA", "EAEU_COURT"],
            "channel": "diplomatic",
            "steps": [
                {"by": "MOJ", "to": ["MFA"], "within_wd": 5, "from": "receipt", "rule": "¶40"}
            ],
            "rules": ["¶37", "¶40"],
        },
    ),
    (
        "37-40-eaeu-reply-by-moj",
        {"kind": "court-reply", "recipient": "EAEU_COURT", "sender": "MOJ"},
        {
            "route": ["MOJ", "MFA", "EAEU_COURT"],
            "steps": [
                {
                    "by": "MOJ",
                    "to": ["MFA"],
                    "within_wd": 5,
                    "from": "receipt",
                    "due": "2026-03-31",  # 20 Mar, then 21-25 Mar Nauryz off: 26, 27, 30, 31
                    "rule": "¶40",
                }
            ],
        },
    ),
    (
        # ¶37 part 2 «Одақ Сотының сұрау салуына шоғырландырылған жауап Әділет министрлігіне
        # жіберіледі»: to MOJ whoever prepared it, MFA included (issue 12, fix 2).
        "37-40-eaeu-reply-by-mfa-goes-to-moj",
        {"kind": "court-reply", "recipient": "EAEU_COURT", "sender": "MFA"},
        {
            "route": ["MFA", "MOJ", "MFA", "EAEU_COURT"],
            "channel": "diplomatic",
            "steps": [
                {"by": "MOJ", "to": ["MFA"], "within_wd": 5, "from": "receipt", "rule": "¶40"}
            ],
        },
    ),
    (
        "37-eaeu-reply-direct-skips-moj",
        {"kind": "court-reply", "recipient": "EAEU_COURT", "send": "direct", "legal_basis": TREATY},
        # ¶40 stays cited: the route it prescribes (via MOJ) is the one set aside.
        {"route": [A, "EAEU_COURT"], "steps": [], "rules": ["¶37", "¶40"]},
    ),
    # --- ¶36: forwarding an incoming request ---
    (
        "36-forward",
        {"kind": "court-request-forward", "recipient": B},
        {
            "route": [A, B],
            "channel": "direct",
            "copies": [],  # ¶36 «қарау үшін»: addressees owing an answer, not copies
            "steps": [
                {
                    "by": A,
                    "to": sorted([B, "MFA", "MOJ", "MTI"]),
                    "within_wd": 3,
                    "from": "receipt",
                    "due": "2026-03-27",
                    "rule": "¶36",
                },
                *[
                    {"by": party, "to": [A], "within_wd": 10, "from": "receipt", "rule": "¶36"}
                    for party in ("MFA", "MOJ", "MTI", B)
                ],
            ],
            "rules": ["¶36"],
        },
    ),
    (
        "36-forward-to-moj",
        {"kind": "court-request-forward", "recipient": "MOJ"},
        {
            "copies": [],
            "steps": [
                {
                    "by": A,
                    "to": ["MFA", "MOJ", "MTI"],
                    "within_wd": 3,
                    "from": "receipt",
                    "due": "2026-03-27",
                    "rule": "¶36",
                },
                *[
                    {"by": party, "to": [A], "within_wd": 10, "from": "receipt", "rule": "¶36"}
                    for party in ("MFA", "MOJ", "MTI")
                ],
            ],
        },
    ),
    # --- ¶38: the Supreme Court's reply on judicial practice ---
    (
        "38-practice-reply",
        {"kind": "court-practice-reply", "sender": "SUPREME_COURT", "recipient": "INTL_COURT"},
        {
            "route": ["SUPREME_COURT", "MFA", "INTL_COURT"],
            "channel": "diplomatic",
            "copies": ["MFA", "MOJ", "MTI"],
            "rules": ["¶37", "¶38"],
        },
    ),
    (
        # ¶40 part 3 covers only «37-тармағының екінші абзацында және 40-тармағында» letters:
        # no MOJ leg and no MOJ 5 wd for ¶38 (issue 12, fix 3).
        "38-practice-reply-eaeu-no-moj-leg",
        {"kind": "court-practice-reply", "sender": "SUPREME_COURT", "recipient": "EAEU_COURT"},
        {
            "route": ["SUPREME_COURT", "MFA", "EAEU_COURT"],
            "copies": ["MFA", "MOJ", "MTI"],
            "steps": [],
            "rules": ["¶37", "¶38"],
        },
    ),
    # --- ¶39–40: applications ---
    (
        "39-40-application",
        {"kind": "court-application", "recipient": "INTL_COURT", "planned_send_date": "2026-05-04"},
        {
            "route": [A, "MFA", "INTL_COURT"],
            "channel": "diplomatic",
            "steps": [
                agree_40(A, "MFA", "MOJ", "MTI"),
                # 10 wd before Mon 4 May 2026: 30, 29, 28, 27, 24, 23, 22, 21, 20, 17 Apr.
                {
                    "by": A,
                    "to": ["GO", "PA"],
                    "before_send_wd": 10,
                    "due": "2026-04-17",
                    "rule": "¶40",
                },
            ],
            "rules": ["¶39", "¶40"],
        },
    ),
    (
        "39-40-application-eaeu-via-moj",
        {"kind": "court-application", "recipient": "EAEU_COURT"},
        {
            "route": [A, "MOJ", "MFA", "EAEU_COURT"],
            "steps": [
                agree_40(A, "MFA", "MOJ", "MTI"),
                {"by": A, "to": ["GO", "PA"], "before_send_wd": 10, "rule": "¶40"},
                {"by": "MOJ", "to": ["MFA"], "within_wd": 5, "from": "receipt", "rule": "¶40"},
            ],
        },
    ),
    (
        "40-application-by-mti-agrees-with-the-others",
        {"kind": "court-application", "recipient": "INTL_COURT", "sender": "MTI"},
        {
            "steps": [
                agree_40("MTI", "MFA", "MOJ"),
                {"by": "MTI", "to": ["GO", "PA"], "before_send_wd": 10, "rule": "¶40"},
            ]
        },
    ),
    # --- ¶41: the NCE ---
    (
        "41-nce",
        {"kind": "nce-court-application", "sender": "NCE", "recipient": "INTL_COURT"},
        {
            "route": ["NCE", "INTL_COURT"],
            "channel": "direct",
            "steps": [
                {"by": "NCE", "to": ["MFA", "MOJ", "MTI"], "before_send_wd": 10, "rule": "¶41"}
            ],
            "rules": ["¶41"],
        },
    ),
    # --- ¶14-5: MFA forwards a special procedure's communication ---
    (
        "14-5-forward",
        {"kind": "special-procedure-forward", "sender": "MFA", "recipient": B},
        {
            "route": ["MFA", B],
            "copies": ["OMBUDSMAN"],
            "steps": [
                {
                    "by": "MFA",
                    "to": sorted([B, "OMBUDSMAN"]),
                    "within_wd": 5,
                    "from": "receipt",
                    "due": "2026-03-31",  # 20, 26, 27, 30, 31 Mar: Nauryz 21-25 Mar is off
                    "rule": "¶14-5",
                }
            ],
            "rules": ["¶14-5"],
        },
    ),
    # --- ¶14-6, ¶14-7: the competent body's information to MFA ---
    (
        "14-7-info",
        {"kind": "special-procedure-info", "recipient": "MFA", "signed_by_first_head": True},
        {"route": [A, "MFA"], "channel": "direct", "steps": [], "rules": ["¶14-6", "¶14-7"]},
    ),
    # --- ¶14-8, ¶14-9: MFA's reply ---
    (
        "14-8-reply",
        {
            "kind": "special-procedure-reply",
            "sender": "MFA",
            "recipient": "SPECIAL_PROCEDURE",
            "reply_deadline": "2026-05-09",  # a Saturday (Victory Day): moved back to Fri 8 May
            "planned_send_date": "2026-05-04",
            "language": "en",
            "communication_language": "en",
            "signed_by_first_head": True,
        },
        {
            "route": ["MFA", "SPECIAL_PROCEDURE"],
            "channel": "diplomatic",
            "copies": [],
            "steps": [
                {"by": "MFA", "to": ["SPECIAL_PROCEDURE"], "due": "2026-05-08", "rule": "¶14-8"},
                {
                    "by": "MFA",
                    "to": ["OMBUDSMAN", "PA"],
                    "within_wd": 10,
                    "from": "send",
                    # 5, 6, 8, 12, 13, 14, 15, 18, 19, 20 May (7 May, 11 May off)
                    "due": "2026-05-20",
                    "rule": "¶14-9",
                },
            ],
            "rules": ["¶14-6", "¶14-8", "¶14-9"],
        },
    ),
]

REPLY = {
    "kind": "special-procedure-reply",
    "sender": "MFA",
    "recipient": "SPECIAL_PROCEDURE",
    "reply_deadline": "2026-04-30",
    "language": "en",
    "communication_language": "en",
    "signed_by_first_head": True,
}

INVITE = {"invitation_source": "competent-bodies"}

# (id, envelope fields, ¶ of the refusal)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("44-direct-without-reason", {"send": "direct"}, "¶44"),
    ("44-urgent-six-days", {"send": "direct", "urgent_needed_by": "2026-03-25"}, "¶44"),
    *[
        (
            f"44-instruction-is-not-an-act-{kind}",
            {"send": "direct", "legal_basis": basis(kind)},
            "¶44",
        )
        for kind in (
            "president-instruction",
            "pa-instruction",
            "pm-instruction",
            "deputy-pm-instruction",
        )
    ],
    ("44-eec-direct", {"recipient": "EEC", "send": "direct"}, "¶44"),
    ("14-10-only-mfa-invites", {"recipient": "SPECIAL_PROCEDURE", **INVITE}, "¶14-10"),
    (
        "14-10-not-even-urgently",
        {
            "recipient": "SPECIAL_PROCEDURE",
            "send": "direct",
            "urgent_needed_by": "2026-03-20",
            **INVITE,
        },
        "¶14-10",
    ),
    ("14-10-pa-too", {"sender": "PA", "recipient": "SPECIAL_PROCEDURE", **INVITE}, "¶14-10"),
    ("44-treaty-body-direct", {"recipient": "TREATY_BODY", "send": "direct"}, "¶44"),
    # ¶37: courts never take the five-day exception, and only ¶37's bases
    *[
        (
            f"37-{kind}-{recipient}-urgent",
            {
                "kind": kind,
                "recipient": recipient,
                "send": "direct",
                "urgent_needed_by": "2026-03-20",
            },
            "¶39" if kind == "court-application" else "¶37",
        )
        for kind in ("foreign-letter", "court-reply", "court-application")
        for recipient in ("INTL_COURT", "EAEU_COURT")
    ],
    *[
        (
            f"37-not-a-court-basis-{kind}",
            {
                "kind": "court-reply",
                "recipient": "INTL_COURT",
                "send": "direct",
                "legal_basis": basis(kind),
            },
            "¶37",
        )
        for kind in ("law", "treaty-in-force", "president-act", "government-act")
    ],
    (
        "37-practice-reply-direct",
        {
            "kind": "court-practice-reply",
            "sender": "SUPREME_COURT",
            "recipient": "INTL_COURT",
            "send": "direct",
        },
        "¶37",
    ),
    (
        "37-pa-direct-to-court-no-basis",
        {"sender": "PA", "recipient": "INTL_COURT", "send": "direct"},
        "¶37",
    ),
    ("14-5-only-mfa-forwards", {"kind": "special-procedure-forward", "recipient": B}, "¶14-5"),
    (
        "14-6-info-never-to-the-procedure",
        {
            "kind": "special-procedure-info",
            "recipient": "SPECIAL_PROCEDURE",
            "signed_by_first_head": True,
        },
        "¶14-6",
    ),
    (
        "14-7-info-signed-by-first-head",
        {"kind": "special-procedure-info", "recipient": "MFA", "signed_by_first_head": False},
        "¶14-7",
    ),
    ("14-6-only-mfa-replies", {**REPLY, "sender": A}, "¶14-6"),
    ("14-8-first-head", {**REPLY, "signed_by_first_head": False}, "¶14-8"),
    ("14-8-language", {**REPLY, "language": "ru"}, "¶14-8"),
    ("14-8-late", {**REPLY, "planned_send_date": "2026-05-04"}, "¶14-8"),
    ("14-8-dated-after-deadline", {**REPLY, "date": "2026-05-04"}, "¶14-8"),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [row[1:] for row in ALLOWED], ids=[row[0] for row in ALLOWED]
)
def test_allowed_plan(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    result = plan_json(**fields)
    assert result["allowed"] is True
    assert result["refusal"] is None
    assert {key: result[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("fields", "paragraph"), [row[1:] for row in REFUSED], ids=[row[0] for row in REFUSED]
)
def test_refused_plan(fields: dict[str, Any], paragraph: str) -> None:
    result = plan_json(**fields)
    assert result["allowed"] is False
    assert result["refusal"]["rule"] == paragraph
    assert paragraph in result["rules"]
    assert result["refusal"]["reason"]
    assert result["after_send"] == []
    assert result["steps"] == []


def test_refusal_explains_why_the_urgency_does_not_count() -> None:
    reason = plan_json(send="direct", urgent_needed_by="2026-03-25")["refusal"]["reason"]
    assert "6 days" in reason
    assert "five" in reason


def test_plan_has_typed_attributes() -> None:
    result = plan(parse_envelope(envelope(send="direct", urgent_needed_by="2026-03-20")))
    assert result.allowed
    assert result.channel == "direct"
    assert result.route == (A, "DIPLOMATIC_MISSION")
    assert [a.party for a in result.after_send] == ["MFA"]
    assert result.rules == ("¶44",)
    assert result.refusal is None
    assert result.steps == ()


def test_contract_sample_shape() -> None:
    """Every key of the contract's plan, in every plan."""
    keys = {"allowed", "route", "channel", "copies", "after_send", "steps", "rules", "refusal"}
    assert set(plan_json()) == keys


def test_a_deadline_beyond_the_calendar_is_left_undated() -> None:
    result = plan_json(kind="court-request-forward", recipient=B, date="2060-12-30")
    assert result["allowed"] is True
    assert all("due" not in step for step in result["steps"])
