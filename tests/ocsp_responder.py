"""A real OCSP responder for tests: ``openssl ocsp`` on 127.0.0.1, answering from an
index of certificates issued here (RSA-2048), signed by a responder certificate of
their CA. Used by the signing unit tests and the registry's OCSP-at-receipt tests."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID


@dataclass(frozen=True)
class Holder:
    """A key and its certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def name(common_name: str) -> x509.Name:
    """A subject of one CN."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def issue(
    ca: Holder | None,
    subject: x509.Name,
    *,
    now: dt.datetime,
    usages: Sequence[x509.ObjectIdentifier] = (),
    ocsp_url: str | None = None,
    crl_url: str | None = None,
) -> Holder:
    """A certificate valid from 30 days before ``now`` for a year: a self-signed CA when
    ``ca`` is None, else an end entity of ``ca`` (naming ``ocsp_url`` / ``crl_url``)."""
    key = rsa.generate_private_key(65537, 2048)
    is_ca = ca is None
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.cert.subject if ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not is_ca,
                content_commitment=not is_ca,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=is_ca,
                crl_sign=is_ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if ocsp_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    if crl_url:
        point = x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return Holder(key, builder.sign(ca.key if ca else key, hashes.SHA256()))


def _write(path: Path, holder: Holder) -> None:
    path.with_suffix(".pem").write_bytes(holder.cert.public_bytes(serialization.Encoding.PEM))
    path.with_suffix(".key").write_bytes(
        holder.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def _index_line(cert: x509.Certificate, revoked_at: dt.datetime | None) -> str:
    """One line of an openssl CA database (index.txt)."""
    stamp = "%y%m%d%H%M%SZ"
    serial = format(cert.serial_number, "X")
    serial = serial if len(serial) % 2 == 0 else "0" + serial
    subject = "/CN=" + str(cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    return "\t".join(
        [
            "R" if revoked_at else "V",
            cert.not_valid_after_utc.strftime(stamp),
            revoked_at.strftime(stamp) if revoked_at else "",
            serial,
            "unknown",
            subject,
        ]
    )


@contextmanager
def openssl_ocsp(
    directory: Path,
    port: int,
    ca: Holder,
    index: Sequence[tuple[x509.Certificate, dt.datetime | None]],
    *,
    now: dt.datetime,
) -> Iterator[None]:
    """``openssl ocsp`` on 127.0.0.1:``port`` for ``ca``: good or revoked (at the time
    given) for the certificates of ``index``, unknown for any other; its answers are
    signed by a responder certificate ``ca`` issues here."""
    ca_name = ca.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    signer = issue(
        ca, name(f"{ca_name!s} OCSP"), now=now, usages=[ExtendedKeyUsageOID.OCSP_SIGNING]
    )
    (directory / "index.txt").write_text(
        "".join(_index_line(cert, revoked_at) + "\n" for cert, revoked_at in index)
    )
    _write(directory / "ca", ca)
    _write(directory / "responder", signer)
    log = directory / "responder.log"
    # openssl 3.0 takes only a port (it listens on every interface); tests ask 127.0.0.1.
    process = subprocess.Popen(
        [
            "openssl", "ocsp", "-index", "index.txt", "-port", str(port),
            "-rsigner", "responder.pem", "-rkey", "responder.key", "-CA", "ca.pem",
            "-nmin", "10", "-ignore_err",
        ],
        cwd=directory,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        # The responder serves one connection at a time, and an empty probe connection
        # wedges it: wait for its own word that it listens instead.
        deadline = time.monotonic() + 10
        while b"waiting for OCSP client connections" not in log.read_bytes():
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "openssl ocsp did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)
