"""The verification report: shaped like the EU DSS simple report (contracts/signing-cli.md).

Indications and sub-indications are the ETSI EN 319 102-1 names.  Besides the
contract's fields the report says when it was produced and which validation
policy it applied, so a stored report is read as "what was true then, under
these rules" and never silently re-validated against "now" (STYLE.md, SiVa/DSS).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509

from signing.profile import CertificateProfile

TOTAL_PASSED = "TOTAL_PASSED"
TOTAL_FAILED = "TOTAL_FAILED"
INDETERMINATE = "INDETERMINATE"

#: Worst first: the document's indication is that of its worst signature.
_SEVERITY = {TOTAL_FAILED: 2, INDETERMINATE: 1, TOTAL_PASSED: 0}

POLICY = {
    "id": "urn:arna:signature-policy:strict:2",
    "description": (
        "Enveloped XMLDSig or XAdES-BASELINE-B signatures that are direct children of the "
        "document element, each with exactly one reference to the whole document (URI='', "
        "enveloped-signature + canonicalisation transforms) plus, for XAdES, its own "
        "SignedProperties/KeyInfo references; RSA (2048 bits or more) or ECDSA P-256/384/521 "
        "with SHA-256 or stronger, or NCA RK's GOST 34.10-2015 512-bit with Streebog-512; "
        "c14n with or without comments (NCALayer writes the latter); an X.509 chain to a "
        "trust anchor (KeyValue ignored), checked against the CRLs given at the validation "
        "time, which must be current; signing certificates only (no NCA authentication "
        "certificates); XAdES SigningTime required; no comments or processing instructions; "
        "nothing but XMLDSig/XAdES markup inside a signature."
    ),
}


@dataclass(frozen=True)
class Signer:
    """The signer's certificate as the report names it, with who they are in the NCA RK
    profile (``signing.profile``) and the PKI of the anchor their path ends at."""

    subject: str
    issuer: str
    serial: str
    profile: CertificateProfile | None = None
    pki: str = "other"

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> Signer:
        return cls(
            subject=cert.subject.rfc4514_string(),
            issuer=cert.issuer.rfc4514_string(),
            serial=str(cert.serial_number),
            profile=CertificateProfile.from_certificate(cert),
        )

    def to_dict(self) -> dict[str, Any]:
        profile = self.profile
        return {
            "subject": self.subject,
            "issuer": self.issuer,
            "serial": self.serial,
            "iin": profile.iin if profile else None,
            "bin": profile.bin if profile else None,
            "organisation": profile.organisation if profile else None,
            "role": profile.role if profile else None,
            "certificate_type": profile.certificate_type if profile else None,
            "pki": self.pki,
        }


@dataclass(frozen=True)
class SignatureReport:
    """One signature's outcome; ``reasons`` explains anything short of TOTAL_PASSED."""

    indication: str
    sub_indication: str | None = None
    signer: Signer | None = None
    signing_time: str | None = None
    signature_format: str = "XMLDSig"
    reasons: list[str] = field(default_factory=list)
    checked_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "indication": self.indication,
            "sub_indication": self.sub_indication,
            "signer": None if self.signer is None else self.signer.to_dict(),
            "signing_time": self.signing_time,
            "signature_format": self.signature_format,
            "reasons": list(self.reasons),
            # The time the certificate path and revocations were checked at (--at, or
            # the claimed signing time, or the validation time).
            "checked_at": self.checked_at,
        }


def simple_report(
    signatures: list[SignatureReport], validation_time: dt.datetime
) -> dict[str, Any]:
    """The document's report: the worst signature decides; no signature at all fails."""
    if signatures:
        worst = max(signatures, key=lambda s: _SEVERITY[s.indication])
        indication, sub_indication = worst.indication, worst.sub_indication
    else:
        indication, sub_indication = TOTAL_FAILED, "NO_SIGNATURE"
    return {
        "indication": indication,
        "sub_indication": sub_indication,
        "signatures": [s.to_dict() for s in signatures],
        "validation_time": validation_time.astimezone(dt.UTC).isoformat(timespec="seconds"),
        "policy": dict(POLICY),
    }
