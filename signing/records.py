"""Rule-file records: one signed XML document per step of a rule file, a schema per kind.

A rule file (Chapter 2 decision files and draft decisions, Chapter 4 agreements
reached, Chapter 6 reports to MFA) records its steps as dated events; the step's
own document — a body's proposals, MFA's forwarding letter, a report to MFA, an
approver's agreement or objections to a draft, PA's electronic approval sheet
(¶32-1) — is kept as a record signed like a letter (enveloped
XAdES, ``signing.sign.sign_record``). Each kind has its own schema
(``xml_schemas/<kind>-record.xsd``, namespace ``urn:arna:record:<kind>:1``) that
knows the kind's step keys and the ¶ each performs.

Reading goes through ``signing.xmlparse`` (its cost limits) and the schema before
any cryptography: ``read_record`` is the one way Arna reads what a record says,
and refuses comments and processing instructions as ``read_letter`` does, so what
is shown and certified is the full signed text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from pathlib import Path

from lxml import etree

from signing.xmlparse import parse_xml

VERSION = "1"
SCHEMAS = Path(__file__).resolve().parent.parent / "xml_schemas"
#: The step whose record carries PA's electronic approval sheet (¶32-1).
APPROVAL_SHEET = "approval-sheet"
_HIDDEN_NODES = etree.XPath("//comment() | //processing-instruction()")
_FIELDS = ("file_number", "key", "rule", "day", "by", "body")


class RecordKind(StrEnum):
    """The kinds of rule file, each with its own record schema."""

    AGREEMENT = "agreement"
    DECISION = "decision"
    REPORT = "report"
    DRAFT = "draft"

    @property
    def namespace(self) -> str:
        return f"urn:arna:record:{self.value}:1"

    @property
    def schema_path(self) -> Path:
        return SCHEMAS / f"{self.value}-record.xsd"


class RecordError(ValueError):
    """A record (or the fields to build one from) is not valid; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("invalid record: " + "; ".join(errors))


@dataclass(frozen=True)
class Approval:
    """One approver's agreement on PA's electronic approval sheet (¶32-1)."""

    approver: str  # PA_AIDE_INTL, PA_FIRST_DEPUTY_HEAD, … (the schema's Approver)
    day: date
    name: str


@dataclass(frozen=True)
class Record:
    """What a validated record says."""

    kind: RecordKind
    file_number: str
    key: str
    rule: str
    day: date
    by: str
    body: str
    approvals: tuple[Approval, ...] = ()


@cache
def _schema(kind: RecordKind) -> etree.XMLSchema:
    return etree.XMLSchema(parse_xml(kind.schema_path.read_bytes()).getroottree())


def record_kind(root: etree._Element) -> RecordKind:
    """The kind a record's namespace names; RecordError for anything else."""
    qname = etree.QName(root)
    for kind in RecordKind:
        if qname.namespace == kind.namespace and qname.localname == "record":
            return kind
    raise RecordError([f"line {root.sourceline}: not an Arna rule-file record: {root.tag}"])


def validate_record(root: etree._Element) -> RecordKind:
    """Check a record against its kind's schema and the rule XSD 1.0 cannot say: the
    approval sheet (and only it) carries approvals. Raises RecordError with every problem."""
    kind = record_kind(root)
    schema = _schema(kind)
    if not schema.validate(root):
        raise RecordError([f"line {e.line}: {e.message}" for e in schema.error_log])
    has_approvals = root.find(f"{{{kind.namespace}}}approvals") is not None
    if has_approvals != (root.findtext(f"{{{kind.namespace}}}key") == APPROVAL_SHEET):
        raise RecordError(
            ["approvals: PA's approval sheet (¶32-1), and only it, lists its approvals"]
        )
    return kind


def read_record(root: etree._Element) -> Record:
    """Validate a record and return its content: the one way Arna reads what a record says."""
    hidden = _HIDDEN_NODES(root)
    if hidden:
        raise RecordError(
            [
                f"line {node.sourceline}: comments and processing instructions are not allowed "
                "in a record"
                for node in hidden
            ]
        )
    kind = validate_record(root)
    ns = kind.namespace

    def text(name: str) -> str:
        return root.findtext(f"{{{ns}}}{name}", "")

    return Record(
        kind=kind,
        file_number=text("file_number"),
        key=text("key"),
        rule=text("rule"),
        day=date.fromisoformat(text("day")),
        by=text("by"),
        body=text("body"),
        approvals=tuple(
            Approval(a.get("approver", ""), date.fromisoformat(a.get("day", "")), a.text or "")
            for a in root.iterfind(f"{{{ns}}}approvals/{{{ns}}}approval")
        ),
    )


def build_record(
    kind: RecordKind,
    *,
    file_number: str,
    key: str,
    rule: str,
    day: date,
    by: str,
    body: str,
    approvals: Iterable[Approval] = (),
) -> bytes:
    """Build an unsigned record (UTF-8 XML bytes), validated before it is returned."""
    ns = kind.namespace
    root = etree.Element(f"{{{ns}}}record", nsmap={None: ns}, version=VERSION)
    values = (file_number, key, rule, day.isoformat(), by, body)
    for name, value in zip(_FIELDS, values, strict=True):
        etree.SubElement(root, f"{{{ns}}}{name}").text = value
    listed = list(approvals)
    if listed:
        container = etree.SubElement(root, f"{{{ns}}}approvals")
        for approval in listed:
            etree.SubElement(
                container,
                f"{{{ns}}}approval",
                approver=approval.approver,
                day=approval.day.isoformat(),
            ).text = approval.name
    etree.indent(root)
    validate_record(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"
