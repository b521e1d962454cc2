"""The ASN.1 of GOST public keys (asn1crypto): read from an SPKI or a certificate, written
for OpenSSL. Imported by ``signing.gost`` on first use only (asn1crypto costs a
noticeable part of a command-line verifier's start-up)."""

from __future__ import annotations

from typing import ClassVar

from asn1crypto import core
from asn1crypto import x509 as asn1_x509


class AlgorithmIdentifier(core.Sequence):
    _fields: ClassVar[list[tuple]] = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class SubjectPublicKeyInfo(core.Sequence):
    _fields: ClassVar[list[tuple]] = [
        ("algorithm", AlgorithmIdentifier),
        ("public_key", core.OctetBitString),
    ]


class GostKeyParameters(core.SequenceOf):
    """GostR3410-2012-PublicKeyParameters: the curve's OID, then optional digest OIDs."""

    _child_spec = core.ObjectIdentifier


class PrivateKeyInfo(core.Sequence):
    """PKCS#8 PrivateKeyInfo, as NCA's PKCS#12 files hold a GOST key."""

    _fields: ClassVar[list[tuple]] = [
        ("version", core.Integer),
        ("algorithm", AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", core.Any, {"implicit": 0, "optional": True}),
    ]


def paramset_and_scalar(info: PrivateKeyInfo) -> tuple[str, bytes]:
    """The parameter set's OID and the private scalar (little-endian bytes) of a GOST key."""
    parameters = GostKeyParameters.load(info["algorithm"]["parameters"].dump(), strict=True)
    scalar = core.OctetString.load(info["private_key"].native, strict=True).native
    return parameters[0].dotted, scalar


def paramset_and_point(info: SubjectPublicKeyInfo) -> tuple[str, bytes]:
    """The parameter set's OID and the raw public key (X||Y) of a GOST SPKI."""
    parameters = GostKeyParameters.load(info["algorithm"]["parameters"].dump(), strict=True)
    point = core.OctetString.load(info["public_key"].native, strict=True).native
    return parameters[0].dotted, point


def of_certificate(certificate_der: bytes) -> bytes:
    """The DER SubjectPublicKeyInfo of a certificate ``cryptography`` parses but cannot use."""
    tbs = asn1_x509.Certificate.load(certificate_der)["tbs_certificate"]
    return tbs["subject_public_key_info"].dump()


def encode(key_oid: str, paramset_oid: str, point: bytes) -> bytes:
    """A SubjectPublicKeyInfo of ``point`` under ``key_oid`` and ``paramset_oid``."""
    parameters = GostKeyParameters([paramset_oid])
    return SubjectPublicKeyInfo(
        {
            "algorithm": AlgorithmIdentifier(
                {"algorithm": key_oid, "parameters": core.Any.load(parameters.dump())}
            ),
            "public_key": core.OctetString(point).dump(),
        }
    ).dump()
