"""A protocol-faithful STAND-IN for NCALayer, for tests only — not NCALayer, not for use.

NCALayer is the closed desktop program of Kazakhstan's NCA RK that signs with the
holder's own key for every state web system; it cannot run on the test machines.
This small WebSocket server on 127.0.0.1 speaks the part of its protocol Arna's
page uses (``registry/static/ncalayer.js``), as recorded from the real program by
sigex-kz/ncalayer-js-client (test/test-data.json):

- on connect it sends ``{"result":{"version":"1.2"}}``;
- ``{"module":"kz.gov.pki.knca.commonUtils","method":"signXml","args":[storage,
  keyType, xml, tbsElementXPath, signatureParentElementXPath]}`` is answered with
  ``{"responseObject":"<signed xml>","code":"200"}``;
- the person pressing Cancel: ``{"code":"500","message":"action.canceled"}``;
- bad arguments: ``{"code":"500","message":"java.lang.IllegalArgumentException:
  argument type mismatch. Method: signXml"}``; XML that does not parse: the parser's
  message under code 500.

It signs the way NCALayer does (``signing.xmldsig``: enveloped XMLDSig, inclusive
C14N, the ``#WithComments`` transform, pkigovkz GOST URIs or rsa-sha256) with a
public NCA TEST PKCS#12 key (tests/data/nca/keys, see SOURCES.md).  Where the
real program shows a key chooser, this one uses the key the test loaded — it
models a person who picked that key, whatever its type.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import pkcs12
from cryptography import x509
from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, modes
from cryptography.hazmat.primitives.serialization import load_der_private_key
from lxml import etree
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import Server, ServerConnection, serve

from signing import gost
from signing.xmldsig import NCALayerKey, sign_enveloped

KEYS = Path(__file__).resolve().parent / "data" / "nca" / "keys"
PASSWORD = "Qwerty12"
MODULE = "kz.gov.pki.knca.commonUtils"
STORAGES = ("PKCS12", "AKKaztokenStore")
CANCELED = "action.canceled"


def _pkcs12_kdf(password: str, salt: bytes, iterations: int, purpose: int, size: int) -> bytes:
    """RFC 7292 appendix B.2 with SHA-1 (purpose 1: key, 2: IV)."""
    block = 64

    def fill(data: bytes) -> bytes:
        length = -(-len(data) // block) * block
        return (data * (length // max(len(data), 1) + 1))[:length]

    secret = bytearray(fill(salt) + fill(password.encode("utf-16-be") + b"\0\0"))
    out = b""
    while len(out) < size:
        digest = bytes([purpose]) * block + bytes(secret)
        for _ in range(iterations):
            digest = hashlib.sha1(digest).digest()  # noqa: S324 — PKCS#12's own KDF
        out += digest
        addend = int.from_bytes(fill(digest)[:block], "big") + 1
        for at in range(0, len(secret), block):
            value = (int.from_bytes(secret[at : at + block], "big") + addend) % (1 << (8 * block))
            secret[at : at + block] = value.to_bytes(block, "big")
    return out[:size]


def _decrypt_key(bag: Any, password: str) -> bytes:
    """A PKCS#12 shrouded key bag (pbeWithSHA1And3-KeyTripleDES-CBC, as NCA's files use)."""
    algorithm = bag["encryption_algorithm"]
    if algorithm["algorithm"].native != "pkcs12_sha1_tripledes_3key":
        raise ValueError(f"key encryption {algorithm['algorithm'].native} is not NCA's")
    salt = algorithm["parameters"]["salt"].native
    iterations = algorithm["parameters"]["iterations"].native
    key = _pkcs12_kdf(password, salt, iterations, 1, 24)
    iv = _pkcs12_kdf(password, salt, iterations, 2, 8)
    decryptor = Cipher(TripleDES(key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(bag["encrypted_data"].native) + decryptor.finalize()
    return plain[: -plain[-1]]


def load_pkcs12(path: Path, password: str = PASSWORD) -> tuple[NCALayerKey, x509.Certificate]:
    """The key and certificate of an NCA PKCS#12 file (RSA, or GOST 34.10-2015 512-bit,
    whose keys neither ``cryptography`` nor OpenSSL read).  The certificates are in a
    bag encrypted with 40-bit RC2, which ``cryptography`` refuses: OpenSSL's command
    line (``-legacy``) reads those."""
    pfx = pkcs12.Pfx.load(path.read_bytes())
    safe = pkcs12.AuthenticatedSafe.load(pfx["auth_safe"]["content"].native)
    bags = [
        bag
        for info in safe
        if info["content_type"].native == "data"
        for bag in pkcs12.SafeContents.load(info["content"].native)
        if bag["bag_id"].native == "pkcs8_shrouded_key_bag"
    ]
    if len(bags) != 1:
        raise ValueError(f"{path.name}: {len(bags)} keys, not one")
    key_der = _decrypt_key(bags[0]["bag_value"], password)
    pem = subprocess.run(
        ["openssl", "pkcs12", "-in", str(path), "-nokeys", "-clcerts", "-legacy",
         "-passin", f"pass:{password}"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    cert = x509.load_pem_x509_certificate(pem[pem.index(b"-----BEGIN CERTIFICATE-----") :])
    try:
        key: NCALayerKey = gost.private_key_from_pkcs8(key_der)
    except gost.GostError:
        private = load_der_private_key(key_der, password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        key = private
    return key, cert


#: A key file of tests/data/nca/keys, or a key and its certificate made by a test.
KeyChoice = str | tuple[NCALayerKey, x509.Certificate]


def _key(choice: KeyChoice) -> tuple[NCALayerKey, x509.Certificate]:
    return load_pkcs12(KEYS / choice) if isinstance(choice, str) else choice


@dataclass
class Behaviour:
    """What the person at the stand-in does: sign with this key, or press Cancel."""

    key: KeyChoice
    cancel: bool = False


class NCALayerStandIn:
    """The stand-in, serving on 127.0.0.1 in a thread (``url`` once started)."""

    def __init__(self, key: KeyChoice) -> None:
        self.behaviour = Behaviour(key)
        self.requests: list[dict[str, Any]] = []
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def use(self, key: KeyChoice, *, cancel: bool = False) -> None:
        """The key the next signature is made with (or Cancel pressed)."""
        self.behaviour = Behaviour(key, cancel)

    def start(self, port: int = 0) -> NCALayerStandIn:
        self._server = serve(self._handle, "127.0.0.1", port)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (the port is closed: "NCALayer is not running")."""
        if self._server is not None:
            self._server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"result": {"version": "1.2"}}))
        try:
            for message in connection:
                if message == "--heartbeat--":
                    continue
                connection.send(json.dumps(self.answer(str(message))))
        except ConnectionClosed:
            pass

    def answer(self, message: str) -> dict[str, Any]:
        """NCALayer's answer to one request (what the tests also call directly)."""
        try:
            request = json.loads(message)
        except ValueError:
            return {"code": "500", "message": "org.json.JSONException: bad request"}
        self.requests.append(request)
        module, method, args = request.get("module"), request.get("method"), request.get("args")
        if module != MODULE or method != "signXml":
            return {"code": "500", "message": f"unsupported: {module}.{method}"}
        if not (
            isinstance(args, list) and len(args) == 5 and all(isinstance(a, str) for a in args)
        ):
            return {
                "code": "500",
                "message": "java.lang.IllegalArgumentException: argument type mismatch. "
                "Method: signXml",
            }
        storage, _key_type, xml, _tbs, _parent = args
        if storage not in STORAGES:
            return {"code": "500", "message": f"storage {storage} is not available"}
        if self.behaviour.cancel:
            return {"code": "500", "message": CANCELED}
        try:
            etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            return {"code": "500", "message": f"org.xml.sax.SAXParseException; {exc}"}
        key, cert = _key(self.behaviour.key)
        signed = sign_enveloped(xml.encode("utf-8"), key, cert)
        return {"responseObject": signed.decode("utf-8"), "code": "200"}


def sign_like_ncalayer(xml: bytes, key: KeyChoice) -> bytes:
    """What the stand-in returns for ``xml`` signed with ``key`` (tests without a browser)."""
    answer = NCALayerStandIn(key).answer(
        json.dumps(
            {
                "module": MODULE,
                "method": "signXml",
                "args": ["PKCS12", "SIGNATURE", xml.decode(), "", ""],
            }
        )
    )
    assert answer["code"] == "200", answer
    return answer["responseObject"].encode("utf-8")
