"""letter.xsd, the examples, and the one letter <-> envelope mapping."""

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from signing.letter import (
    ENVELOPE_FIELDS,
    NS,
    Attachment,
    LetterError,
    Reference,
    build_letter,
    letter_to_envelope,
    read_letter,
    validate_letter,
)
from signing.xmlparse import parse_xml

EXAMPLES = sorted((Path(__file__).parents[3] / "xml_schemas" / "examples").glob("*.xml"))
KINDS = {
    "foreign-letter",
    "court-request-forward",
    "court-reply",
    "court-practice-reply",
    "court-application",
    "nce-court-application",
    "special-procedure-forward",
    "special-procedure-info",
    "special-procedure-reply",
}


def test_there_is_an_example_for_every_letter_kind() -> None:
    kinds = {letter_to_envelope(parse_xml(p.read_bytes()))["kind"] for p in EXAMPLES}
    assert kinds == KINDS


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_is_valid_and_round_trips(path: Path) -> None:
    root = parse_xml(path.read_bytes())
    validate_letter(root)
    letter = read_letter(root)
    assert list(letter.envelope) == [f for f in ENVELOPE_FIELDS if f in letter.envelope]
    rebuilt = build_letter(
        letter.envelope,
        registry_number=letter.registry_number,
        subject=letter.subject,
        body=letter.body,
        attachments=letter.attachments,
        references=letter.references,
    )
    assert rebuilt == path.read_bytes()


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_routing_plans_every_example_as_it_plans_the_json_envelope(path: Path) -> None:
    """contracts/route-plan.md: `plan FILE` takes .xml as well as .json, through one mapping."""
    envelope_mod = pytest.importorskip("routing.envelope")
    planner = pytest.importorskip("routing.planner")
    envelope = letter_to_envelope(parse_xml(path.read_bytes()))
    from_xml = planner.plan(envelope_mod.parse_envelope(envelope)).to_dict()
    from_json = planner.plan(envelope_mod.parse_envelope(json.loads(json.dumps(envelope))))
    assert from_xml == from_json.to_dict()
    assert isinstance(from_xml["allowed"], bool)


def _example(name: str = "special-procedure-reply") -> bytes:
    return (Path(__file__).parents[3] / "xml_schemas" / "examples" / f"{name}.xml").read_bytes()


def test_envelope_of_the_reply_example() -> None:
    assert letter_to_envelope(parse_xml(_example())) == {
        "kind": "special-procedure-reply",
        "sender": "MFA",
        "recipient": "SPECIAL_PROCEDURE",
        "date": "2026-05-05",
        "reply_deadline": "2026-05-18",
        "language": "en",
        "communication_language": "en",
        "signed_by_first_head": True,
    }


def test_legal_basis_maps_to_an_object() -> None:
    env = letter_to_envelope(parse_xml(_example("foreign-letter-treaty-direct")))
    assert env["legal_basis"] == {
        "kind": "ratified-treaty",
        "ref": "Agreement of 12.05.2019, art. 7",
    }
    assert env["send"] == "direct"


def test_all_schema_errors_are_listed_at_once() -> None:
    bad = (
        _example()
        .replace(b"<kind>special-procedure-reply</kind>", b"<kind>memo</kind>")
        .replace(b"<date>2026-05-05</date>", b"<date>05.05.2026</date>")
        .replace(b"<signed_by_first_head>true", b"<signed_by_first_head>1")
    )
    with pytest.raises(LetterError) as err:
        validate_letter(parse_xml(bad))
    assert len(err.value.errors) == 3
    assert "memo" in str(err.value)


def test_an_attachment_whose_digest_lies_is_refused() -> None:
    data = _example("foreign-letter")
    forged = base64.b64encode(b"Day 1: departure\n").decode()
    root = parse_xml(data)
    root.find(f"{{{NS}}}attachments/{{{NS}}}attachment").text = forged
    with pytest.raises(LetterError, match="SHA-256 does not match"):
        validate_letter(root)


def test_a_foreign_document_is_not_a_letter() -> None:
    with pytest.raises(LetterError):
        letter_to_envelope(parse_xml(b'<letter xmlns="urn:arna:letter:2" version="1"/>'))


@pytest.mark.parametrize(
    ("envelope", "message"),
    [
        (
            {
                "kind": "foreign-letter",
                "sender": "MFA",
                "recipient": "WTO",
                "date": "2026-01-05",
                "colour": "red",
            },
            "colour: unknown",
        ),
        (
            {
                "kind": "foreign-letter",
                "sender": "MFA",
                "recipient": "WTO",
                "date": "2026-01-05",
                "signed_by_first_head": "yes",
            },
            "true or false",
        ),
        (
            {
                "kind": "foreign-letter",
                "sender": "MFA",
                "recipient": "WTO",
                "date": "2026-01-05",
                "legal_basis": {"kind": "law"},
            },
            "legal_basis",
        ),
        (
            {"kind": "foreign-letter", "sender": "MFA", "recipient": "WTO", "date": 20260105},
            "date: must be a string",
        ),
        (
            {
                "kind": "foreign-letter",
                "sender": "MINHEALTH",
                "recipient": "WTO",
                "date": "2026-01-05",
            },
            "MINHEALTH",
        ),
        ({"kind": "foreign-letter", "recipient": "WTO", "date": "2026-01-05"}, "sender"),
    ],
)
def test_build_letter_refuses_bad_envelopes(envelope: dict, message: str) -> None:
    with pytest.raises(LetterError, match=message):
        build_letter(envelope, registry_number="MFA-1", subject="s", body="b")


_DATES = st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10)
_ENVELOPES = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(sorted(KINDS)),
        "sender": st.sampled_from(["MFA", "MOJ", "NCE", "AGENCY:MINHEALTH", "SUPREME_COURT"]),
        "recipient": st.sampled_from(["WTO", "EAEU_COURT", "MFA", "SPECIAL_PROCEDURE"]),
        "date": _DATES,
    },
    optional={
        "send": st.just("direct"),
        "urgent_needed_by": _DATES,
        "legal_basis": st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["law", "ratified-treaty"]),
                "ref": st.text("abc 12.", min_size=1).filter(str.strip),
            }
        ),
        "planned_send_date": _DATES,
        "reply_deadline": _DATES,
        "language": st.sampled_from(["kk", "ru", "en", "zh-Hans"]),
        "communication_language": st.sampled_from(["en", "fr", "es"]),
        "signed_by_first_head": st.booleans(),
    },
)
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=50)


@settings(max_examples=60)
@given(envelope=_ENVELOPES, body=_TEXT, content=st.binary(max_size=64))
def test_envelope_survives_build_and_read(envelope: dict, body: str, content: bytes) -> None:
    xml = build_letter(
        envelope,
        registry_number="MFA-2026-000001",
        subject="Subject",
        body=body,
        attachments=[Attachment("a.bin", "application/octet-stream", content)],
        references=[Reference("MFA-2026-000000")],
    )
    letter = read_letter(parse_xml(xml))
    assert letter.envelope == envelope
    assert letter.body == body
    assert letter.attachments[0].content == content


def test_built_letters_are_utf8_with_the_versioned_namespace() -> None:
    xml = build_letter(
        {"kind": "foreign-letter", "sender": "MFA", "recipient": "WTO", "date": "2026-01-05"},
        registry_number="MFA-1",
        subject="Тақырып",
        body="Мәтін",
    )
    root = parse_xml(xml)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert (etree.QName(root).namespace, root.get("version")) == ("urn:arna:letter:1", "1")


def test_a_processing_instruction_never_cuts_what_is_read() -> None:
    """Issue 11 H1: `.text` stops at a PI; read_letter refuses rather than show half the text."""
    root = parse_xml(
        (EXAMPLES[0].parent / "foreign-letter.xml")
        .read_bytes()
        .replace(b"</body>", b"We agree.<?pi?> This consent is withdrawn.</body>")
    )
    with pytest.raises(LetterError, match="processing instructions are not allowed"):
        read_letter(root)
