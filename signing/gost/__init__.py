"""GOST 34.10-2015 512-bit signatures with Streebog-512, as NCA RK (Kazakhstan) uses them.

NCA's GOST 34.10-2015 is GOST R 34.10-2012 on the tc26 512-bit curve A, under
NCA's own OIDs, with little-endian layouts throughout: the public key is X||Y,
the signature r||s (each half little-endian: the byte-reverse of RFC 4491's
s||r big-endian), and the digest e = Streebog-512(data) is read little-endian.
The same layout holds in XML signatures, certificates and CRLs. The ASN.1 of keys
(``signing.gost.spki``, asn1crypto) is imported on first use: a verifier of RSA
and ECDSA letters never pays for it.

Two implementations, chosen once per process:

- fast: the system's OpenSSL 3 with Debian's gost-engine (``signing.gost.native``,
  bound through ``ctypes`` without touching the process's OpenSSL configuration);
- pure: Streebog from ``gostcrypto`` (pure Python, PyPI) and our own curve
  arithmetic (``signing.gost.curve``), since gostcrypto's affine double-and-add
  takes ~0.5 s per verification against ~15 ms for the Jacobian/NAF code.

The tests check both against each other, against gostcrypto's verify and sign,
against the standard's Streebog examples and against the NCA samples.  The older
NCA GOST 34.310-2004 algorithm is recognised and refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.serialization import Encoding

from signing.gost import curve as _curve
from signing.gost.curve import TC26_512_A, Curve

if TYPE_CHECKING:
    from cryptography import x509

    from signing.gost.native import NativeGost

SIGNATURE_URI = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
DIGEST_URI = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
KEY_OID = "1.2.398.3.10.1.1.2.2"  # NCA's GOST 34.10-2015 512-bit key
PARAMSET_OID = "1.2.398.3.10.1.1.2.2.1"  # = tc26 GOST R 34.10-2012 512-bit paramset A
#: signatureAlgorithm of NCA's GOST 34.10-2015 512-bit certificates and CRLs (with Streebog-512).
SIGNATURE_ALGORITHM_OID = "1.2.398.3.10.1.1.2.3.2"
#: NCA's older GOST 34.310-2004 (key, and signature with GOST 34.311-95): refused.
GOST_2004_OIDS = frozenset({"1.2.398.3.10.1.1.1.1", "1.2.398.3.10.1.1.1.2"})

_SIZE = 64  # bytes per coordinate, per signature half, per digest
_TC26_KEY_OID = "1.2.643.7.1.1.1.2"  # id-tc26-gost3410-12-512, for the OpenSSL path
_TC26_PARAMSET_A_OID = "1.2.643.7.1.2.1.2.1"
_CURVES = {PARAMSET_OID: TC26_512_A}


class GostError(ValueError):
    """A key, certificate or parameter set that cannot be used; the message says why."""


@dataclass(frozen=True)
class GostPublicKey:
    """A GOST R 34.10 public key: the point (x, y) of ``curve``, checked to lie on it."""

    x: int
    y: int
    curve: Curve

    def __post_init__(self) -> None:
        if not self.curve.contains(self.x, self.y):
            raise GostError(f"GOST public key is not a point of the curve {self.curve.name}")


@dataclass(frozen=True)
class GostPrivateKey:
    """A GOST R 34.10 private key: the scalar ``d`` of ``curve`` (1 <= d < q)."""

    d: int
    curve: Curve

    def __post_init__(self) -> None:
        if not 0 < self.d < self.curve.q:
            raise GostError("GOST private key is out of range")

    def __repr__(self) -> str:  # never print the secret
        return f"GostPrivateKey(curve={self.curve.name})"

    def public_key(self) -> GostPublicKey:
        x, y = _curve.multiply(self.curve, self.d, (self.curve.x, self.curve.y))
        return GostPublicKey(x, y, self.curve)


def streebog512(data: bytes, *, pure: bool = False) -> bytes:
    """The 64-byte GOST R 34.11-2012 (= GOST 34.11-2015) 512-bit digest, in standard byte order.

    ``pure=True`` skips the fast path (tests and benchmarks compare the two).
    """
    native = None if pure else _native()
    if native is not None:
        return native.streebog512(data)
    from gostcrypto import gosthash  # pure Python; imported only where there is no fast path

    return bytes(gosthash.new("streebog512", data=data).digest())


def public_key_from_spki(spki_der: bytes) -> GostPublicKey:
    """The NCA GOST 34.10-2015 512-bit key in a DER SubjectPublicKeyInfo."""
    from signing.gost import spki

    try:
        info = spki.SubjectPublicKeyInfo.load(spki_der, strict=True)
        oid = info["algorithm"]["algorithm"].dotted
    except (ValueError, TypeError) as exc:
        raise GostError(f"not a DER SubjectPublicKeyInfo: {exc}") from exc
    _check_key_algorithm(oid)
    try:
        paramset, point = spki.paramset_and_point(info)
    except (ValueError, TypeError, IndexError) as exc:
        raise GostError(f"malformed GOST key parameters or public key: {exc}") from exc
    curve = _CURVES.get(paramset)
    if curve is None:
        raise GostError(f"unknown GOST parameter set {paramset} (supported: {PARAMSET_OID})")
    if len(point) != 2 * _SIZE:
        raise GostError(f"GOST 512-bit public key must be {2 * _SIZE} bytes, not {len(point)}")
    x = int.from_bytes(point[:_SIZE], "little")
    y = int.from_bytes(point[_SIZE:], "little")
    return GostPublicKey(x, y, curve)


def public_key_from_certificate(cert: x509.Certificate) -> GostPublicKey:
    """The GOST key of a certificate that ``cryptography`` parses but cannot use."""
    from signing.gost import spki

    _check_key_algorithm(cert.public_key_algorithm_oid.dotted_string)
    return public_key_from_spki(spki.of_certificate(cert.public_bytes(Encoding.DER)))


def is_gost_certificate(cert: x509.Certificate) -> bool:
    """Whether the certificate's key is an NCA GOST 34.10-2015 512-bit key."""
    return cert.public_key_algorithm_oid.dotted_string == KEY_OID


def verify_digest(
    key: GostPublicKey, digest: bytes, signature: bytes, *, pure: bool = False
) -> bool:
    """Whether ``signature`` (NCA layout r||s, each little-endian) signs the Streebog ``digest``.

    A signature of any length other than 128 bytes is not valid (False); a
    digest that is not 64 bytes is a caller's mistake (GostError).  ``pure=True``
    skips the fast path.
    """
    if len(digest) != _SIZE:
        raise GostError(f"a Streebog-512 digest is {_SIZE} bytes, not {len(digest)}")
    if len(signature) != 2 * _SIZE:
        return False
    r = int.from_bytes(signature[:_SIZE], "little")
    s = int.from_bytes(signature[_SIZE:], "little")
    if not (0 < r < key.curve.q and 0 < s < key.curve.q):
        return False
    native = None if pure else _native()
    if native is not None:
        return native.verify(_tc26_spki(key), digest, signature[::-1])
    return _curve.verify(key.curve, key.x, key.y, int.from_bytes(digest, "little"), r, s)


def verify(key: GostPublicKey, data: bytes, signature: bytes, *, pure: bool = False) -> bool:
    """Whether ``signature`` (NCA layout) signs ``data`` under ``key``, with Streebog-512."""
    return verify_digest(key, streebog512(data, pure=pure), signature, pure=pure)


def private_key_from_pkcs8(der: bytes) -> GostPrivateKey:
    """The NCA GOST 34.10-2015 512-bit key of a decrypted PKCS#8 PrivateKeyInfo, as NCA's
    PKCS#12 files hold it: privateKey = OCTET STRING of the 64-byte scalar, little-endian."""
    from signing.gost import spki

    try:
        info = spki.PrivateKeyInfo.load(der, strict=True)
        oid = info["algorithm"]["algorithm"].dotted
        paramset, scalar = spki.paramset_and_scalar(info)
    except (ValueError, TypeError, IndexError) as exc:
        raise GostError(f"not a GOST PKCS#8 PrivateKeyInfo: {exc}") from exc
    _check_key_algorithm(oid)
    curve = _CURVES.get(paramset)
    if curve is None:
        raise GostError(f"unknown GOST parameter set {paramset} (supported: {PARAMSET_OID})")
    if len(scalar) != _SIZE:
        raise GostError(f"GOST 512-bit private key must be {_SIZE} bytes, not {len(scalar)}")
    return GostPrivateKey(int.from_bytes(scalar, "little"), curve)


def sign_digest(key: GostPrivateKey, digest: bytes) -> bytes:
    """The NCA-layout signature (r||s, each little-endian) of a Streebog-512 ``digest``.

    Pure Python and not constant-time: for tests' stand-ins of NCALayer, which hold
    the public NCA test keys; the registry itself never signs with GOST.
    """
    if len(digest) != _SIZE:
        raise GostError(f"a Streebog-512 digest is {_SIZE} bytes, not {len(digest)}")
    e = int.from_bytes(digest, "little")
    while True:
        rs = _curve.sign(key.curve, key.d, e, 1 + secrets.randbelow(key.curve.q - 1))
        if rs is not None:
            return rs[0].to_bytes(_SIZE, "little") + rs[1].to_bytes(_SIZE, "little")


def sign(key: GostPrivateKey, data: bytes) -> bytes:
    """The NCA-layout signature of ``data`` with Streebog-512 (see ``sign_digest``)."""
    return sign_digest(key, streebog512(data))


def verify_certificate_signature(cert: x509.Certificate, issuer_cert: x509.Certificate) -> bool:
    """Whether ``issuer_cert``'s GOST key signed ``cert`` (its tbsCertificate)."""
    _check_signature_algorithm(cert.signature_algorithm_oid.dotted_string, "certificate")
    key = public_key_from_certificate(issuer_cert)
    return verify(key, cert.tbs_certificate_bytes, cert.signature)


def verify_crl_signature(
    crl: x509.CertificateRevocationList, issuer_cert: x509.Certificate
) -> bool:
    """Whether ``issuer_cert``'s GOST key signed ``crl`` (its tbsCertList)."""
    _check_signature_algorithm(crl.signature_algorithm_oid.dotted_string, "CRL")
    key = public_key_from_certificate(issuer_cert)
    return verify(key, crl.tbs_certlist_bytes, crl.signature)


def _check_key_algorithm(oid: str) -> None:
    if oid in GOST_2004_OIDS:
        raise GostError(f"GOST 34.310-2004 is not supported (key algorithm {oid})")
    if oid != KEY_OID:
        raise GostError(f"key algorithm {oid} is not NCA GOST 34.10-2015 512-bit ({KEY_OID})")


def _check_signature_algorithm(oid: str, what: str) -> None:
    if oid in GOST_2004_OIDS:
        raise GostError(f"GOST 34.310-2004 is not supported ({what} signature algorithm {oid})")
    if oid != SIGNATURE_ALGORITHM_OID:
        raise GostError(
            f"{what} signature algorithm {oid} is not NCA GOST 34.10-2015 512-bit with "
            f"Streebog-512 ({SIGNATURE_ALGORITHM_OID})"
        )


@lru_cache(maxsize=256)
def _tc26_spki(key: GostPublicKey) -> bytes:
    """The key as RFC 4491 / RFC 9215 SubjectPublicKeyInfo (tc26 OIDs), which OpenSSL reads."""
    from signing.gost import spki

    point = key.x.to_bytes(_SIZE, "little") + key.y.to_bytes(_SIZE, "little")
    return spki.encode(_TC26_KEY_OID, _TC26_PARAMSET_A_OID, point)


def _native() -> NativeGost | None:
    """The fast path where the system has it (loaded once, on first use)."""
    from signing.gost import native

    return native.load()
