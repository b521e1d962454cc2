"""verify_letter(): what passes, and every known attack failing with the right sub-indication."""

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree
from signing_pki import NOW, Officer
from signxml import DigestAlgorithm, SignatureConstructionMethod, SignatureMethod, XMLSigner

from signing.ca import CertificateAuthority, OfficerIdentity
from signing.letter import read_letter
from signing.sign import C14N, _ArnaSigner, sign_letter
from signing.trust import TrustStore
from signing.verify import verify_letter
from signing.xmlparse import XMLInputError, parse_xml

DS = "{http://www.w3.org/2000/09/xmldsig#}"
LETTER = "{urn:arna:letter:1}"


class _SHA1Signer(XMLSigner):
    """An old tool that still signs with SHA-1 (signxml refuses to by default)."""

    def check_deprecated_methods(self) -> None:
        return None


def _plain(root: etree._Element, key: object, **kwargs: object) -> bytes:
    """A plain enveloped XMLDSig, as other tools make them."""
    is_ec = isinstance(key, ec.EllipticCurvePrivateKey)
    method = SignatureMethod.ECDSA_SHA256 if is_ec else SignatureMethod.RSA_SHA256
    signer = XMLSigner(c14n_algorithm=C14N, signature_algorithm=method)
    return etree.tostring(signer.sign(root, key=key, **kwargs))


def _outcome(xml: bytes, trust: TrustStore, **kwargs: object) -> tuple[str, str | None]:
    report = verify_letter(xml, trust, **kwargs).report
    json.dumps(report)  # the report is always plain JSON
    return report["indication"], report["sub_indication"]


@pytest.fixture(scope="module")
def signed(letter_xml: bytes, ec_officer: Officer) -> bytes:
    return sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW)


# --- what passes -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ec_officer", "rsa_officer", "first_head"])
def test_an_arna_signature_passes_and_names_the_officer(
    letter_xml: bytes, trust: TrustStore, request: pytest.FixtureRequest, who: str
) -> None:
    officer: Officer = request.getfixturevalue(who)
    result = verify_letter(sign_letter(letter_xml, officer.key, officer.cert), trust)
    assert result.passed, result.report
    assert result.report["sub_indication"] is None
    [signature] = result.report["signatures"]
    assert signature["signature_format"] == "XAdES-BASELINE-B"
    assert signature["signer"]["subject"] == officer.cert.subject.rfc4514_string()
    assert result.report["policy"]["id"].startswith("urn:arna:")
    assert result.report["validation_time"].endswith("+00:00")
    # ¶14-7, ¶14-8: whether a first head signed is read from the certificate.
    assert result.signers == [officer.identity]


def test_signed_root_is_the_signed_letter_not_the_input(signed: bytes, trust: TrustStore) -> None:
    result = verify_letter(signed, trust)
    assert result.signed_root is not None
    assert result.signed_root.getparent() is None
    assert read_letter(result.signed_root).registry_number == "MINHEALTH-2026-000123"


def test_a_co_signed_letter_passes_with_both_signers(
    signed: bytes, trust: TrustStore, ec_officer: Officer, first_head: Officer
) -> None:
    both = sign_letter(signed, first_head.key, first_head.cert)
    result = verify_letter(both, trust)
    assert result.passed, result.report
    assert result.signers == [ec_officer.identity, first_head.identity]
    tampered = both.replace(b"medical delegation", b"military delegation")
    assert _outcome(tampered, trust) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_a_plain_xmldsig_with_a_trusted_certificate_passes(
    letter_xml: bytes, trust: TrustStore, rsa_officer: Officer
) -> None:
    xml = _plain(parse_xml(letter_xml), rsa_officer.key, cert=[rsa_officer.cert])
    result = verify_letter(xml, trust)
    assert result.passed, result.report
    assert result.report["signatures"][0]["signature_format"] == "XMLDSig"
    assert result.report["signatures"][0]["signing_time"] is None


# --- what fails --------------------------------------------------------------------------------


def test_no_signature(letter_xml: bytes, trust: TrustStore) -> None:
    result = verify_letter(letter_xml, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "NO_SIGNATURE",
    )
    assert result.signed_root is None


def test_tampered_content(signed: bytes, trust: TrustStore) -> None:
    tampered = signed.replace(b"May 2026", b"June 2026")
    result = verify_letter(tampered, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "HASH_FAILURE",
    )
    assert result.signed_root is None
    assert result.signers == []


def test_tampered_signature_value(signed: bytes, trust: TrustStore) -> None:
    root = parse_xml(signed)
    value = root.find(f"{DS}Signature/{DS}SignatureValue")
    raw = bytearray(value.text.encode())
    raw[5] = ord("A") if raw[5] != ord("A") else ord("B")
    value.text = raw.decode()
    assert _outcome(etree.tostring(root), trust) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


def test_signature_wrapping_under_a_forged_root(signed: bytes, trust: TrustStore) -> None:
    """The genuine signed letter is tucked inside a forged one."""
    genuine = parse_xml(signed)
    forged = parse_xml(signed)
    forged.remove(forged.find(f"{DS}Signature"))
    forged.find(f"{LETTER}body").text = "Forged instructions."
    forged.find(f"{LETTER}body").append(genuine)
    assert _outcome(etree.tostring(forged), trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_signature_moved_onto_a_forged_letter(signed: bytes, trust: TrustStore) -> None:
    """The genuine signature, a direct child again, beside forged content."""
    genuine = parse_xml(signed)
    forged = parse_xml(signed)
    forged.remove(forged.find(f"{DS}Signature"))
    forged.find(f"{LETTER}body").text = "Forged instructions."
    wrapper = etree.SubElement(forged, f"{LETTER}original")
    wrapper.append(genuine)
    forged.append(genuine.find(f"{DS}Signature"))
    assert _outcome(etree.tostring(forged), trust) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_a_signature_over_part_of_the_letter(
    letter_xml: bytes, trust: TrustStore, ec_officer: Officer
) -> None:
    root = parse_xml(letter_xml)
    root.find(f"{LETTER}body").set("Id", "body")
    xml = _plain(root, ec_officer.key, cert=[ec_officer.cert], reference_uri="#body")
    result = verify_letter(xml, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "whole" in result.report["signatures"][0]["reasons"][0]


def test_an_extra_reference_to_part_of_the_letter(signed: bytes, trust: TrustStore) -> None:
    root = parse_xml(signed)
    root.find(f"{LETTER}body").set("Id", "body")
    signed_info = root.find(f"{DS}Signature/{DS}SignedInfo")
    extra = etree.SubElement(signed_info, f"{DS}Reference", URI="#body")
    transforms = etree.SubElement(extra, f"{DS}Transforms")
    etree.SubElement(transforms, f"{DS}Transform", Algorithm=C14N.value)
    xml = etree.tostring(root)
    result = verify_letter(xml, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "part of the letter" in result.report["signatures"][0]["reasons"][0]


def test_comment_injection(signed: bytes, trust: TrustStore) -> None:
    """Comments are not covered by a URI='' signature, so a reader could be fooled by one."""
    injected = signed.replace(b"MINHEALTH-2026-000123<", b"MINHEALTH-2026<!---->-000123<")
    assert injected != signed
    result = verify_letter(injected, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "comments" in result.report["signatures"][0]["reasons"][0]
    assert result.signed_root is None


def test_a_key_value_only_forgery(letter_xml: bytes, trust: TrustStore) -> None:
    """Anyone can sign with their own key and put it in KeyValue."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    xml = _plain(parse_xml(letter_xml), attacker)
    assert b"KeyValue" in xml
    assert _outcome(xml, trust) == ("INDETERMINATE", "NO_SIGNING_CERTIFICATE_FOUND")


def test_a_key_value_beside_someone_elses_certificate(
    letter_xml: bytes, trust: TrustStore, ec_officer: Officer
) -> None:
    """KeyValue is the attacker's, X509Data the officer's: only the certificate counts."""
    attacker = ec.generate_private_key(ec.SECP256R1())
    xml = _plain(parse_xml(letter_xml), attacker, cert=[ec_officer.cert], always_add_key_value=True)
    assert b"KeyValue" in xml
    assert _outcome(xml, trust) == ("TOTAL_FAILED", "SIG_CRYPTO_FAILURE")


@pytest.mark.parametrize(
    ("method", "digest"),
    [
        (SignatureMethod.RSA_SHA1, DigestAlgorithm.SHA256),
        (SignatureMethod.RSA_SHA256, DigestAlgorithm.SHA1),
    ],
)
def test_sha1(
    letter_xml: bytes,
    trust: TrustStore,
    rsa_officer: Officer,
    method: SignatureMethod,
    digest: DigestAlgorithm,
) -> None:
    signer = _SHA1Signer(signature_algorithm=method, digest_algorithm=digest, c14n_algorithm=C14N)
    root = signer.sign(parse_xml(letter_xml), key=rsa_officer.key, cert=[rsa_officer.cert])
    xml = etree.tostring(root)
    assert _outcome(xml, trust) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")


def test_hmac(letter_xml: bytes, trust: TrustStore) -> None:
    signer = XMLSigner(signature_algorithm=SignatureMethod.HMAC_SHA256, c14n_algorithm=C14N)
    xml = etree.tostring(signer.sign(parse_xml(letter_xml), key=b"shared secret"))
    assert _outcome(xml, trust) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")


def test_rsa_under_2048_bits(
    letter_xml: bytes, trust: TrustStore, registry_ca: CertificateAuthority
) -> None:
    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505 - the point of the test
    cert = registry_ca.issue_officer_cert(OfficerIdentity("Weak", "MFA"), weak.public_key())
    xml = _plain(parse_xml(letter_xml), weak, cert=[cert])
    assert _outcome(xml, trust) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")


def test_an_expired_signer(letter_xml: bytes, trust: TrustStore, expired_officer: Officer) -> None:
    xml = sign_letter(letter_xml, expired_officer.key, expired_officer.cert, signing_time=NOW)
    assert _outcome(xml, trust) == ("INDETERMINATE", "OUT_OF_BOUNDS_NO_POE")


def test_a_revoked_signer(letter_xml: bytes, trust: TrustStore, revoked_officer: Officer) -> None:
    xml = sign_letter(letter_xml, revoked_officer.key, revoked_officer.cert, signing_time=NOW)
    assert _outcome(xml, trust) == ("TOTAL_FAILED", "REVOKED")


def test_a_back_dated_signature_by_a_revoked_signer_fails_at_receipt_time(
    letter_xml: bytes, trust: TrustStore, revoked_officer: Officer
) -> None:
    """SigningTime is the signer's claim: the registry checks at the time it received the letter."""
    before = NOW - dt.timedelta(days=1)
    xml = sign_letter(letter_xml, revoked_officer.key, revoked_officer.cert, signing_time=before)
    assert _outcome(xml, trust) == ("TOTAL_PASSED", None)
    assert _outcome(xml, trust, at=NOW) == ("TOTAL_FAILED", "REVOKED")


def test_a_certificate_from_an_untrusted_ca(
    letter_xml: bytes, trust: TrustStore, rogue_officer: Officer
) -> None:
    """Same name, same agency, first-head flag: but not issued by a trusted CA."""
    xml = sign_letter(letter_xml, rogue_officer.key, rogue_officer.cert)
    result = verify_letter(xml, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "INDETERMINATE",
        "NO_CERTIFICATE_CHAIN_FOUND",
    )
    assert result.signers == []


def test_a_xades_signature_without_signing_time(
    letter_xml: bytes, trust: TrustStore, ec_officer: Officer
) -> None:
    class NoTime(_ArnaSigner):
        def add_signing_time(self, *args: object, **kwargs: object) -> None:
            return None

    signer = NoTime(
        NOW,
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=C14N,
    )
    root = signer.sign(parse_xml(letter_xml), key=ec_officer.key, cert=[ec_officer.cert])
    xml = etree.tostring(root)
    result = verify_letter(xml, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "SigningTime" in result.report["signatures"][0]["reasons"][0]


def test_an_enveloping_signature_is_not_a_letter(trust: TrustStore, ec_officer: Officer) -> None:
    signer = XMLSigner(
        method=SignatureConstructionMethod.enveloping,
        signature_algorithm=SignatureMethod.ECDSA_SHA256,
        c14n_algorithm=C14N,
    )
    xml = etree.tostring(signer.sign(b"<x/>", key=ec_officer.key, cert=[ec_officer.cert]))
    assert _outcome(xml, trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_unreadable_input_raises(trust: TrustStore) -> None:
    with pytest.raises(XMLInputError):
        verify_letter(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', trust)


def test_a_back_dated_signing_time_breaks_the_signature(signed: bytes, trust: TrustStore) -> None:
    year = str(NOW.year).encode()
    tampered = signed.replace(b"<xades:SigningTime>" + year, b"<xades:SigningTime>2020")
    assert tampered != signed
    assert _outcome(tampered, trust) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_a_reference_id_that_is_not_unique(signed: bytes, trust: TrustStore) -> None:
    """A decoy element carrying the SignedProperties' Id is refused, whichever one a tool picks."""
    root = parse_xml(signed)
    ref = root.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference[2]")
    root.find(f"{LETTER}body").set("Id", ref.get("URI")[1:])
    assert _outcome(etree.tostring(root), trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_one_bad_co_signature_decides_the_letter(
    signed: bytes, trust: TrustStore, rogue_officer: Officer
) -> None:
    """The document's indication is its worst signature's; nothing is handed out as signed."""
    both = sign_letter(signed, rogue_officer.key, rogue_officer.cert)
    result = verify_letter(both, trust)
    assert [s["indication"] for s in result.report["signatures"]] == [
        "TOTAL_PASSED",
        "INDETERMINATE",
    ]
    assert result.report["sub_indication"] == "NO_CERTIFICATE_CHAIN_FOUND"
    assert (result.signed_root, result.signers) == (None, [])


def test_an_extra_transform_is_refused(signed: bytes, trust: TrustStore) -> None:
    """Only enveloped-signature + c14n: an XPath or XSLT transform could hide content."""
    root = parse_xml(signed)
    transforms = root.find(f"{DS}Signature/{DS}SignedInfo/{DS}Reference/{DS}Transforms")
    xpath = etree.SubElement(
        transforms, f"{DS}Transform", Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"
    )
    etree.SubElement(xpath, f"{DS}XPath").text = "not(ancestor-or-self::*[local-name()='body'])"
    assert _outcome(etree.tostring(root), trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_a_sha1_signing_certificate_digest_is_refused(signed: bytes, trust: TrustStore) -> None:
    sha256 = (
        b'<xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"'
    )
    sha1 = b'<xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"'
    weak = signed.replace(sha256, sha1)
    assert weak != signed
    assert _outcome(weak, trust) == ("INDETERMINATE", "CRYPTO_CONSTRAINTS_FAILURE")


# --- issue 11: what is shown is what is signed; nothing rides along ---------------------------


def test_a_processing_instruction_in_signed_text_is_refused(
    letter_xml: bytes, trust: TrustStore, ec_officer: Officer
) -> None:
    """H1: a PI is signed, but `.text` stops at it; the verifier refuses it like a comment."""
    body = b"<body>We agree.<?pi?> This consent is withdrawn.</body>"
    hostile = parse_xml(letter_xml)
    hostile.find(f"{LETTER}body").getparent().replace(
        hostile.find(f"{LETTER}body"),
        etree.fromstring(body.replace(b"<body>", b'<body xmlns="urn:arna:letter:1">')),
    )
    signed = _plain(hostile, ec_officer.key, cert=[ec_officer.cert])
    assert b"<?pi?>" in signed
    result = verify_letter(signed, trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "processing instructions" in result.report["signatures"][0]["reasons"][0]
    assert result.signed_root is None


def test_a_processing_instruction_injected_after_signing_is_refused(
    signed: bytes, trust: TrustStore
) -> None:
    injected = signed.replace(b"MINHEALTH-2026-000123<", b"MINHEALTH-2026<?x?>-000123<")
    assert injected != signed
    assert _outcome(injected, trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_a_second_letter_inside_ds_object_is_refused(signed: bytes, trust: TrustStore) -> None:
    """L7: ds:Object is outside what the document reference covers (the signature is removed
    by the enveloped-signature transform), so a letter hidden there would be stored unsigned."""
    root = parse_xml(signed)
    second = etree.fromstring(etree.tostring(root))
    for signature in second.findall(f"{DS}Signature"):
        second.remove(signature)
    obj = etree.SubElement(root.find(f"{DS}Signature"), f"{DS}Object")
    obj.append(second)
    result = verify_letter(etree.tostring(root), trust)
    assert (result.report["indication"], result.report["sub_indication"]) == (
        "TOTAL_FAILED",
        "FORMAT_FAILURE",
    )
    assert "letter" in result.report["signatures"][0]["reasons"][0]


def test_a_foreign_element_beside_the_qualifying_properties_is_refused(
    signed: bytes, trust: TrustStore
) -> None:
    root = parse_xml(signed)
    obj = root.find(f"{DS}Signature/{DS}Object")
    etree.SubElement(obj, f"{DS}Manifest")
    assert _outcome(etree.tostring(root), trust) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_an_expired_crl_cannot_vouch_for_the_signer(
    letter_xml: bytes, registry_ca: CertificateAuthority, ec_officer: Officer
) -> None:
    """A CRL whose nextUpdate is before the validation time says nothing about revocations
    since: INDETERMINATE / TRY_LATER, naming the CRL's issuer and when it expired."""
    store = TrustStore()
    store.add_anchor(registry_ca.certificate)
    store.add_crl(registry_ca.crl(this_update=NOW - dt.timedelta(days=10), next_update_days=2))
    xml = sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW)
    report = verify_letter(xml, store).report
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    reason = report["signatures"][0]["reasons"][0]
    assert "the CRL of CN=Arna Registry Root CA" in reason
    assert "expired on" in reason
    # A current CRL beside the old one settles it.
    store.add_crl(registry_ca.crl(this_update=NOW - dt.timedelta(hours=1)))
    assert _outcome(xml, store) == ("TOTAL_PASSED", None)


def test_a_live_crl_is_never_stale(
    letter_xml: bytes, registry_ca: CertificateAuthority, ec_officer: Officer
) -> None:
    """The registry keeps its own CA's CRL as its revocation state (re-issued with every
    revocation), so that one is current whatever its nextUpdate says."""
    store = TrustStore()
    store.add_anchor(registry_ca.certificate)
    store.add_crl(
        registry_ca.crl(this_update=NOW - dt.timedelta(days=10), next_update_days=2), live=True
    )
    xml = sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW)
    assert _outcome(xml, store) == ("TOTAL_PASSED", None)
