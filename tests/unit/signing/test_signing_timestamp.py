"""RFC 3161 tokens from a real TSA (`openssl ts -reply`, 127.0.0.1), checked by Arna and OpenSSL."""

from __future__ import annotations

import base64
import datetime as dt
import http.client
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

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


class _ForwardingProxy(BaseHTTPRequestHandler):
    """A plain HTTP proxy on 127.0.0.1: forwards a POST for an absolute URL, and keeps
    what it was asked (the request target and the Proxy-Authorization header)."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def do_POST(self) -> None:
        self.seen.append((self.path, self.headers.get("Proxy-Authorization")))
        target = urllib.parse.urlsplit(self.path)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        upstream = http.client.HTTPConnection(target.netloc, timeout=10)
        upstream.request("POST", target.path or "/", body=body, headers=dict(self.headers))
        reply = upstream.getresponse()
        data = reply.read()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.getheader("Content-Type") or "")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_the_tsa_is_asked_through_the_proxy_the_environment_names(
    tsa: LocalTSA, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As urllib would: ``http_proxy`` (with its credentials) unless ``no_proxy`` exempts the
    TSA's host; the token that comes back through the proxy verifies."""
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    _ForwardingProxy.seen.clear()
    try:
        for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://arna:s%40fe@127.0.0.1:{proxy.server_port}")
        token = request_timestamp(tsa.url, b"through the proxy")
        assert verify_timestamp(token, b"through the proxy", [tsa.root]).gen_time
        credentials = "Basic " + base64.b64encode(b"arna:s@fe").decode()
        assert _ForwardingProxy.seen == [(tsa.url, credentials)]
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert request_timestamp(tsa.url, b"straight to the TSA")
        assert len(_ForwardingProxy.seen) == 1
    finally:
        proxy.shutdown()
        proxy.server_close()
