"""Outside trust anchors and CRLs: a national root, an intermediate CA, DER files (issue 3)."""

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from signing_pki import NOW

from signing.ca import OfficerIdentity
from signing.sign import sign_letter
from signing.trust import TrustError, TrustStore, fingerprint
from signing.verify import verify_letter


@dataclass(frozen=True)
class _Issuer:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _cert(
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: _Issuer | None,
    *,
    ca: bool,
) -> x509.Certificate:
    """A certificate the way another CA makes them (not Arna's CertificateAuthority)."""
    issuer_name = issuer.cert.subject if issuer else subject
    signer = issuer.key if issuer else key
    usage = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    usage.update({"key_cert_sign": True, "crl_sign": True} if ca else {"digital_signature": True})
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=30))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(**usage), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()),
            critical=False,
        )
    )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def national() -> tuple[_Issuer, _Issuer, _Issuer]:
    """Root -> intermediate -> an agency officer, all outside Arna."""
    root_key, inter_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _Issuer(root_key, _cert(_name("National Root CA", "NCA"), root_key, None, ca=True))
    inter = _Issuer(inter_key, _cert(_name("NCA Signing CA", "NCA"), inter_key, root, ca=True))
    leaf = _Issuer(
        leaf_key, _cert(_name("Outside Officer", "AGENCY:MINHEALTH"), leaf_key, inter, ca=False)
    )
    return root, inter, leaf


def test_an_imported_der_root_trusts_its_intermediate_chain(
    national: tuple[_Issuer, _Issuer, _Issuer], letter_xml: bytes
) -> None:
    root, inter, leaf = national
    store = TrustStore()
    store.add_anchor(root.cert.public_bytes(Encoding.DER))
    signed = sign_letter(letter_xml, leaf.key, leaf.cert, [inter.cert])
    result = verify_letter(signed, store)
    assert result.passed, result.report
    # Not an Arna officer certificate: no first-head policy, whatever it claims elsewhere.
    assert result.signers == [OfficerIdentity("Outside Officer", "AGENCY:MINHEALTH", False)]
    # Without the intermediate in KeyInfo there is no path.
    alone = verify_letter(sign_letter(letter_xml, leaf.key, leaf.cert), store).report
    assert alone["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"


def test_an_imported_der_crl_of_the_intermediate_revokes(
    national: tuple[_Issuer, _Issuer, _Issuer], letter_xml: bytes
) -> None:
    root, inter, leaf = national
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(inter.cert.subject)
        .last_update(NOW - dt.timedelta(hours=1))
        .next_update(NOW + dt.timedelta(days=1))
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(leaf.cert.serial_number)
            .revocation_date(NOW - dt.timedelta(hours=1))
            .build()
        )
        .sign(inter.key, hashes.SHA256())
    )
    store = TrustStore()
    store.add_anchor(root.cert.public_bytes(Encoding.PEM))
    store.add_crl(crl.public_bytes(Encoding.DER))
    signed = sign_letter(letter_xml, leaf.key, leaf.cert, [inter.cert], signing_time=NOW)
    report = verify_letter(signed, store).report
    assert (report["indication"], report["sub_indication"]) == ("TOTAL_FAILED", "REVOKED")


def test_fingerprints_are_the_published_form(national: tuple[_Issuer, _Issuer, _Issuer]) -> None:
    text = fingerprint(national[0].cert)
    assert len(text) == 32 * 3 - 1
    assert text == text.upper()
    assert text.count(":") == 31


def test_garbage_is_not_imported() -> None:
    with pytest.raises(TrustError, match="PEM or DER"):
        TrustStore().add_anchor(b"\x30\x03\x02\x01\x00")
    with pytest.raises(TrustError, match="not a CRL"):
        TrustStore().add_crl(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")
