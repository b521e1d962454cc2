"""The dispatch countersignature: the MFA clerk's signed record of a diplomatic dispatch.

When MFA sends a letter through diplomatic channels (¶44) the clerk records the
note number and date; the record — which letter (by the SHA-256 of its signed
bytes), under which note, to whom, by whom, when — is signed with the clerk's own
key, so that anyone holding the registry CA's certificate can check it later.

Two forms, one record: with an Arna-held key (``ARNA_SERVER_SIGNING``) the RFC 8785
JSON of the record with a raw signature; with the clerk's own key, the record as
XML (``dispatch_record_xml``, namespace ``urn:arna:dispatch:1``) signed in the
browser by NCALayer like a letter, and verified like one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Letter
from registry.permissions import Principal
from registry.services.pki import UnlockedKey, trust_store
from signing.trust import ChainFailure
from signing.verify import verify_letter
from signing.xmlparse import XMLInputError, parse_xml

RECORD_NS = "urn:arna:dispatch:1"
_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"
_FIELDS = (
    "registry_number",
    "letter_sha256",
    "note_number",
    "note_date",
    "recipient",
    "clerk",
    "signed_at",
)


def _record(letter: Letter, principal: Principal, note_number: str, note_date: date) -> dict:
    return {
        "registry_number": letter.registry_number,
        "letter_sha256": letter.sha256,
        "note_number": note_number,
        "note_date": note_date.isoformat(),
        "recipient": letter.recipient,
        "clerk": principal.username,
        "signed_at": utcnow().isoformat(timespec="seconds").replace("+00:00", "Z"),
    }


def dispatch_record_xml(
    letter: Letter, principal: Principal, note_number: str, note_date: date
) -> bytes:
    """The dispatch record as XML, for the clerk to sign with their own key (NCALayer)."""
    root = etree.Element(f"{{{RECORD_NS}}}dispatch-record", nsmap={None: RECORD_NS})
    for name, value in _record(letter, principal, note_number, note_date).items():
        etree.SubElement(root, f"{{{RECORD_NS}}}{name}").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def read_record_xml(root: etree._Element) -> dict[str, str]:
    """The fields of a dispatch record (its signatures aside); ValueError if it is not one."""
    if root.tag != f"{{{RECORD_NS}}}dispatch-record":
        raise ValueError("the document is not a dispatch record")
    fields = [child for child in root if child.tag != _SIGNATURE]
    record = {etree.QName(child).localname: (child.text or "") for child in fields}
    if set(record) != set(_FIELDS) or len(fields) != len(_FIELDS):
        raise ValueError(f"a dispatch record has exactly the fields {', '.join(_FIELDS)}")
    return record


def record_mismatches(
    record: dict[str, Any], letter: Letter, note_number: str | None, note_date: date | None
) -> list[str]:
    """Where a dispatch record contradicts the registry (its letter, bytes, note)."""
    expected = {
        "registry_number": letter.registry_number,
        "letter_sha256": letter.sha256,
        "note_number": note_number,
        "note_date": note_date.isoformat() if note_date else None,
    }
    return [
        f"{name}: the record says {record.get(name)!r}, the registry {value!r}"
        for name, value in expected.items()
        if record.get(name) != value
    ]


def countersign_dispatch(
    letter: Letter, unlocked: UnlockedKey, principal: Principal, note_number: str, note_date: date
) -> bytes:
    """The dispatch record, signed by the clerk: which letter went, under which note, when.

    RFC 8785 JSON of the record, an ECDSA/RSA signature over it, and the clerk's
    certificate — checkable by anyone with the registry CA's certificate.
    """
    record = _record(letter, principal, note_number, note_date)
    payload = rfc8785.dumps(record)
    key = unlocked.key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(payload, padding.PKCS1v15(), hashes.SHA256())
    return rfc8785.dumps(
        {
            "record": record,
            "signature": base64.b64encode(signature).decode("ascii"),
            "certificate": unlocked.certificate.public_bytes(serialization.Encoding.PEM).decode(
                "ascii"
            ),
        }
    )


@dataclass(frozen=True)
class DispatchCheck:
    """A dispatch record checked: who countersigned it, when, and what is wrong (if anything)."""

    clerk: str | None
    signer: str | None  # the countersigning certificate's common name
    signed_at: datetime | None
    problems: list[str]
    #: What the certificate says of the signer (the verification report's ``signer``: IIN,
    #: BIN, role, PKI) — for a record signed with the clerk's own key; None for the JSON form.
    certificate: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


def dispatch_record_problems(session: Session, letter: Letter) -> list[str]:
    """What is wrong with a letter's countersigned dispatch record (empty: it checks)."""
    return check_dispatch_record(session, letter).problems


def check_dispatch_record(session: Session, letter: Letter) -> DispatchCheck:
    """Verify a letter's countersigned dispatch record (what the letter page shows).

    The record must name this letter's signed bytes and note, carry a valid
    signature by the certificate it includes, and that certificate must chain to
    the registry CA (not revoked) at the time the record was signed.
    """
    if letter.dispatch_record is None:
        return DispatchCheck(None, None, None, ["the letter has no dispatch record"])
    if letter.dispatch_record.lstrip().startswith(b"<"):
        return _check_xml_record(session, letter)
    try:
        data = json.loads(letter.dispatch_record)
        record = data["record"]
        signature = base64.b64decode(data["signature"], validate=True)
        certificate = x509.load_pem_x509_certificate(data["certificate"].encode("ascii"))
        signed_at = datetime.fromisoformat(record["signed_at"].replace("Z", "+00:00"))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return DispatchCheck(None, None, None, [f"the dispatch record is malformed: {exc}"])
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    signer = str(names[0].value) if names else None
    problems = []
    problems.extend(record_mismatches(record, letter, letter.note_number, letter.note_date))
    try:
        trust_store(session).validate(certificate, [], signed_at)
    except ChainFailure as exc:
        problems.append(f"the countersigning certificate: {exc}")
    key = certificate.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, rfc8785.dumps(record), ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, rfc8785.dumps(record), padding.PKCS1v15(), hashes.SHA256())
        else:
            problems.append("the countersigning key is of an unsupported type")
    except InvalidSignature:
        problems.append("the countersignature does not match the record")
    return DispatchCheck(str(record.get("clerk")), signer, signed_at, problems)


def _check_xml_record(session: Session, letter: Letter) -> DispatchCheck:
    """A record the clerk signed with their own key: verified like a letter, at its time."""
    assert letter.dispatch_record is not None
    try:
        root = parse_xml(letter.dispatch_record)
        signed_at = datetime.fromisoformat(
            read_record_xml(root)["signed_at"].replace("Z", "+00:00")
        )
        result = verify_letter(letter.dispatch_record, trust_store(session), at=signed_at)
        if result.signed_root is None:
            raise ValueError("; ".join(_reasons(result.report)) or "the signature does not verify")
        record = read_record_xml(result.signed_root)
    except (XMLInputError, ValueError) as exc:
        return DispatchCheck(None, None, None, [f"the dispatch record is not acceptable: {exc}"])
    problems = [f"the countersignature: {reason}" for reason in _reasons(result.report)]
    problems.extend(record_mismatches(record, letter, letter.note_number, letter.note_date))
    signer = result.signers[-1].name if result.signers else None
    signatures = result.report.get("signatures") or [{}]
    certificate = signatures[-1].get("signer")
    return DispatchCheck(record["clerk"], signer, signed_at, problems, certificate)


def _reasons(report: dict[str, Any]) -> list[str]:
    return [r for signature in report.get("signatures", []) for r in signature.get("reasons", [])]
