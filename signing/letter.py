"""Arna letter records: schema validation and the letter <-> envelope mapping.

The letter header's <envelope> element mirrors the JSON envelope of
contracts/route-plan.md field for field, so the route planner reads an XML
letter through exactly one mapping (``letter_to_envelope``) and the registry
builds letters from the same dict (``build_letter``).  Routing decides whether
an envelope is *allowed*; this module only guarantees it is well-formed.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from envelope_fields import OPTIONAL, REQUIRED
from signing.xmlparse import parse_xml

NS = "urn:arna:letter:1"
VERSION = "1"
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "xml_schemas" / "letter.xsd"

#: Envelope fields in the contract's (and the schema's) order: the list the route planner
#: checks too (envelope_fields, shared without either engine importing the other).
ENVELOPE_FIELDS = REQUIRED + OPTIONAL
_LEGAL_BASIS_FIELDS = ("kind", "ref")
_HIDDEN_NODES = etree.XPath("//comment() | //processing-instruction()")


class LetterError(ValueError):
    """A letter (or the envelope to build one from) is not valid; ``errors`` lists every problem."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("invalid letter: " + "; ".join(errors))


@dataclass(frozen=True)
class Attachment:
    """A file carried inside the letter; its SHA-256 is recorded so it is checkable alone."""

    file_name: str
    media_type: str
    content: bytes


@dataclass(frozen=True)
class Reference:
    """A related letter, by registry number (e.g. the request this letter answers)."""

    registry_number: str
    relation: str = "replies-to"


@dataclass(frozen=True)
class Letter:
    """What a validated letter says, read once so callers never walk the tree themselves."""

    registry_number: str
    subject: str
    envelope: dict[str, Any]
    references: tuple[Reference, ...]
    body: str
    attachments: tuple[Attachment, ...]


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(parse_xml(SCHEMA_PATH.read_bytes()).getroottree())


def validate_letter(root: etree._Element) -> None:
    """Check a letter against letter.xsd and its attachment digests.

    Raises LetterError listing all problems, so an officer fixing a form sees
    everything at once rather than one error per round trip.
    """
    schema = _schema()
    errors = []
    if not schema.validate(root):
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log]
    else:
        for att in root.iterfind(f"{_q('attachments')}/{_q('attachment')}"):
            content = base64.b64decode(att.text or "")
            if hashlib.sha256(content).hexdigest() != att.get("sha256"):
                errors.append(
                    f"line {att.sourceline}: attachment {att.get('file_name')!r}: "
                    "SHA-256 does not match its content"
                )
    if errors:
        raise LetterError(errors)


def read_letter(root: etree._Element) -> Letter:
    """Validate a letter and return its content: the one way Arna reads what a letter says.

    Every field is read as an element's ``.text``, which in lxml stops at the first
    comment or processing instruction: ``<body>We agree.<?pi?> This consent is
    withdrawn.</body>`` would read as "We agree." although the signature covers the
    whole sentence.  Such letters are refused here (as the verifier refuses them)
    rather than read through every node, so that what is shown, registered and
    certified is always the full signed text, and a letter never means one thing to
    Arna and another to a tool that skips those nodes.
    """
    hidden = _HIDDEN_NODES(root)
    if hidden:
        raise LetterError(
            [
                f"line {node.sourceline}: comments and processing instructions are not allowed "
                "in a letter"
                for node in hidden
            ]
        )
    validate_letter(root)
    header = root.find(_q("header"))
    assert header is not None  # guaranteed by the schema
    return Letter(
        registry_number=header.findtext(_q("registry_number"), ""),
        subject=header.findtext(_q("subject"), ""),
        envelope=_envelope_from(header.find(_q("envelope"))),
        references=tuple(
            Reference(ref.text or "", ref.get("relation", ""))
            for ref in header.iterfind(f"{_q('references')}/{_q('reference')}")
        ),
        body=root.findtext(_q("body"), ""),
        attachments=tuple(
            Attachment(
                att.get("file_name", ""),
                att.get("media_type", ""),
                base64.b64decode(att.text or ""),
            )
            for att in root.iterfind(f"{_q('attachments')}/{_q('attachment')}")
        ),
    )


def letter_to_envelope(root: etree._Element) -> dict[str, Any]:
    """The contract's JSON envelope of a letter: only the fields the letter carries."""
    return read_letter(root).envelope


def _envelope_from(element: etree._Element | None) -> dict[str, Any]:
    envelope: dict[str, Any] = {}
    for child in element if element is not None else ():
        name = etree.QName(child).localname
        if name == "legal_basis":
            envelope[name] = {etree.QName(c).localname: c.text or "" for c in child}
        elif name == "signed_by_first_head":
            envelope[name] = child.text == "true"
        else:
            envelope[name] = child.text or ""
    return envelope


def build_letter(
    envelope: Mapping[str, Any],
    *,
    registry_number: str,
    subject: str,
    body: str,
    attachments: Iterable[Attachment] = (),
    references: Iterable[Reference] = (),
) -> bytes:
    """Build an unsigned letter (UTF-8 XML bytes) from an envelope dict and its content.

    The result is validated before it is returned, so nothing invalid is ever
    handed to a signer.
    """
    errors = _envelope_type_errors(envelope)
    if errors:
        raise LetterError(errors)
    root = etree.Element(_q("letter"), nsmap={None: NS}, version=VERSION)
    header = etree.SubElement(root, _q("header"))
    etree.SubElement(header, _q("registry_number")).text = registry_number
    etree.SubElement(header, _q("subject")).text = subject
    env = etree.SubElement(header, _q("envelope"))
    for name in ENVELOPE_FIELDS:
        if name not in envelope:
            continue
        value = envelope[name]
        child = etree.SubElement(env, _q(name))
        if name == "legal_basis":
            for sub in _LEGAL_BASIS_FIELDS:
                etree.SubElement(child, _q(sub)).text = value[sub]
        elif name == "signed_by_first_head":
            child.text = "true" if value else "false"
        else:
            child.text = value
    refs = list(references)
    if refs:
        container = etree.SubElement(header, _q("references"))
        for ref in refs:
            etree.SubElement(
                container, _q("reference"), relation=ref.relation
            ).text = ref.registry_number
    etree.SubElement(root, _q("body")).text = body
    atts = list(attachments)
    if atts:
        container = etree.SubElement(root, _q("attachments"))
        for att in atts:
            etree.SubElement(
                container,
                _q("attachment"),
                file_name=att.file_name,
                media_type=att.media_type,
                sha256=hashlib.sha256(att.content).hexdigest(),
            ).text = base64.b64encode(att.content).decode("ascii")
    etree.indent(root)
    validate_letter(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8") + b"\n"


def _envelope_type_errors(envelope: Mapping[str, Any]) -> list[str]:
    """Shape errors the schema cannot report (it never sees a dict): unknown keys, wrong types."""
    errors = [f"{name}: unknown envelope field" for name in envelope if name not in ENVELOPE_FIELDS]
    for name, value in envelope.items():
        if name == "legal_basis":
            if not isinstance(value, Mapping) or set(value) != set(_LEGAL_BASIS_FIELDS):
                errors.append("legal_basis: must be an object with exactly 'kind' and 'ref'")
            elif not all(isinstance(value[k], str) for k in _LEGAL_BASIS_FIELDS):
                errors.append("legal_basis: 'kind' and 'ref' must be strings")
        elif name == "signed_by_first_head":
            if not isinstance(value, bool):
                errors.append("signed_by_first_head: must be true or false")
        elif name in ENVELOPE_FIELDS and not isinstance(value, str):
            errors.append(f"{name}: must be a string")
    return errors
