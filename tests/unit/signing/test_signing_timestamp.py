"""RFC 3161 tokens from a real TSA (`openssl ts -reply`, 127.0.0.1), checked by Arna and OpenSSL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from proof_services import LocalTSA, local_tsa, tsa_process
from signing_pki import NOW, Officer

from signing.ca import CertificateAuthority
from signing.sign import sign_letter
from signing.timestamp import (
    TimestampError,
    request_timestamp,
    request_timestamps,
    signature_values,
    token_info,
    verify_timestamp,
)


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


def test_a_token_verifies_here_and_with_openssl(tsa: LocalTSA) -> None:
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    token = request_timestamp(tsa.url, b"checkpoint body\n")
    stamp = verify_timestamp(token, b"checkpoint body\n", [tsa.root])
    assert before - dt.timedelta(seconds=2) <= stamp.gen_time <= dt.datetime.now(dt.UTC)
    assert "Arna test TSA" in stamp.tsa
    checked = tsa.openssl_verify(token, b"checkpoint body\n")
    assert checked.returncode == 0, checked.stderr
    assert "Verification: OK" in checked.stdout


def test_other_bytes_another_anchor_or_garbage_fail(
    tsa: LocalTSA, registry_ca: CertificateAuthority
) -> None:
    token = request_timestamp(tsa.url, b"the letter")
    with pytest.raises(TimestampError, match="imprint"):
        verify_timestamp(token, b"another letter", [tsa.root])
    assert tsa.openssl_verify(token, b"another letter").returncode != 0
    with pytest.raises(TimestampError, match="not trusted"):
        verify_timestamp(token, b"the letter", [registry_ca.certificate])
    with pytest.raises(TimestampError, match="no TSA trust anchor"):
        verify_timestamp(token, b"the letter", [])
    with pytest.raises(TimestampError, match=r"not DER|SignedData"):
        token_info(token[:-7])
    with pytest.raises(TimestampError, match=r"TSA http://127\.0\.0\.1:9/"):
        request_timestamp("http://127.0.0.1:9/", b"x", timeout=2)


def test_a_letters_stamp_covers_each_signature_value(
    tsa: LocalTSA, letter_xml: bytes, ec_officer: Officer, rsa_officer: Officer
) -> None:
    once = sign_letter(letter_xml, ec_officer.key, ec_officer.cert, signing_time=NOW)
    twice = sign_letter(once, rsa_officer.key, rsa_officer.cert, signing_time=NOW)
    values = signature_values(twice)
    assert len(values) == 2
    # Inclusive C14N: the element with every namespace in scope (the letter's default one too).
    assert all(
        v.startswith(b"<ds:SignatureValue ") and b'xmlns="urn:arna:letter:1"' in v for v in values
    )
    token = request_timestamp(tsa.url, values[1])
    assert verify_timestamp(token, values[1], [tsa.root]).gen_time
    with pytest.raises(TimestampError):
        verify_timestamp(token, values[0], [tsa.root])


def test_the_tsa_certificate_is_what_openssl_wants(tsa: LocalTSA) -> None:
    tsa_cert = x509.load_pem_x509_certificate(Path(tsa.directory, "tsa.pem").read_bytes())
    eku = tsa_cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
    assert eku.critical
    assert list(eku.value) == [x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]


def test_the_long_running_tsa_answers_over_kept_connections_and_openssl_agrees(
    tmp_path: Path,
) -> None:
    """pyHanko's responder in one process (the bench's TSA): every token of a concurrent
    batch over keep-alive connections is over its own item, in order, and verifies here
    and with ``openssl ts -verify``; one over other bytes fails both."""
    items = [f"signature value {n}".encode() for n in range(9)]
    with tsa_process(tmp_path) as tsa:
        tokens = request_timestamps(tsa.url, items, connections=3)
    serials = set()
    for item, token in zip(items, tokens, strict=True):
        assert isinstance(token, bytes), token
        assert verify_timestamp(token, item, [tsa.root]).gen_time
        checked = tsa.openssl_verify(token, item)
        assert "Verification: OK" in checked.stdout, checked.stderr
        serials.add(token_info(token)["serial_number"].native)
    assert len(serials) == len(items)
    assert tsa.openssl_verify(tokens[0], items[1]).returncode != 0
    with pytest.raises(TimestampError, match="imprint"):
        verify_timestamp(tokens[0], items[1], [tsa.root])


def test_a_failing_tsa_stops_each_connection_at_its_first_failure() -> None:
    answers = request_timestamps("http://127.0.0.1:9/", [b"a", b"b", b"c"], connections=2)
    assert [type(a) for a in answers] == [TimestampError, TimestampError, type(None)]
    assert "TSA http://127.0.0.1:9/" in str(answers[0])  # c was not asked: a failed before it
    with pytest.raises(TimestampError, match="not http"):
        request_timestamps("ftp://127.0.0.1/", [b"a"])
