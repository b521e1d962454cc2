"""Rule-file records (signing.records): a schema per kind, built, signed and verified as letters."""

from __future__ import annotations

from datetime import date

import pytest
from signing_pki import NOW, Officer

from signing.records import (
    APPROVAL_SHEET,
    Approval,
    RecordError,
    RecordKind,
    build_record,
    read_record,
)
from signing.sign import sign_record
from signing.trust import TrustStore
from signing.verify import TOTAL_PASSED, verify_letter
from signing.xmlparse import DEFAULT_LIMITS, XMLInputError, parse_xml

HEALTH = "AGENCY:MINHEALTH"
SHEET = (
    Approval("PA_AIDE_INTL", date(2026, 3, 31), "Aide for international affairs"),
    Approval("PA_STATE_LEGAL_DEPARTMENT", date(2026, 4, 1), "State-Legal Department"),
)


def _record(kind: RecordKind, **fields: object) -> bytes:
    values: dict[str, object] = {
        RecordKind.AGREEMENT: {"file_number": "AGR-2026-000001", "key": f"proposals:{HEALTH}"},
        RecordKind.DECISION: {"file_number": "DEC-2026-000002", "key": f"agreed:{HEALTH}:MOJ"},
        RecordKind.REPORT: {"file_number": "REP-2026-000003", "key": "annual:2026"},
        RecordKind.DRAFT: {"file_number": "DRF-2026-000004", "key": f"objection:{HEALTH}"},
    }[kind]
    rule = {
        RecordKind.AGREEMENT: "¶31",
        RecordKind.DECISION: "¶11",
        RecordKind.REPORT: "¶46(2)",
        RecordKind.DRAFT: "¶8",
    }
    merged = {
        **values,
        "rule": rule[kind],
        "day": date(2026, 3, 24),
        "by": HEALTH,
        "body": "Proposals on the draft instructions.",
        **fields,
    }
    return build_record(kind, **merged)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(RecordKind))
def test_each_kind_builds_signs_verifies_and_reads_back(
    kind: RecordKind, ec_officer: Officer, trust: TrustStore
) -> None:
    signed = sign_record(_record(kind), ec_officer.key, ec_officer.cert, signing_time=NOW)
    result = verify_letter(signed, trust, at=NOW)
    assert result.report["indication"] == TOTAL_PASSED
    assert result.signed_root is not None
    record = read_record(result.signed_root)
    assert record.kind is kind
    assert record.by == HEALTH
    assert record.day == date(2026, 3, 24)
    assert [s.agency for s in result.signers] == [HEALTH]


def test_the_schema_is_the_kinds_own() -> None:
    """A decision's step is no agreement's step, nor its ¶; a report's file is a REP file."""
    with pytest.raises(RecordError, match="key"):
        _record(RecordKind.AGREEMENT, key="to-go")
    with pytest.raises(RecordError, match="rule"):
        _record(RecordKind.DECISION, rule="¶31")
    with pytest.raises(RecordError, match="file_number"):
        _record(RecordKind.REPORT, file_number="AGR-2026-000001")
    with pytest.raises(RecordError, match="by"):
        _record(RecordKind.REPORT, by="ministry of health")


def test_approval_sheet_carries_its_approvals_and_only_it_does() -> None:
    sheet = _record(
        RecordKind.AGREEMENT, key=APPROVAL_SHEET, rule="¶32-1", by="PA", approvals=SHEET
    )
    assert read_record(parse_xml(sheet)).approvals == SHEET
    with pytest.raises(RecordError, match="approvals"):
        _record(RecordKind.AGREEMENT, key=APPROVAL_SHEET, rule="¶32-1", by="PA")
    with pytest.raises(RecordError, match="approvals"):
        _record(RecordKind.AGREEMENT, approvals=SHEET)
    with pytest.raises(RecordError, match="approver"):
        _record(
            RecordKind.AGREEMENT,
            key=APPROVAL_SHEET,
            rule="¶32-1",
            by="PA",
            approvals=(Approval("SOMEONE", date(2026, 4, 1), "x"),),
        )


def test_a_letter_or_a_foreign_document_is_no_record(letter_xml: bytes) -> None:
    with pytest.raises(RecordError, match="not an Arna rule-file record"):
        read_record(parse_xml(letter_xml))


def test_a_tampered_record_fails_verification(ec_officer: Officer, trust: TrustStore) -> None:
    signed = sign_record(
        _record(RecordKind.REPORT), ec_officer.key, ec_officer.cert, signing_time=NOW
    )
    forged = signed.replace(b"2026-03-24", b"2026-03-20")
    assert verify_letter(forged, trust, at=NOW).report["indication"] != TOTAL_PASSED


def test_hidden_nodes_are_refused_before_anything_is_read() -> None:
    record = _record(RecordKind.REPORT).replace(b"<body>", b"<body><?pi x?>")
    with pytest.raises(RecordError, match="processing instructions"):
        read_record(parse_xml(record))


def test_the_parsers_cost_limits_come_first() -> None:
    """A record is parsed by signing.xmlparse: a DTD or too many namespaces never reach
    the schema, let alone the cryptography."""
    record = _record(RecordKind.REPORT)
    with pytest.raises(XMLInputError, match=r"DTD|DOCTYPE|document type"):
        parse_xml(record.replace(b"<record", b'<!DOCTYPE r [<!ENTITY a "b">]><record', 1))
    crowded = " ".join(
        f'xmlns:n{i}="urn:x:{i}"' for i in range(DEFAULT_LIMITS.namespace_declarations + 1)
    )
    with pytest.raises(XMLInputError, match="namespace"):
        parse_xml(record.replace(b"<record ", f"<record {crowded} ".encode(), 1))
