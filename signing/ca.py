"""The registry's embedded certificate authority and what officer certificates say.

An officer certificate carries what the Rules need to know about the signer,
written the way NCA RK writes its certificates (``signing.profile``) so that one
reading serves both: the name (CN), the agency as its party code (O, e.g.
``AGENCY:MINHEALTH``), the IIN (SERIALNUMBER) and BIN (OU) where known, and
whether they are the agency's first head or acting for them (¶14-7, ¶14-8) as
the NCA role in extendedKeyUsage — signed by the CA, so it cannot be claimed by
the letter itself.  Every officer certificate also carries the registry's
officer policy; its OIDs live under a UUID arc (ITU-T X.667, ``2.25``), which
needs no registration and cannot collide.  Certificates issued before the move
to the NCA profile flag a first head by a policy, which is still read.

Revocations are kept in the CRL itself: the CA's serialised state is its
certificate, its encrypted key and its latest CRL.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from signing import profile
from signing.keys import (
    WRAPPED_LABEL,
    PublicKey,
    SigningKey,
    encrypt_private_key,
    generate_signing_key,
    load_private_key,
)
from signing.profile import CertificateProfile

#: Arna's private OID arc: 2.25 + a random UUID as an integer (X.667).
ARNA_OID_ARC = "2.25.186515437932818404066297452066584563613"
#: Every officer signing certificate of the registry CA carries this policy.
OFFICER_POLICY = x509.ObjectIdentifier(ARNA_OID_ARC + ".1.1")
#: First heads' certificates issued before the NCA profile carried this policy (¶14-7, ¶14-8).
FIRST_HEAD_POLICY = x509.ObjectIdentifier(ARNA_OID_ARC + ".1.2")
#: The O of the registry's own certificates (its root and its seals).
REGISTRY_ORGANIZATION = "Arna registry"
#: Where the registry publishes its CA certificate (DER) and current CRL (DER), under its
#: public URL: the paths its certificates name (registry/web/public.py serves them).
CERTIFICATE_PATH = "/pki/ca.cer"
CRL_PATH = "/pki/ca.crl"

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----\s*", re.DOTALL)


@dataclass(frozen=True)
class OfficerIdentity:
    """Who signed, as far as the Rules care: read from the certificate, never from the letter."""

    name: str
    agency: str
    first_head: bool = False
    iin: str | None = None
    bin: str | None = None

    @classmethod
    def from_certificate(cls, cert: x509.Certificate) -> OfficerIdentity:
        """Identity of any signer, the registry's officers and NCA RK holders alike."""
        attributes = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        profile = CertificateProfile.from_certificate(cert)
        try:
            policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
            legacy_first_head = FIRST_HEAD_POLICY in {p.policy_identifier for p in policies}
        except x509.ExtensionNotFound:
            legacy_first_head = False
        return cls(
            name=str(attributes[0].value) if attributes else "",
            agency=profile.organisation or "",
            first_head=profile.role == "first_head" or legacy_first_head,
            iin=profile.iin,
            bin=profile.bin,
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _subject(
    organization: str, common_name: str, *, iin: str | None = None, bin: str | None = None
) -> x509.Name:
    """C=KZ, O=<organization>, [OU=BIN<bin>,] CN=<common name>[, SERIALNUMBER=IIN<iin>]:
    the shape of every name this CA writes, NCA RK's where an IIN or BIN is known."""
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if bin:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{bin}"))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if iin:
        attributes.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{iin}"))
    return x509.Name(attributes)


@dataclass
class CertificateAuthority:
    """A root CA that issues officer signing certificates and keeps their revocations."""

    key: SigningKey
    certificate: x509.Certificate
    revoked: dict[int, dt.datetime] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        name: str,
        *,
        key: SigningKey | None = None,
        valid_days: int = 3650,
        not_before: dt.datetime | None = None,
    ) -> CertificateAuthority:
        """A new self-signed root (ECDSA P-256 unless a key is given)."""
        key = key or generate_signing_key("ecdsa-p256")
        start = not_before or _now() - dt.timedelta(minutes=5)
        subject = _subject(REGISTRY_ORGANIZATION, name)
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=valid_days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=cert)

    def issue_officer_cert(
        self,
        identity: OfficerIdentity,
        public_key: PublicKey,
        valid_days: int = 730,
        *,
        not_before: dt.datetime | None = None,
        published_at: str | None = None,
    ) -> x509.Certificate:
        """An officer's signing certificate in the NCA RK profile: name in CN, agency code
        in O, IIN/BIN where known, first head or employee as the NCA role in the EKU.

        ``published_at``: the base URL where this CA publishes its certificate
        (``/pki/ca.cer``) and CRL (``/pki/ca.crl``); the certificate then names them
        (CRL distribution point, authority information access caIssuers), so an outside
        verifier finds both without asking the registry's database."""
        start = not_before or _now() - dt.timedelta(minutes=5)
        role = profile.FIRST_HEAD if identity.first_head else profile.EMPLOYEE
        usages = [ExtendedKeyUsageOID.EMAIL_PROTECTION, profile.LEGAL_ENTITY, role]
        return self._issue_leaf(
            _subject(identity.agency, identity.name, iin=identity.iin, bin=identity.bin),
            public_key,
            start,
            start + dt.timedelta(days=valid_days),
            [x509.PolicyInformation(OFFICER_POLICY, None)],
            usages,
            published_at,
        )

    def issue_seal_cert(
        self,
        name: str,
        public_key: PublicKey,
        valid_days: int = 3650,
        *,
        not_before: dt.datetime | None = None,
    ) -> x509.Certificate:
        """A registry seal's certificate (e.g. for certified copies): signing usages
        only and no officer policy, so the seal can never pass for an officer's signature
        on a letter.  It ends no later than this CA's own certificate."""
        start = not_before or _now() - dt.timedelta(minutes=5)
        end = min(start + dt.timedelta(days=valid_days), self.certificate.not_valid_after_utc)
        return self._issue_leaf(
            _subject(REGISTRY_ORGANIZATION, name), public_key, start, end, [], []
        )

    def _issue_leaf(
        self,
        subject: x509.Name,
        public_key: PublicKey,
        start: dt.datetime,
        end: dt.datetime,
        policies: list[x509.PolicyInformation],
        usages: list[x509.ObjectIdentifier],
        published_at: str | None = None,
    ) -> x509.Certificate:
        """An end-entity signing certificate; policies, EKU and the CA's publication
        points (CRL distribution point, caIssuers) only when there are any."""
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=True,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if policies:
            builder = builder.add_extension(x509.CertificatePolicies(policies), critical=False)
        if usages:
            builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        if published_at:
            base = published_at.rstrip("/")
            crl = x509.UniformResourceIdentifier(f"{base}{CRL_PATH}")
            issuer = x509.UniformResourceIdentifier(f"{base}{CERTIFICATE_PATH}")
            builder = builder.add_extension(
                x509.CRLDistributionPoints([x509.DistributionPoint([crl], None, None, None)]),
                critical=False,
            ).add_extension(
                x509.AuthorityInformationAccess(
                    [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS, issuer)]
                ),
                critical=False,
            )
        return (
            builder.add_extension(
                x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()),
                critical=False,
            )
            .sign(self.key, hashes.SHA256())
        )

    def revoke(self, serial: int, when: dt.datetime | None = None) -> None:
        """Record a revocation; it takes effect for verifiers once they load the next crl()."""
        self.revoked[serial] = when or _now()

    def crl(
        self, *, next_update_days: int = 7, this_update: dt.datetime | None = None
    ) -> x509.CertificateRevocationList:
        """A signed CRL of every revocation so far."""
        start = this_update or _now()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.certificate.subject)
            .last_update(start)
            .next_update(start + dt.timedelta(days=next_update_days))
        )
        for serial, when in sorted(self.revoked.items()):
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build()
            )
        return builder.sign(self.key, hashes.SHA256())

    def dump(self, passphrase: bytes) -> bytes:
        """PEM bundle of the CA's state: certificate, encrypted key, current CRL."""
        return b"".join(
            [
                self.certificate.public_bytes(serialization.Encoding.PEM),
                encrypt_private_key(self.key, passphrase),
                self.crl().public_bytes(serialization.Encoding.PEM),
            ]
        )

    @classmethod
    def load(cls, data: bytes, passphrase: bytes) -> CertificateAuthority:
        """The inverse of dump(); the CRL is believed only if the CA's own key signed it."""
        blocks = {m.group(1): m.group(0) for m in _PEM_BLOCK.finditer(data)}
        try:
            cert = x509.load_pem_x509_certificate(blocks[b"CERTIFICATE"])
            key = load_private_key(_private_key_block(blocks), passphrase)
            crl = x509.load_pem_x509_crl(blocks[b"X509 CRL"])
        except KeyError as missing:
            raise ValueError(f"CA bundle lacks its {missing.args[0].decode()} block") from None
        if not crl.is_signature_valid(cert.public_key()):  # type: ignore[arg-type]
            raise ValueError("the CA bundle's CRL is not signed by its certificate")
        revoked = {r.serial_number: r.revocation_date_utc for r in crl}
        return cls(key=key, certificate=cert, revoked=revoked)


def _private_key_block(blocks: dict[bytes, bytes]) -> bytes:
    """The CA bundle's wrapped key: Arna's current format, or encrypted PKCS#8 of old."""
    for label in (WRAPPED_LABEL.encode("ascii"), b"ENCRYPTED PRIVATE KEY"):
        if label in blocks:
            return blocks[label]
    raise KeyError(b"PRIVATE KEY")
