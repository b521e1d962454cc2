"""Who signed, read from the certificate the way NCA RK (Kazakhstan's national PKI) writes it.

NCA RK certificates say who their holder is in fixed places, and the registry's
own CA writes its officer certificates the same way, so one reading serves both:

- the role in extendedKeyUsage: 1.2.398.3.3.4.1.2.1 first head, .2.2 right to
  sign, .2.5 employee (all under 1.2.398.3.3.4.1.2, legal entity), and
  1.2.398.3.3.4.1.1 an individual;
- the holder's IIN in the subject's SERIALNUMBER (``IIN`` + 12 digits), the
  organisation's BIN in OU (``BIN`` + 12 digits), the organisation in O;
- signing or authentication: NCA issues every holder a pair of keys, and only
  the signing one may sign documents.  Authentication certificates carry the
  policy 1.2.398.3.3.2.4 (signing ones 1.2.398.3.3.2.3), and, by their EKU,
  clientAuth without emailProtection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LEGAL_ENTITY = x509.ObjectIdentifier("1.2.398.3.3.4.1.2")
FIRST_HEAD = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1")
SIGNATORY = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.2")
EMPLOYEE = x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")
INDIVIDUAL = x509.ObjectIdentifier("1.2.398.3.3.4.1.1")
SIGNING_POLICY = x509.ObjectIdentifier("1.2.398.3.3.2.3")
AUTHENTICATION_POLICY = x509.ObjectIdentifier("1.2.398.3.3.2.4")

#: The contract's role names, strongest first: a certificate naming several roles has the first.
ROLE_OIDS = {FIRST_HEAD: "first_head", SIGNATORY: "signatory", EMPLOYEE: "employee"}

SIGNING = "signing"
AUTHENTICATION = "authentication"

_IIN = re.compile(r"IIN(\d{12})")
_BIN = re.compile(r"BIN(\d{12})")


@dataclass(frozen=True)
class CertificateProfile:
    """The signer fields of the report (contracts/signing-cli.md), ``None`` where absent."""

    iin: str | None
    bin: str | None
    organisation: str | None
    role: str | None
    certificate_type: str

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> CertificateProfile:
        usages = _extended_key_usages(cert)
        return cls(
            iin=_match(_IIN, cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)),
            bin=_match(_BIN, cert.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)),
            organisation=_first(cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)),
            role=role_of(usages),
            certificate_type=_certificate_type(cert, usages),
        )


def role_of(usages: frozenset[x509.ObjectIdentifier]) -> str | None:
    """The holder's role from the certificate's extendedKeyUsage OIDs, or None."""
    for oid, role in ROLE_OIDS.items():
        if oid in usages:
            return role
    if INDIVIDUAL in usages and LEGAL_ENTITY not in usages:
        return "individual"
    return None


def _certificate_type(cert: x509.Certificate, usages: frozenset[x509.ObjectIdentifier]) -> str:
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        policies = x509.CertificatePolicies([])
    if AUTHENTICATION_POLICY in {p.policy_identifier for p in policies}:
        return AUTHENTICATION
    if (
        ExtendedKeyUsageOID.CLIENT_AUTH in usages
        and ExtendedKeyUsageOID.EMAIL_PROTECTION not in usages
    ):
        return AUTHENTICATION
    return SIGNING


def _extended_key_usages(cert: x509.Certificate) -> frozenset[x509.ObjectIdentifier]:
    try:
        return frozenset(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return frozenset()


def _first(attributes: list[x509.NameAttribute]) -> str | None:
    return str(attributes[0].value) if attributes else None


def _match(pattern: re.Pattern[str], attributes: list[x509.NameAttribute]) -> str | None:
    for attribute in attributes:
        found = pattern.fullmatch(str(attribute.value))
        if found:
            return found.group(1)
    return None
