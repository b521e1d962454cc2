"""Real outside services for the proof tests: an RFC 3161 TSA and C2SP witnesses on 127.0.0.1.

The TSA is a tiny HTTP endpoint answering each POSTed ``application/timestamp-query``
with an ``application/timestamp-reply``, signed with a TSA certificate issued here
(extendedKeyUsage timeStamping, critical), by one of two real implementations:

* ``openssl`` — OpenSSL's own (``openssl ts -reply``), a new process per token:
  the tests that prove interoperability use it;
* ``pyhanko`` — pyHanko's ``DummyTimeStamper`` (RSA; a complete RFC 3161 responder
  despite its name) inside the server's one long-running process, for the bench,
  where forking ``openssl`` per token would cost more than the TSA's work.

:func:`local_tsa` serves it from a thread of the caller's process;
:func:`tsa_process` from a process of its own (``python tests/proof_services.py
tsa …``), whose CPU the bench can measure apart. Witnesses run as separate
processes of ``python -m registry.custody witness serve``, each with its own key
and state file. Nothing here is a mock: they are the programs a deployment would run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parents[1]

_TSA_CONFIG = """\
[ tsa ]
default_tsa = arna_test_tsa

[ arna_test_tsa ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
certs = $dir/root.pem
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Arna test TSA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


Engine = Literal["openssl", "pyhanko"]


def _cert(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True)
    return builder.sign(signer, hashes.SHA256())


@dataclass(frozen=True)
class LocalTSA:
    """A running TSA: its URL, its trust anchor, and the directory of its PEM files."""

    url: str
    root: x509.Certificate
    directory: Path
    pid: int | None = None  # the TSA's own process (tsa_process), whose CPU can be read

    @property
    def root_pem(self) -> Path:
        return self.directory / "root.pem"

    def openssl_verify(self, token: bytes, data: bytes) -> subprocess.CompletedProcess[str]:
        """``openssl ts -verify`` of a token over ``data`` against this TSA's root."""
        token_file = self.directory / f"token-{time.monotonic_ns()}.der"
        data_file = token_file.with_suffix(".data")
        token_file.write_bytes(token)
        data_file.write_bytes(data)
        return subprocess.run(
            [
                "openssl", "ts", "-verify", "-token_in", "-in", str(token_file),
                "-data", str(data_file), "-CAfile", str(self.root_pem),
                "-untrusted", str(self.directory / "tsa.pem"),
            ],
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip


def _write_pki(directory: Path, engine: Engine) -> x509.Certificate:
    """The TSA's root and its certificate and key (RSA for pyHanko's, which signs only RSA)."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey = (
        rsa.generate_private_key(65537, 2048)
        if engine == "pyhanko"
        else ec.generate_private_key(ec.SECP256R1())
    )
    root = _cert(
        _name("Arna test TSA root"), _name("Arna test TSA root"), root_key, root_key, ca=True
    )
    tsa = _cert(_name("Arna test TSA"), root.subject, tsa_key, root_key, ca=False)
    pem = serialization.Encoding.PEM
    (directory / "root.pem").write_bytes(root.public_bytes(pem))
    (directory / "tsa.pem").write_bytes(tsa.public_bytes(pem))
    (directory / "tsa.key").write_bytes(
        tsa_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(_TSA_CONFIG.format(dir=directory))
    return root


def _openssl_replier(directory: Path) -> Callable[[bytes], bytes]:
    """Answer a query with ``openssl ts -reply`` (a process per token); b"" if it fails."""
    lock = threading.Lock()  # openssl ts -reply increments one serial file

    def reply(query: bytes) -> bytes:
        with lock, tempfile.TemporaryDirectory(dir=directory) as work:
            query_file, reply_file = Path(work, "q.tsq"), Path(work, "r.tsr")
            query_file.write_bytes(query)
            done = subprocess.run(
                [
                    "openssl", "ts", "-reply", "-config", str(directory / "tsa.cnf"),
                    "-queryfile", str(query_file), "-out", str(reply_file),
                ],
                capture_output=True,
                check=False,
            )  # fmt: skip
            return reply_file.read_bytes() if done.returncode == 0 else b""

    return reply


def _pyhanko_replier(directory: Path) -> Callable[[bytes], bytes]:
    """Answer a query with pyHanko's in-process RFC 3161 responder; b"" if it fails."""
    from asn1crypto import cms, core
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.general import as_signing_certificate, simple_cms_attribute
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.util import get_pyca_cryptography_hash

    key = serialization.load_pem_private_key((directory / "tsa.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)

    class Stamper(DummyTimeStamper):
        """DummyTimeStamper with its key loaded once: it loads the key for every token,
        and the RSA key check on loading costs about 40 ms of CPU, 100 times the signature.
        The signed attributes are DummyTimeStamper's own, the ESS signing-certificate one
        encoded once."""

        def _sign_tst_info(
            self, tst_info_data: bytes, md_algorithm: str, when: dt.datetime
        ) -> tuple[bytes, cms.CMSAttributes]:
            digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            digest.update(tst_info_data)
            signed_attrs = cms.CMSAttributes(
                [
                    simple_cms_attribute("content_type", "tst_info"),
                    simple_cms_attribute(
                        "signing_time", cms.Time({"utc_time": core.UTCTime(when)})
                    ),
                    # Loaded from its DER: a built one is copied and encoded again (2 ms).
                    cms.CMSAttribute.load(signing_certificate),
                    simple_cms_attribute("message_digest", digest.finalize()),
                ]
            )
            algorithm = get_pyca_cryptography_hash(md_algorithm.upper())
            return key.sign(signed_attrs.dump(), PKCS1v15(), algorithm), signed_attrs

    certificate = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate((directory / "tsa.pem").read_bytes()).public_bytes(
            serialization.Encoding.DER
        )
    )
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # The same in every token: built and encoded once.
    signing_certificate = simple_cms_attribute(
        "signing_certificate", as_signing_certificate(certificate)
    ).dump()
    stamper = Stamper(certificate, key_info)

    def reply(query: bytes) -> bytes:
        try:
            return stamper.request_tsa_response(tsp.TimeStampReq.load(query)).dump()
        except (ValueError, TypeError, KeyError):
            return b""

    return reply


def _tsa_server(directory: Path, engine: Engine, port: int = 0) -> ThreadingHTTPServer:
    """The HTTP endpoint (keep-alive) answering time-stamp queries with ``engine``."""
    answer = _pyhanko_replier(directory) if engine == "pyhanko" else _openssl_replier(directory)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            reply = answer(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            self.send_response(200 if reply else 400)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


@contextmanager
def local_tsa(directory: Path, engine: Engine = "openssl") -> Iterator[LocalTSA]:
    """Serve a TSA (``engine``) on a free 127.0.0.1 port, in a thread, until the block ends."""
    root = _write_pki(directory, engine)
    server = _tsa_server(directory, engine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTSA(f"http://127.0.0.1:{server.server_port}/", root, directory)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def tsa_process(directory: Path, engine: Engine = "pyhanko") -> Iterator[LocalTSA]:
    """Serve a TSA (``engine``) from a process of its own until the block ends."""
    root = _write_pki(directory, engine)
    port = free_port()
    command = [
        sys.executable, str(Path(__file__)), "tsa", str(directory),
        "--engine", engine, "--port", str(port),
    ]  # fmt: skip
    process = _start(command)
    try:
        _wait_listening(port, process)
        yield LocalTSA(f"http://127.0.0.1:{port}/", root, directory, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WitnessProcess:
    """A witness running as its own process: URL, verifier key, and how to stop it."""

    url: str
    key: str
    process: subprocess.Popen[bytes]
    command: list[str]

    @property
    def config(self) -> str:
        """Its ARNA_WITNESSES entry."""
        return f"{self.url} {self.key}"


def _custody_cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "registry.custody", *args]


@contextmanager
def witness_processes(
    directory: Path, log_key: str, count: int = 2
) -> Iterator[list[WitnessProcess]]:
    """Start ``count`` witnesses of the log with ``log_key``; stop them when the block ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    witnesses: list[WitnessProcess] = []
    try:
        for n in range(1, count + 1):
            key_file = directory / f"witness{n}.key"
            key = subprocess.run(
                _custody_cli(
                    "witness", "keygen", "--name", f"witness.test/w{n}", "--key", str(key_file)
                ),
                capture_output=True, text=True, check=True, env=env, cwd=ROOT,
            ).stdout.strip()  # fmt: skip
            port = free_port()
            command = _custody_cli(
                "witness", "serve", "--key", str(key_file), "--port", str(port),
                "--state", str(directory / f"witness{n}.json"), "--log-key", log_key,
            )  # fmt: skip
            witness = WitnessProcess(f"http://127.0.0.1:{port}", key, _start(command), command)
            witnesses.append(witness)
            _wait_listening(port, witness.process)
        yield witnesses
    finally:
        for witness in witnesses:
            witness.process.terminate()
            witness.process.wait(timeout=10)


def _start(command: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE)


def restart(witness: WitnessProcess) -> None:
    """Start a stopped witness again, on its port, key and state file."""
    witness.process = _start(witness.command)
    _wait_listening(int(witness.url.rsplit(":", 1)[1]), witness.process)


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"service exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"service on port {port} did not start")


def main() -> None:
    """``tsa DIRECTORY --engine E --port P``: serve the TSA whose files are in DIRECTORY."""
    parser = argparse.ArgumentParser(description="A local RFC 3161 TSA for tests and benches")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("tsa")
    serve.add_argument("directory", type=Path)
    serve.add_argument("--engine", choices=("openssl", "pyhanko"), default="pyhanko")
    serve.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    _tsa_server(args.directory, args.engine, args.port).serve_forever()


if __name__ == "__main__":
    main()
