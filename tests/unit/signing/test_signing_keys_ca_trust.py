"""Keys at rest, the registry CA, officer identities and path validation."""

import base64
import datetime as dt
import json
import logging

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
)
from signing_pki import NOW, Officer

from signing.ca import OFFICER_POLICY, CertificateAuthority, OfficerIdentity
from signing.keys import (
    WRAPPED_LABEL,
    KeyLoadError,
    check_key_strength,
    encrypt_private_key,
    load_private_key,
    needs_rewrap,
)
from signing.trust import ChainFailure, TrustError, TrustStore

PASSPHRASE = b"correct horse battery staple"


def _wrapped_document(pem: bytes) -> dict:
    lines = pem.decode("ascii").strip().splitlines()
    assert lines[0] == "-----BEGIN ARNA ENCRYPTED PRIVATE KEY-----"
    return json.loads(base64.b64decode("".join(lines[1:-1])))


def test_encrypted_key_round_trips(ec_officer: Officer) -> None:
    pem = encrypt_private_key(ec_officer.key, PASSPHRASE)
    assert load_private_key(pem, PASSPHRASE).private_numbers() == ec_officer.key.private_numbers()
    assert not needs_rewrap(pem)


def test_keys_at_rest_are_wrapped_with_argon2id_at_owasp_strength(ec_officer: Officer) -> None:
    """Issue 11, M5: PBKDF2 at 2,048 iterations let a database copy be guessed at thousands
    of passphrases a second; the wrapping is now memory-hard and says which version it is."""
    document = _wrapped_document(encrypt_private_key(ec_officer.key, PASSPHRASE))
    assert (document["v"], document["kdf"]) == (2, "argon2id")
    assert document["m"] >= 19 * 1024
    assert document["t"] >= 2


def test_keys_wrapped_in_the_old_pkcs8_format_still_load_and_ask_to_be_rewrapped(
    ec_officer: Officer,
) -> None:
    old = ec_officer.key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSPHRASE)
    )
    assert load_private_key(old, PASSPHRASE).private_numbers() == ec_officer.key.private_numbers()
    assert needs_rewrap(old)


def test_a_wrapped_key_whose_parameters_were_altered_is_refused(ec_officer: Officer) -> None:
    document = _wrapped_document(encrypt_private_key(ec_officer.key, PASSPHRASE))
    document["t"] = 3  # a different, still reasonable cost: authenticated, so refused
    altered = base64.encodebytes(json.dumps(document).encode()).decode()
    pem = f"-----BEGIN {WRAPPED_LABEL}-----\n{altered}-----END {WRAPPED_LABEL}-----\n"
    with pytest.raises(KeyLoadError, match="cannot be decrypted"):
        load_private_key(pem.encode(), PASSPHRASE)
    document["m"] = 10 * 1024 * 1024  # 10 GiB: refused before any derivation
    costly = base64.encodebytes(json.dumps(document).encode()).decode()
    pem = f"-----BEGIN {WRAPPED_LABEL}-----\n{costly}-----END {WRAPPED_LABEL}-----\n"
    with pytest.raises(KeyLoadError, match="unreasonable"):
        load_private_key(pem.encode(), PASSPHRASE)


def test_wrong_or_missing_passphrase_is_refused_without_leaking_it(
    ec_officer: Officer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    pem = encrypt_private_key(ec_officer.key, PASSPHRASE)
    with pytest.raises(KeyLoadError) as wrong:
        load_private_key(pem, b"guess-" + PASSPHRASE)
    with pytest.raises(KeyLoadError, match="passphrase is needed"):
        load_private_key(pem)
    assert b"guess" not in str(wrong.value).encode()
    assert PASSPHRASE.decode() not in caplog.text


def test_empty_passphrase_is_refused(ec_officer: Officer) -> None:
    with pytest.raises(KeyLoadError, match="unprotected"):
        encrypt_private_key(ec_officer.key, b"")


def test_weak_keys_are_refused() -> None:
    with pytest.raises(KeyLoadError, match="1024 bits"):
        check_key_strength(rsa.generate_private_key(65537, 1024))  # noqa: S505
    with pytest.raises(KeyLoadError, match="secp256k1"):
        check_key_strength(ec.generate_private_key(ec.SECP256K1()))


def test_officer_identity_is_read_from_the_certificate(
    first_head: Officer, ec_officer: Officer
) -> None:
    assert OfficerIdentity.from_certificate(first_head.cert) == first_head.identity
    assert OfficerIdentity.from_certificate(ec_officer.cert).first_head is False
    assert first_head.cert.subject.rfc4514_string() == "CN=Marat Serikovich,O=AGENCY:MINHEALTH,C=KZ"


def test_a_seal_certificate_never_passes_for_an_officer(
    registry_ca: CertificateAuthority, ec_officer: Officer
) -> None:
    seal = registry_ca.issue_seal_cert(
        "Arna registry — certified copies", ec.generate_private_key(ec.SECP256R1()).public_key()
    )
    officer_policies = ec_officer.cert.extensions.get_extension_for_class(x509.CertificatePolicies)
    assert OFFICER_POLICY in {p.policy_identifier for p in officer_policies.value}
    with pytest.raises(x509.ExtensionNotFound):
        seal.extensions.get_extension_for_class(x509.CertificatePolicies)
    assert OfficerIdentity.from_certificate(seal).first_head is False
    usage = seal.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    assert seal.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert seal.not_valid_after_utc <= registry_ca.certificate.not_valid_after_utc


def test_ca_survives_dump_and_load_with_its_revocations(
    registry_ca: CertificateAuthority,
    registry_crl: x509.CertificateRevocationList,
    revoked_officer: Officer,
) -> None:
    bundle = registry_ca.dump(PASSPHRASE)
    assert f"BEGIN {WRAPPED_LABEL}".encode() in bundle
    assert b"BEGIN PRIVATE KEY" not in bundle
    loaded = CertificateAuthority.load(bundle, PASSPHRASE)
    assert loaded.certificate == registry_ca.certificate
    assert revoked_officer.cert.serial_number in loaded.revoked
    with pytest.raises(KeyLoadError):
        CertificateAuthority.load(bundle, b"wrong")


def test_a_ca_bundle_of_the_old_pkcs8_format_still_loads(
    registry_ca: CertificateAuthority,
) -> None:
    old_key = registry_ca.key.private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, BestAvailableEncryption(PASSPHRASE)
    )
    bundle = registry_ca.certificate.public_bytes(Encoding.PEM) + old_key
    bundle += registry_ca.crl().public_bytes(Encoding.PEM)
    assert CertificateAuthority.load(bundle, PASSPHRASE).certificate == registry_ca.certificate


def test_a_chain_to_the_registry_root_validates(trust: TrustStore, ec_officer: Officer) -> None:
    path = trust.validate(ec_officer.cert, [], NOW)
    assert path[-1] in trust.anchors
    assert trust.validate(ec_officer.cert, [], NOW) == path  # second time from the cache


@pytest.mark.parametrize(
    ("who", "at", "sub"),
    [
        ("rogue_officer", NOW, "NO_CERTIFICATE_CHAIN_FOUND"),
        ("expired_officer", NOW, "OUT_OF_BOUNDS_NO_POE"),
        ("ec_officer", NOW - dt.timedelta(days=2), "NOT_YET_VALID"),
        ("revoked_officer", NOW, "REVOKED"),
    ],
)
def test_unacceptable_signers(
    trust: TrustStore, request: pytest.FixtureRequest, who: str, at: dt.datetime, sub: str
) -> None:
    officer: Officer = request.getfixturevalue(who)
    with pytest.raises(ChainFailure) as failure:
        trust.validate(officer.cert, [], at)
    assert failure.value.sub_indication == sub


def test_revocation_is_not_retroactive(trust: TrustStore, revoked_officer: Officer) -> None:
    """Signed before the revocation date: the certificate was good then."""
    trust.validate(revoked_officer.cert, [], NOW - dt.timedelta(hours=2))


def test_a_crl_not_signed_by_the_issuer_is_ignored(
    registry_ca: CertificateAuthority, foreign_ca: CertificateAuthority, ec_officer: Officer
) -> None:
    forged = CertificateAuthority(key=foreign_ca.key, certificate=registry_ca.certificate)
    forged.revoke(ec_officer.cert.serial_number, NOW - dt.timedelta(days=1))
    store = TrustStore()
    store.add_anchor(registry_ca.certificate.public_bytes(Encoding.PEM))
    store.add_crl(forged.crl().public_bytes(Encoding.PEM))
    store.validate(ec_officer.cert, [], NOW)


def test_an_imported_outside_anchor_is_trusted(
    foreign_ca: CertificateAuthority, rogue_officer: Officer
) -> None:
    store = TrustStore()
    store.add_anchor(foreign_ca.certificate.public_bytes(Encoding.PEM))
    store.add_crl(foreign_ca.crl().public_bytes(Encoding.DER))
    store.validate(rogue_officer.cert, [], NOW)


def test_only_ca_certificates_become_anchors(ec_officer: Officer) -> None:
    with pytest.raises(TrustError, match="not a CA"):
        TrustStore().add_anchor(ec_officer.cert.public_bytes(Encoding.PEM))
    with pytest.raises(TrustError):
        TrustStore().add_anchor(b"not a certificate")
