"""The NCA RK profile: what NCALayer and KalkanCrypt produce verifies; tampering never does.

Real public samples (tests/data/nca, see its SOURCES.md), real NCA test CAs and
CRLs; certificates made here only where no public sample exists (an
authentication certificate, a production store's refusal).
"""

from __future__ import annotations

import datetime as dt
import json
from base64 import b64decode, b64encode
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from lxml import etree
from signing_pki import NOW
from signxml import CanonicalizationMethod, SignatureMethod, XMLSigner

from signing.__main__ import main
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.pki_marks import NCA_PRODUCTION, NCA_TEST, REGISTRY, recognise
from signing.profile import AUTHENTICATION_POLICY, CertificateProfile
from signing.sign import sign_letter
from signing.trust import TrustStore, load_certificates
from signing.verify import verify_letter
from signing.xmlparse import parse_xml

NCA = Path(__file__).resolve().parents[2] / "data" / "nca"
DS = "{http://www.w3.org/2000/09/xmldsig#}"
UTC = dt.UTC

#: Sample -> a time inside its signer's certificate validity (None: XAdES SigningTime).
SAMPLES = {
    "ncanode_rsa_sha256.xml": dt.datetime(2021, 6, 1, tzinfo=UTC),
    "kalkan_gost2015_hello.xml": dt.datetime(2023, 6, 1, tzinfo=UTC),
    "ncanode_xades_gost2015_b.xml": None,
}
#: The two-signer sample's signers were never valid at the same time (RSA 2021-01..2022-01,
#: GOST 2022-07..2023-07): each is checked inside its own validity.
TWO_SIGNERS = "ncanode_rsa_plus_gost2015_two_signers.xml"
RSA_TIME = dt.datetime(2021, 6, 1, tzinfo=UTC)
GOST_TIME = dt.datetime(2023, 1, 1, tzinfo=UTC)


def _nca_test_store(**options: bool) -> TrustStore:
    """Every vendored NCA CA (test and 2015 production), marked as the CLI marks them."""
    store = TrustStore(**options)
    for path in sorted((NCA / "ca").iterdir()):
        for cert in load_certificates(path.read_bytes()):
            store.add_anchor(cert, pki=recognise(cert))
    return store


@pytest.fixture(scope="module")
def nca_trust() -> TrustStore:
    return _nca_test_store()


def _sample(name: str) -> bytes:
    return (NCA / name).read_bytes()


def _outcome(xml: bytes, trust: TrustStore, at: dt.datetime | None) -> tuple[str, str | None]:
    report = verify_letter(xml, trust, at).report
    json.dumps(report)
    return report["indication"], report["sub_indication"]


# --- every sample verifies, with who signed -------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_nca_sample_passes_inside_its_signers_validity(
    name: str, nca_trust: TrustStore
) -> None:
    result = verify_letter(_sample(name), nca_trust, SAMPLES[name])
    assert result.passed, result.report
    [signature] = result.report["signatures"]
    signer = signature["signer"]
    assert signer["iin"] == "123456789011"
    assert signer["certificate_type"] == "signing"
    assert signer["pki"] == NCA_TEST
    assert result.signed_root is not None
    assert result.signed_root.find(f".//{DS}Signature") is None


def test_the_kalkan_first_head_reads_as_first_head(nca_trust: TrustStore) -> None:
    result = verify_letter(
        _sample("kalkan_gost2015_hello.xml"), nca_trust, SAMPLES["kalkan_gost2015_hello.xml"]
    )
    signer = result.report["signatures"][0]["signer"]
    assert (signer["role"], signer["bin"], signer["organisation"]) == (
        "first_head",
        "123456789021",
        'АО "ТЕСТ"',
    )
    [identity] = result.signers
    assert identity.first_head
    assert identity.iin == "123456789011"
    assert identity.bin == "123456789021"


def test_the_rsa_sample_is_an_individual(nca_trust: TrustStore) -> None:
    report = verify_letter(_sample("ncanode_rsa_sha256.xml"), nca_trust, RSA_TIME).report
    signer = report["signatures"][0]["signer"]
    assert (signer["role"], signer["bin"], signer["organisation"]) == ("individual", None, None)


def test_the_xades_sample_is_xades_with_its_signed_time(nca_trust: TrustStore) -> None:
    report = verify_letter(_sample("ncanode_xades_gost2015_b.xml"), nca_trust).report
    [signature] = report["signatures"]
    assert signature["signature_format"] == "XAdES-BASELINE-B"
    assert signature["checked_at"] == "2026-09-02T10:04:52+00:00"


@pytest.mark.parametrize(("at", "passing"), [(RSA_TIME, 0), (GOST_TIME, 1)])
def test_two_signers_each_verify_inside_their_own_validity(
    nca_trust: TrustStore, at: dt.datetime, passing: int
) -> None:
    """The later GOST signature covers the earlier RSA one; at any one time only one of the
    two certificates was valid, so the other is out of its period — never a crypto failure."""
    report = verify_letter(_sample(TWO_SIGNERS), nca_trust, at).report
    outcomes = [(s["indication"], s["sub_indication"]) for s in report["signatures"]]
    assert outcomes[passing] == ("TOTAL_PASSED", None)
    assert outcomes[1 - passing][1] in {"OUT_OF_BOUNDS_NO_POE", "NOT_YET_VALID"}
    assert [s["signer"]["iin"] for s in report["signatures"]] == ["123456789011", "123456789012"]


# --- tampering ------------------------------------------------------------------------------


def _tampered_texts(xml: bytes) -> list[bytes]:
    """One changed character in every signed text node of the document (not the signatures)."""
    root = parse_xml(xml)
    variants = []
    for element in root.iter(etree.Element):
        if DS in element.tag or not (element.text or "").strip():
            continue
        if any(ancestor.tag == f"{DS}Signature" for ancestor in element.iterancestors()):
            continue
        copy = parse_xml(xml)
        twin = copy.xpath(root.getroottree().getpath(element))[0]
        first = twin.text.strip()[0]
        twin.text = twin.text.replace(first, "Z" if first != "Z" else "Y", 1)
        variants.append(etree.tostring(copy.getroottree(), encoding="UTF-8"))
    assert variants
    return variants


def _flipped_base64(xml: bytes, tag: str, occurrence: int = 0) -> bytes:
    """``xml`` with one bit of the decoded ``tag`` value (e.g. SignatureValue) flipped."""
    root = parse_xml(xml)
    node = list(root.iter(f"{DS}{tag}"))[occurrence]
    raw = bytearray(b64decode("".join(node.text.split())))
    raw[len(raw) // 2] ^= 0x01
    node.text = b64encode(bytes(raw)).decode()
    return etree.tostring(root.getroottree(), encoding="UTF-8")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_any_changed_character_of_the_content_is_a_hash_failure(
    name: str, nca_trust: TrustStore
) -> None:
    for tampered in _tampered_texts(_sample(name)):
        assert _outcome(tampered, nca_trust, SAMPLES[name]) == ("TOTAL_FAILED", "HASH_FAILURE")


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_flipped_signature_or_signed_digest_is_a_crypto_failure(
    name: str, nca_trust: TrustStore
) -> None:
    for tag in ("SignatureValue", "DigestValue"):
        tampered = _flipped_base64(_sample(name), tag)
        assert _outcome(tampered, nca_trust, SAMPLES[name]) == (
            "TOTAL_FAILED",
            "SIG_CRYPTO_FAILURE",
        ), tag


def test_a_changed_xades_signing_time_is_a_hash_failure(nca_trust: TrustStore) -> None:
    xml = _sample("ncanode_xades_gost2015_b.xml").replace(
        b"2026-09-02T10:04:52Z", b"2026-09-01T10:04:52Z"
    )
    assert _outcome(xml, nca_trust, None) == ("TOTAL_FAILED", "HASH_FAILURE")


def test_the_earlier_signature_of_two_is_covered_by_the_later(nca_trust: TrustStore) -> None:
    """Flipping the first (RSA) signature's value breaks it and the GOST one over it."""
    report = verify_letter(
        _flipped_base64(_sample(TWO_SIGNERS), "SignatureValue"), nca_trust, GOST_TIME
    ).report
    outcomes = [(s["indication"], s["sub_indication"]) for s in report["signatures"]]
    assert outcomes == [("TOTAL_FAILED", "SIG_CRYPTO_FAILURE"), ("TOTAL_FAILED", "HASH_FAILURE")]


def test_a_comment_is_still_refused_under_with_comments(nca_trust: TrustStore) -> None:
    """#WithComments is accepted only because comments never get that far."""
    xml = _sample("ncanode_rsa_sha256.xml").replace(b"<b>test</b>", b"<b>te<!--x-->st</b>")
    assert _outcome(xml, nca_trust, RSA_TIME) == ("TOTAL_FAILED", "FORMAT_FAILURE")


def test_a_gost_signature_over_part_of_the_document_is_refused(nca_trust: TrustStore) -> None:
    """The same structural pinning as the strict profile: the signature moved under a
    wrapper is nested, and the wrapper's own content is signed by nobody."""
    xml = _sample("kalkan_gost2015_hello.xml").replace(b"<test>", b"<wrap><test>", 1)
    xml = xml.replace(b"</test>", b"</test><forged>pay</forged></wrap>")
    report = verify_letter(xml, nca_trust, GOST_TIME).report
    assert report["indication"] == "TOTAL_FAILED"
    assert "not a direct child" in json.dumps(report)


# --- trust: GOST chains, CRLs, test vs production -------------------------------------------


def test_a_gost_signer_needs_its_intermediate_in_the_store() -> None:
    store = TrustStore()
    store.add_anchor((NCA / "ca" / "root_test_gost_2022.cer").read_bytes(), pki=NCA_TEST)
    xml = _sample("ncanode_xades_gost2015_b.xml")
    assert _outcome(xml, store, None) == ("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND")


def test_a_gost_path_through_an_imported_intermediate_checks_its_signature() -> None:
    """Root and intermediate as given by an operator: the path leaf -> intermediate is
    proved by the intermediate's GOST signature on the leaf."""
    store = TrustStore()
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        store.add_anchor((NCA / "ca" / name).read_bytes(), pki=NCA_TEST)
    assert _outcome(_sample("ncanode_xades_gost2015_b.xml"), store, None) == (
        "TOTAL_PASSED",
        None,
    )
    # The RSA intermediate has the same kind of name but never signed a GOST leaf.
    other = TrustStore()
    other.add_anchor((NCA / "ca" / "nca_rsa_test.crt").read_bytes())
    assert _outcome(_sample("ncanode_xades_gost2015_b.xml"), other, None)[1] == (
        "NO_CERTIFICATE_CHAIN_FOUND"
    )


def test_an_expired_gost_crl_gives_try_later(nca_trust: TrustStore) -> None:
    """The 2022 CRL of the GOST intermediate (next update 2023-01-23), checked in 2026."""
    store = _nca_test_store()
    store.add_crl((NCA / "crl" / "nca_gost2022_test.crl").read_bytes())
    report = verify_letter(_sample("ncanode_xades_gost2015_b.xml"), store).report
    assert (report["indication"], report["sub_indication"]) == ("INDETERMINATE", "TRY_LATER")
    reason = report["signatures"][0]["reasons"][0]
    assert "(GOST) TEST 2022 expired on 2023-01-23" in reason


def test_a_current_gost_crl_signed_by_its_root_is_used() -> None:
    """The root's CRL (GOST-signed, current at the signing time) covers the intermediate."""
    store = _nca_test_store()
    store.add_crl((NCA / "crl" / "root_test_gost_2022_from_xades_lt.crl").read_bytes())
    assert _outcome(_sample("ncanode_xades_gost2015_b.xml"), store, None) == ("TOTAL_PASSED", None)


def test_a_current_rsa_crl_leaves_the_unrevoked_signer_valid() -> None:
    store = _nca_test_store()
    store.add_crl((NCA / "crl" / "nca_rsa_test.crl").read_bytes())
    assert _outcome(_sample("ncanode_rsa_sha256.xml"), store, RSA_TIME) == ("TOTAL_PASSED", None)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_a_production_store_refuses_the_test_pki(name: str) -> None:
    store = _nca_test_store(production=True)
    report = verify_letter(_sample(name), store, SAMPLES[name]).report
    assert (report["indication"], report["sub_indication"]) == (
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
    )
    assert "NCA RK test PKI" in report["signatures"][0]["reasons"][0]
    allowed = _nca_test_store(production=True, allow_test_pki=True)
    assert _outcome(_sample(name), allowed, SAMPLES[name]) == ("TOTAL_PASSED", None)


def test_anchors_are_marked_by_fingerprint_or_name() -> None:
    marks = {
        path.name: recognise(load_certificates(path.read_bytes())[0])
        for path in (NCA / "ca").iterdir()
    }
    assert {n for n, m in marks.items() if m == NCA_PRODUCTION} == {
        "prod_2015_root_rsa.crt",
        "prod_2015_root_gost.crt",
        "prod_2015_nca_rsa.crt",
        "prod_2015_nca_gost.crt",
    }
    assert all(m == NCA_TEST for n, m in marks.items() if not n.startswith("prod_"))
    # A newer NCA CA, unknown by fingerprint, is known by its name.
    for common_name, expected in [
        ("ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) 2030", NCA_PRODUCTION),
        ("ҰКО 4.0 (GOST TEST)", NCA_TEST),
        ("Some Other CA", "other"),
    ]:
        cert = _self_signed(common_name)
        assert recognise(cert) == expected, common_name
    assert recognise(CertificateAuthority.create("Arna Root").certificate) == REGISTRY


def _self_signed(common_name: str) -> x509.Certificate:
    key = rsa.generate_private_key(65537, 2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


# --- signing vs authentication certificates -------------------------------------------------


def _nca_style_cert(
    ca: CertificateAuthority,
    key: rsa.RSAPrivateKey,
    usages: list[x509.ObjectIdentifier],
    policies: list[x509.ObjectIdentifier],
) -> x509.Certificate:
    """A certificate written the way NCA RK writes its holders' certificates."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, "IIN123456789011"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'АО "ТЕСТ"'),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "BIN123456789021"),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, True, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(p, None) for p in policies]),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )


@pytest.mark.parametrize(
    ("usages", "policies"),
    [
        ([ExtendedKeyUsageOID.CLIENT_AUTH, x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1")], []),
        ([ExtendedKeyUsageOID.EMAIL_PROTECTION], [AUTHENTICATION_POLICY]),
    ],
    ids=["clientAuth-only", "nca-auth-policy"],
)
def test_an_authentication_certificate_never_signs(
    letter_xml: bytes,
    registry_ca: CertificateAuthority,
    rsa_key: rsa.RSAPrivateKey,
    usages: list[x509.ObjectIdentifier],
    policies: list[x509.ObjectIdentifier],
) -> None:
    cert = _nca_style_cert(registry_ca, rsa_key, usages, policies)
    assert CertificateProfile.from_certificate(cert).certificate_type == "authentication"
    store = TrustStore()
    store.add_anchor(registry_ca.certificate)
    report = verify_letter(sign_letter(letter_xml, rsa_key, cert), store).report
    assert (report["indication"], report["sub_indication"]) == (
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
    )
    [signature] = report["signatures"]
    assert "authentication certificate" in signature["reasons"][0]
    assert signature["signer"]["certificate_type"] == "authentication"


def test_the_same_holder_with_a_signing_certificate_passes(
    letter_xml: bytes, registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey
) -> None:
    usages = [
        ExtendedKeyUsageOID.EMAIL_PROTECTION,
        x509.ObjectIdentifier("1.2.398.3.3.4.1.2"),
        x509.ObjectIdentifier("1.2.398.3.3.4.1.2.2"),
    ]
    cert = _nca_style_cert(registry_ca, rsa_key, usages, [x509.ObjectIdentifier("1.2.398.3.3.2.3")])
    store = TrustStore()
    store.add_anchor(registry_ca.certificate, pki=REGISTRY)
    result = verify_letter(sign_letter(letter_xml, rsa_key, cert), store)
    assert result.passed, result.report
    signer = result.report["signatures"][0]["signer"]
    assert {k: signer[k] for k in ("iin", "bin", "organisation", "role", "pki")} == {
        "iin": "123456789011",
        "bin": "123456789021",
        "organisation": 'АО "ТЕСТ"',
        "role": "signatory",
        "pki": REGISTRY,
    }


# --- the registry CA's officers in the same profile -----------------------------------------


def test_registry_officer_certificates_use_the_nca_profile(
    registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey, letter_xml: bytes
) -> None:
    identity = OfficerIdentity(
        "Marat Serikovich",
        "AGENCY:MINHEALTH",
        first_head=True,
        iin="850101300123",
        bin="123456789021",
    )
    cert = registry_ca.issue_officer_cert(identity, rsa_key.public_key())
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert x509.ObjectIdentifier("1.2.398.3.3.4.1.2.1") in usages
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "IIN850101300123"
    assert OfficerIdentity.from_certificate(cert) == identity
    store = TrustStore()
    store.add_anchor(registry_ca.certificate, pki=REGISTRY)
    signer = verify_letter(sign_letter(letter_xml, rsa_key, cert), store).report["signatures"][0][
        "signer"
    ]
    assert (signer["role"], signer["iin"], signer["bin"], signer["organisation"]) == (
        "first_head",
        "850101300123",
        "123456789021",
        "AGENCY:MINHEALTH",
    )
    assert (signer["certificate_type"], signer["pki"]) == ("signing", REGISTRY)


def test_an_employee_officer_is_an_employee(
    registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey
) -> None:
    cert = registry_ca.issue_officer_cert(
        OfficerIdentity("Aigerim", "AGENCY:MINHEALTH"), rsa_key.public_key()
    )
    profile = CertificateProfile.from_certificate(cert)
    assert (profile.role, profile.iin, profile.bin) == ("employee", None, None)
    assert OfficerIdentity.from_certificate(cert).first_head is False


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_cli_verifies_the_samples_with_der_and_pem_anchors(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["verify", str(NCA / name)]
    for path in sorted((NCA / "ca").iterdir()):
        args += ["--trust", str(path)]
    if SAMPLES[name]:
        args += ["--at", SAMPLES[name].isoformat()]
    assert main(args) == 0
    out, err = capsys.readouterr()
    signer = json.loads(out)["signatures"][0]["signer"]
    assert set(signer) == {
        "subject",
        "issuer",
        "serial",
        "iin",
        "bin",
        "organisation",
        "role",
        "certificate_type",
        "pki",
    }
    assert signer["pki"] == NCA_TEST
    assert err == ""


def test_the_cli_takes_der_crls(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["verify", str(NCA / "ncanode_xades_gost2015_b.xml")]
    for path in sorted((NCA / "ca").iterdir()):
        args += ["--trust", str(path)]
    args += ["--crl", str(NCA / "crl" / "nca_gost2022_test.crl")]
    assert main(args) == 1
    assert json.loads(capsys.readouterr().out)["sub_indication"] == "TRY_LATER"


def test_with_comments_canonicalisation_throughout_verifies(
    letter_xml: bytes, registry_ca: CertificateAuthority, rsa_key: rsa.RSAPrivateKey
) -> None:
    """Some tools canonicalise SignedInfo "#WithComments" too; without comment nodes (refused)
    it is the same canonical form."""
    cert = registry_ca.issue_officer_cert(OfficerIdentity("Aigerim", "MFA"), rsa_key.public_key())
    signer = XMLSigner(
        c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0_WITH_COMMENTS,
        signature_algorithm=SignatureMethod.RSA_SHA256,
    )
    xml = etree.tostring(signer.sign(parse_xml(letter_xml), key=rsa_key, cert=[cert]))
    assert xml.count(b"#WithComments") == 2
    store = TrustStore()
    store.add_anchor(registry_ca.certificate)
    assert _outcome(xml, store, None) == ("TOTAL_PASSED", None)
