"""GOST keys, certificate and CRL signatures of the NCA RK test PKI (issue 9)."""

from __future__ import annotations

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from gost_samples import SAMPLES_BY_SIGNER, certificate, crl

from signing import gost
from signing.ca import CertificateAuthority

INTERMEDIATE = "nca_gost2022_test.cer"
ROOT = "root_test_gost_2022.cer"
GOST_2004 = ("nca_gost_test.crt", "root_gost_test.pem", "prod_2015_nca_gost.crt")


def _spki(cert: x509.Certificate) -> bytes:
    tbs = asn1_x509.Certificate.load(cert.public_bytes(Encoding.DER))["tbs_certificate"]
    return tbs["subject_public_key_info"].dump()


def _changed(der: bytes, old: bytes, new: bytes) -> bytes:
    assert der.count(old) == 1
    return der.replace(old, new)


@pytest.mark.parametrize("leaf", SAMPLES_BY_SIGNER)
def test_signers_chain_to_the_nca_gost_test_root(leaf: x509.Certificate) -> None:
    intermediate, root = certificate(INTERMEDIATE), certificate(ROOT)
    assert gost.verify_certificate_signature(leaf, intermediate)
    assert gost.verify_certificate_signature(intermediate, root)
    assert gost.verify_certificate_signature(root, root)


@pytest.mark.parametrize("leaf", SAMPLES_BY_SIGNER)
def test_a_wrong_issuer_fails(leaf: x509.Certificate) -> None:
    intermediate, root = certificate(INTERMEDIATE), certificate(ROOT)
    assert not gost.verify_certificate_signature(leaf, root)
    assert not gost.verify_certificate_signature(intermediate, intermediate)
    assert not gost.verify_certificate_signature(root, intermediate)


def test_a_changed_certificate_fails() -> None:
    intermediate, root = certificate(INTERMEDIATE), certificate(ROOT)
    der = intermediate.public_bytes(Encoding.DER)
    serial = intermediate.serial_number.to_bytes(20, "big").lstrip(b"\0")
    other_serial = serial[:-1] + bytes([serial[-1] ^ 0x01])
    changed_tbs = x509.load_der_x509_certificate(_changed(der, serial, other_serial))
    assert not gost.verify_certificate_signature(changed_tbs, root)
    changed_signature = x509.load_der_x509_certificate(der[:-1] + bytes([der[-1] ^ 0x01]))
    assert not gost.verify_certificate_signature(changed_signature, root)


def test_crls_verify_against_their_issuer_only() -> None:
    intermediate, root = certificate(INTERMEDIATE), certificate(ROOT)
    intermediate_crl = crl("nca_gost2022_test.crl")
    root_crl = crl("root_test_gost_2022_from_xades_lt.crl")
    assert gost.verify_crl_signature(intermediate_crl, intermediate)
    assert gost.verify_crl_signature(root_crl, root)
    assert not gost.verify_crl_signature(intermediate_crl, root)
    assert not gost.verify_crl_signature(root_crl, intermediate)
    der = root_crl.public_bytes(Encoding.DER)
    changed = x509.load_der_x509_crl(der[:-1] + bytes([der[-1] ^ 0x01]))
    assert not gost.verify_crl_signature(changed, root)


def test_gost_certificates_are_recognised() -> None:
    for leaf in SAMPLES_BY_SIGNER:
        assert gost.is_gost_certificate(leaf)
    assert gost.is_gost_certificate(certificate(INTERMEDIATE))
    assert gost.is_gost_certificate(certificate(ROOT))
    for name in GOST_2004:
        assert not gost.is_gost_certificate(certificate(name))


def test_the_key_is_read_from_certificate_and_spki_alike() -> None:
    root = certificate(ROOT)
    key = gost.public_key_from_certificate(root)
    assert key == gost.public_key_from_spki(_spki(root))
    assert key.curve.name == "id-tc26-gost-3410-12-512-paramSetA"


@pytest.mark.parametrize("name", GOST_2004)
def test_gost_34_310_2004_is_refused_by_name(name: str) -> None:
    old = certificate(name)
    with pytest.raises(gost.GostError, match=r"GOST 34\.310-2004 is not supported"):
        gost.public_key_from_certificate(old)
    with pytest.raises(gost.GostError, match=r"GOST 34\.310-2004 is not supported"):
        gost.public_key_from_spki(_spki(old))
    with pytest.raises(gost.GostError, match=r"GOST 34\.310-2004 is not supported"):
        gost.verify_certificate_signature(old, certificate(ROOT))
    with pytest.raises(gost.GostError, match=r"GOST 34\.310-2004 is not supported"):
        gost.verify_certificate_signature(SAMPLES_BY_SIGNER[0], old)


def test_gost_34_310_2004_crl_is_refused_by_name() -> None:
    with pytest.raises(gost.GostError, match=r"GOST 34\.310-2004 is not supported"):
        gost.verify_crl_signature(crl("nca_gost_test.crl"), certificate("nca_gost_test.crt"))


def test_other_algorithms_are_refused_naming_the_oid(registry_ca: CertificateAuthority) -> None:
    ec_cert = registry_ca.certificate
    with pytest.raises(gost.GostError, match=r"key algorithm 1\.2\.840\.10045\.2\.1 is not"):
        gost.public_key_from_certificate(ec_cert)
    with pytest.raises(gost.GostError, match=r"signature algorithm 1\.2\.840\.10045\.4\.3\.2"):
        gost.verify_certificate_signature(ec_cert, certificate(ROOT))
    with pytest.raises(gost.GostError, match=r"signature algorithm 1\.2\.840\.10045\.4\.3\.2"):
        gost.verify_crl_signature(registry_ca.crl(), certificate(ROOT))
    assert not gost.is_gost_certificate(ec_cert)


def test_unknown_parameter_set_is_refused_naming_it() -> None:
    spki = _spki(certificate(ROOT))
    paramset = bytes.fromhex("060a2a830e030a0101020201")  # OID 1.2.398.3.10.1.1.2.2.1
    other = bytes.fromhex("060a2a830e030a0101020209")  # OID 1.2.398.3.10.1.1.2.2.9
    with pytest.raises(
        gost.GostError, match=r"unknown GOST parameter set 1\.2\.398\.3\.10\.1\.1\.2\.2\.9"
    ):
        gost.public_key_from_spki(_changed(spki, paramset, other))


def test_a_point_off_the_curve_is_refused() -> None:
    spki = _spki(certificate(ROOT))
    changed = spki[:-1] + bytes([spki[-1] ^ 0x01])
    with pytest.raises(gost.GostError, match="not a point of the curve"):
        gost.public_key_from_spki(changed)
    key = gost.public_key_from_certificate(certificate(ROOT))
    with pytest.raises(gost.GostError, match="not a point of the curve"):
        gost.GostPublicKey(key.x, key.y + 1, key.curve)


@pytest.mark.parametrize(
    "spki",
    [b"", b"\x30\x03\x02\x01\x00", b"not DER at all"],
    ids=["empty", "not-spki", "garbage"],
)
def test_malformed_spki_is_refused(spki: bytes) -> None:
    with pytest.raises(gost.GostError):
        gost.public_key_from_spki(spki)


def test_truncated_or_trailing_spki_is_refused() -> None:
    spki = _spki(certificate(ROOT))
    for bad in (spki[:-1], spki + b"\0"):
        with pytest.raises(gost.GostError, match="SubjectPublicKeyInfo"):
            gost.public_key_from_spki(bad)
