"""The dispatch countersignature: the MFA clerk's signed record of a diplomatic dispatch.

When MFA sends a letter through diplomatic channels (¶44) the clerk records the
note number and date; the record — which letter (by the SHA-256 of its signed
bytes), under which note, to whom, by whom, when — is signed with the clerk's own
key, so that anyone holding the registry CA's certificate can check it later.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Letter
from registry.permissions import Principal
from registry.services.pki import UnlockedKey, trust_store
from signing.trust import ChainFailure


def countersign_dispatch(
    letter: Letter, unlocked: UnlockedKey, principal: Principal, note_number: str, note_date: date
) -> bytes:
    """The dispatch record, signed by the clerk: which letter went, under which note, when.

    RFC 8785 JSON of the record, an ECDSA/RSA signature over it, and the clerk's
    certificate — checkable by anyone with the registry CA's certificate.
    """
    record = {
        "registry_number": letter.registry_number,
        "letter_sha256": letter.sha256,
        "note_number": note_number,
        "note_date": note_date.isoformat(),
        "recipient": letter.recipient,
        "clerk": principal.username,
        "signed_at": utcnow().isoformat().replace("+00:00", "Z"),
    }
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
    expected = {
        "registry_number": letter.registry_number,
        "letter_sha256": letter.sha256,
        "note_number": letter.note_number,
        "note_date": letter.note_date.isoformat() if letter.note_date else None,
    }
    problems.extend(
        f"{name}: the record says {record.get(name)!r}, the registry {value!r}"
        for name, value in expected.items()
        if record.get(name) != value
    )
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
