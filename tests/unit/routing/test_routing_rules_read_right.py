"""Issue 12: the Rules read right against the Kazakh text, and applied as in force on the date.

Each row's id names the ¶ and the Kazakh phrase that decides it; every row failed
on the planner before issue 12.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.envelope import EnvelopeError, parse_envelope
from routing.history import HISTORY, Status, in_force, status
from routing.planner import plan
from routing.rules import RULES, rule_for

A = "AGENCY:MINHEALTH"
B = "AGENCY:MININTERNAL"
DAY = "2026-03-19"  # a Thursday; Nauryz 21-25 Mar is off


def plan_json(**fields: Any) -> dict[str, Any]:
    envelope = {"kind": "foreign-letter", "sender": A, "recipient": "INTL_ORG", "date": DAY}
    envelope.update(fields)
    return plan(parse_envelope(envelope)).to_dict()


def basis(kind: str) -> dict[str, str]:
    return {"kind": kind, "ref": f"{kind} No. 1"}


SP_REPLY = {
    "kind": "special-procedure-reply",
    "sender": "MFA",
    "recipient": "SPECIAL_PROCEDURE",
    "reply_deadline": "2026-04-30",
    "signed_by_first_head": True,
}

# (id citing ¶ and phrase, envelope fields, expected subset of the plan)
ALLOWED: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    (
        "¶40 «20 (жиырма) жұмыс күні ішінде … келіседі»: the initiator obtains agreement",
        {"kind": "court-application", "recipient": "INTL_COURT"},
        {
            "steps": [
                {
                    "by": A,
                    "to": ["MFA", "MOJ", "MTI"],
                    "within_wd": 20,
                    "from": "receipt",
                    "due": "2026-04-21",
                    "rule": "¶40",
                },
                {"by": A, "to": ["GO", "PA"], "before_send_wd": 10, "rule": "¶40"},
            ]
        },
    ),
    (
        "¶37 part 2 «Одақ Сотының сұрау салуына … жауап Әділет министрлігіне жіберіледі»: MFA too",
        {"kind": "court-reply", "sender": "MFA", "recipient": "EAEU_COURT"},
        {"route": ["MFA", "MOJ", "MFA", "EAEU_COURT"], "channel": "diplomatic"},
    ),
    (
        "¶40 part 2 «өтінішті Әділет министрлігіне жібереді»: MFA's application goes to MOJ",
        {"kind": "court-application", "sender": "MFA", "recipient": "EAEU_COURT"},
        {
            "route": ["MFA", "MOJ", "MFA", "EAEU_COURT"],
            "steps": [
                {
                    "by": "MFA",
                    "to": ["MOJ", "MTI"],
                    "within_wd": 20,
                    "from": "receipt",
                    "due": "2026-04-21",
                    "rule": "¶40",
                },
                {"by": "MFA", "to": ["GO", "PA"], "before_send_wd": 10, "rule": "¶40"},
                {"by": "MOJ", "to": ["MFA"], "within_wd": 5, "from": "receipt", "rule": "¶40"},
            ],
        },
    ),
    (
        "¶38 «хабардар ету мақсатында»: no MOJ leg, no MOJ 5 wd, copies for information",
        {"kind": "court-practice-reply", "sender": "SUPREME_COURT", "recipient": "EAEU_COURT"},
        {
            "route": ["SUPREME_COURT", "MFA", "EAEU_COURT"],
            "copies": ["MFA", "MOJ", "MTI"],
            "steps": [],
            "rules": ["¶37", "¶38"],
        },
    ),
    (
        "¶1 «орталық мемлекеттік органдар»: the Supreme Court is not one, ¶44 does not route it",
        {"sender": "SUPREME_COURT", "recipient": "FOREIGN_STATE_BODY"},
        {
            "allowed": True,
            "route": ["SUPREME_COURT", "FOREIGN_STATE_BODY"],
            "channel": "direct",
            "steps": [],
            "rules": [],
        },
    ),
    (
        "¶37 «мемлекеттік орган»: Chapter 5 still binds the Supreme Court",
        {"sender": "SUPREME_COURT", "recipient": "INTL_COURT"},
        {"route": ["SUPREME_COURT", "MFA", "INTL_COURT"], "rules": ["¶37"]},
    ),
    (
        "¶36 «қарау үшін»: addressees owe an answer in 10 wd, they are not copies",
        {"kind": "court-request-forward", "recipient": B},
        {"copies": []},
    ),
    (
        "¶14-8 «хабарламалардың … тілінде»: en-GB answers a communication in en",
        {**SP_REPLY, "language": "en-GB", "communication_language": "en"},
        {"allowed": True, "rules": ["¶14-6", "¶14-8", "¶14-9"]},
    ),
]

REFUSED: list[tuple[str, dict[str, Any], str]] = [
    *[
        (
            f"¶39 «дипломатиялық арналар бойынша», no exception: direct on a {kind}",
            {
                "kind": "court-application",
                "recipient": recipient,
                "send": "direct",
                "legal_basis": basis(kind),
            },
            "¶39",
        )
        for kind in ("pm-instruction", "president-instruction", "ratified-treaty")
        for recipient in ("INTL_COURT", "EAEU_COURT")
    ],
    (
        "¶44 «күшіне енген … халықаралық шарттарында»: a ratified treaty not shown in force",
        {"send": "direct", "legal_basis": basis("ratified-treaty")},
        "¶44",
    ),
    (
        "¶14-8 «хабарламалардың … тілінде»: fr-CA does not answer en",
        {**SP_REPLY, "language": "fr-CA", "communication_language": "en"},
        "¶14-8",
    ),
]


@pytest.mark.parametrize(
    ("fields", "expected"), [r[1:] for r in ALLOWED], ids=[r[0] for r in ALLOWED]
)
def test_allowed(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    result = plan_json(**fields)
    assert result["allowed"] is True, result
    assert {key: result[key] for key in expected} == expected


@pytest.mark.parametrize(("fields", "rule"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused(fields: dict[str, Any], rule: str) -> None:
    result = plan_json(**fields)
    assert result["allowed"] is False
    assert result["refusal"]["rule"] == rule
    assert result["steps"] == []


def test_no_moj_5wd_outside_37_part_2_and_40() -> None:
    """¶40 part 3 «37-тармағының екінші абзацында және 40-тармағында көзделген … хаттарының»:
    MOJ's 5 wd exists only for EAEU Court replies (¶37 part 2) and applications (¶40)."""
    for rule in RULES:
        if any(s.by == ("MOJ",) and s.within_wd == 5 for s in rule.steps):
            assert rule.kind in ("court-reply", "court-application"), rule.kind
            assert rule.recipients == ("EAEU_COURT",)


def test_practice_reply_notes_the_request_copy() -> None:
    """¶38 «сұрау салудың және тиісті жауаптың көшірмелерін»: both copies are modelled."""
    result = plan_json(kind="court-practice-reply", sender="SUPREME_COURT", recipient="INTL_COURT")
    assert "copies of the request and of this reply" in result["note"]


# --- Point in time (issue 12, item 10) ---


@pytest.mark.parametrize(
    ("fields", "because"),
    [
        ({"kind": "court-reply", "recipient": "INTL_COURT", "date": "2014-06-02"}, "18.05.2015"),
        ({"kind": "court-request-forward", "recipient": B, "date": "2014-06-02"}, "18.05.2015"),
        ({"recipient": "DIPLOMATIC_MISSION", "date": "2015-03-02"}, "14.01.2016"),
        ({"recipient": "DIPLOMATIC_MISSION", "date": "2016-03-01"}, "not modelled"),
        (
            {
                "kind": "special-procedure-forward",
                "sender": "MFA",
                "recipient": B,
                "date": "2021-06-01",
            },
            "25.01.2022",
        ),
    ],
    ids=["2014-court-reply", "2014-forward", "2015-letter", "2016-letter-old-44", "2021-sp"],
)
def test_a_letter_before_its_rule_owes_nothing_and_says_why(
    fields: dict[str, Any], because: str
) -> None:
    """An auditor checking a 2014 letter must not see a 2015 duty: no ¶, no step, a note."""
    result = plan_json(**fields)
    assert result["allowed"] is True
    assert result["rules"] == []
    assert result["steps"] == []
    assert result["copies"] == []
    assert because in result["note"]


def test_application_before_the_2023_wording_of_40_is_routed_by_39_alone() -> None:
    result = plan_json(kind="court-application", recipient="EAEU_COURT", date="2019-06-03")
    assert result["route"] == [A, "MFA", "EAEU_COURT"]
    assert result["rules"] == ["¶39"]
    assert result["steps"] == []
    assert "¶40" in result["note"]


def test_eec_letter_before_14_2_was_rewritten_has_no_mti_step() -> None:
    result = plan_json(recipient="EEC", date="2018-06-01")
    assert result["rules"] == ["¶44"]
    assert result["steps"] == []
    assert plan_json(recipient="EEC")["steps"][0]["rule"] == "¶14-2"


def test_invitation_before_chapter_2_1_was_a_44_letter() -> None:
    result = plan_json(recipient="SPECIAL_PROCEDURE", date="2020-06-01")
    assert result["route"] == [A, "MFA", "SPECIAL_PROCEDURE"]
    assert result["rules"] == ["¶44"]


def test_history_comes_from_the_notes() -> None:
    """«Қағидалар 5-бөліммен толықтырылды - ҚР Президентінің 18.05.2015 № 23»; «44-тармақ жаңа
    редакцияда - … 13.11.2017 № 582»; «2-1-тараумен толықтырылды – … 25.01.2022 № 786»."""
    assert HISTORY["¶36"].added == date(2015, 5, 18)
    assert HISTORY["¶44"].modelled_from == date(2017, 11, 13)
    assert HISTORY["¶37"].modelled_from == date(2021, 2, 27)
    assert HISTORY["¶40"].modelled_from == date(2023, 4, 13)
    assert HISTORY["¶14-8"].added == date(2022, 1, 25)
    assert status("¶44", date(2016, 5, 5)) is Status.NOT_MODELLED
    assert status("¶44", date(2015, 5, 5)) is Status.NOT_YET
    assert in_force("¶44", date(2017, 11, 13))


KINDS_AND_PARTIES = st.sampled_from(
    [
        ("foreign-letter", A, "DIPLOMATIC_MISSION"),
        ("foreign-letter", A, "EEC"),
        ("foreign-letter", A, "TREATY_BODY"),
        ("foreign-letter", "PA", "INTL_ORG"),
        ("foreign-letter", A, "WTO"),
        ("foreign-letter", "SUPREME_COURT", "INTL_COURT"),
        ("court-request-forward", A, B),
        ("court-reply", A, "EAEU_COURT"),
        ("court-practice-reply", "SUPREME_COURT", "INTL_COURT"),
        ("court-application", "MFA", "EAEU_COURT"),
        ("nce-court-application", "NCE", "INTL_COURT"),
        ("special-procedure-forward", "MFA", B),
        ("incoming-correspondence", "DIPLOMATIC_MISSION", A),
        ("incoming-correspondence", "WTO", "GO"),
    ]
)


@given(KINDS_AND_PARTIES, st.dates(date(2005, 1, 1), date(2030, 12, 31)))
def test_a_plan_cites_only_rules_in_force_on_its_date(
    situation: tuple[str, str, str], day: date
) -> None:
    kind, sender, recipient = situation
    envelope = parse_envelope(
        {"kind": kind, "sender": sender, "recipient": recipient, "date": day.isoformat()}
    )
    result = plan(envelope)
    cited = {*result.rules, *(s.rule for s in result.steps)}
    for ref in cited:
        assert ref not in HISTORY or in_force(ref, day), (ref, day)
    rule = rule_for(envelope)
    assert (rule is None) == (result.note is not None and not result.rules)


# --- Incoming official correspondence (issue 12, item 8) ---


def test_incoming_note_reaches_the_body_through_mfa_with_no_invented_deadline() -> None:
    result = plan_json(kind="incoming-correspondence", sender="DIPLOMATIC_MISSION", recipient=A)
    assert result["route"] == ["DIPLOMATIC_MISSION", "MFA", A]
    assert result["channel"] == "diplomatic"
    assert result["steps"] == []
    assert result["rules"] == ["¶44"]
    assert "no deadline" in result["note"]


def test_incoming_for_mfa_ends_there_and_wto_is_direct() -> None:
    to_mfa = plan_json(kind="incoming-correspondence", sender="INTL_ORG", recipient="MFA")
    assert to_mfa["route"] == ["INTL_ORG", "MFA"]
    wto = plan_json(kind="incoming-correspondence", sender="WTO", recipient=A)
    assert wto["route"] == ["WTO", A]
    assert wto["channel"] == "direct"


def test_incoming_direct_needs_an_act_and_never_the_five_days() -> None:
    urgent = plan_json(
        kind="incoming-correspondence",
        sender="FOREIGN_STATE_BODY",
        recipient=A,
        send="direct",
        urgent_needed_by="2026-03-20",
    )
    assert urgent["allowed"] is False
    assert urgent["refusal"]["rule"] == "¶44"
    by_law = plan_json(
        kind="incoming-correspondence",
        sender="FOREIGN_STATE_BODY",
        recipient=A,
        send="direct",
        legal_basis=basis("law"),
    )
    assert by_law["route"] == ["FOREIGN_STATE_BODY", A]


def test_incoming_from_a_court_is_not_this_kind() -> None:
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(
            {"kind": "incoming-correspondence", "sender": "INTL_COURT", "recipient": A, "date": DAY}
        )
    assert caught.value.field == "sender"


# --- Special procedures (issue 12, item 9) ---


def test_forward_seeds_the_reply_deadline_from_the_communication() -> None:
    """¶14-8 «хабарламаларында … көрсетілген мерзім аяқталғанға дейін», known at ¶14-5."""
    result = plan_json(
        kind="special-procedure-forward", sender="MFA", recipient=B, reply_deadline="2026-05-09"
    )
    assert result["steps"][-1] == {
        "by": "MFA",
        "to": ["SPECIAL_PROCEDURE"],
        "due": "2026-05-08",
        "rule": "¶14-8",
    }
    assert result["rules"] == ["¶14-5", "¶14-8"]


@pytest.mark.parametrize("source", ["competent-bodies", "mfa-initiative", "ombudsman"])
def test_invitation_records_its_source(source: str) -> None:
    """¶14-10 1)–3): the proposal an invitation answers is recorded on the envelope."""
    envelope = parse_envelope(
        {
            "kind": "foreign-letter",
            "sender": "MFA",
            "recipient": "SPECIAL_PROCEDURE",
            "date": DAY,
            "invitation_source": source,
        }
    )
    assert envelope.invitation_source == source


@pytest.mark.parametrize("value", [None, "president"])
def test_invitation_without_a_known_source_is_an_input_error(value: str | None) -> None:
    data = {
        "kind": "foreign-letter",
        "sender": "MFA",
        "recipient": "SPECIAL_PROCEDURE",
        "date": DAY,
    }
    if value is not None:
        data["invitation_source"] = value
    with pytest.raises(EnvelopeError) as caught:
        parse_envelope(data)
    assert caught.value.field == "invitation_source"
