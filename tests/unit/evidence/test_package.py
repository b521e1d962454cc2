"""The ASiC-E evidence package: written, listed by unzip, checked by OpenSSL and offline by Arna.

Everything is real: an officer's key and certificate from a registry CA, a signed
letter, a custody log signed with Ed25519, a witness's cosignature, and tokens
from OpenSSL's TSA on 127.0.0.1.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding
from proof_services import ROOT, LocalTSA, local_tsa

from custody.bundle import build_bundle
from custody.cosignature import Cosigner
from custody.event import Actor, CustodyEvent, canonical_bytes
from custody.note import Checkpoint, LogKey, sign_checkpoint
from custody.tree import build_tree
from registry.evidence.package import (
    MIMETYPE,
    Evidence,
    PackageError,
    verify_package,
    write_package,
)
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.sign import sign_letter
from signing.timestamp import request_timestamp, signature_values

RN = "MINHEALTH-2026-000123"
ORIGIN = "arna.test/custody"
OFFICER = Actor(user="officer.minhealth", role="agency_officer", agency="AGENCY:MINHEALTH")


@dataclass
class Made:
    package: bytes
    log_key: LogKey
    witness: Cosigner
    tsa: LocalTSA
    xml: bytes
    ca: CertificateAuthority


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


def _events(xml: bytes) -> list[CustodyEvent]:
    digest = hashlib.sha256(xml).hexdigest()
    steps = [
        ("letter:registered", RN, None, "registered"),
        ("letter:registered", "MINHEALTH-2026-000124", None, "registered"),
        ("letter:signed", RN, "registered", "signed"),
        ("letter:submitted", RN, "signed", "submitted"),
    ]
    return [
        CustodyEvent(
            index=i,
            time=f"2026-11-30T10:0{i}:00.000000Z",
            actor=OFFICER,
            action=action,
            registry_number=number,
            letter_sha256=digest if number == RN else "ab" * 32,
            state_before=before,
            state_after=after,
        )
        for i, (action, number, before, after) in enumerate(steps)
    ]


@pytest.fixture(scope="module")
def made(tsa: LocalTSA) -> Made:
    ca = CertificateAuthority.create("Arna test registry CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = ca.issue_officer_cert(OfficerIdentity("Aigerim", "AGENCY:MINHEALTH"), key.public_key())
    xml = sign_letter((ROOT / "xml_schemas/examples/foreign-letter.xml").read_bytes(), key, cert)
    leaves = [canonical_bytes(event) for event in _events(xml)]
    tree = build_tree(leaves)
    log_key = LogKey.generate(ORIGIN)
    checkpoint = Checkpoint(ORIGIN, len(leaves), tree.root())
    witness = Cosigner("witness.test/w1", Ed25519PrivateKey.generate())
    mine = [i for i in range(len(leaves)) if i != 1]
    bundle = build_bundle(
        verifier_key=log_key.verifier_key,
        checkpoint_note=sign_checkpoint(log_key, checkpoint),
        entries=[(i, leaves[i]) for i in mine],
        proofs=[(i, tree.inclusion_proof(i)) for i in mine],
    )
    bundle["cosignatures"] = [
        {
            "witness_key": str(witness.verifier),
            "signature": witness.cosign(checkpoint.body(), 1_790_000_000),
        }
    ]
    value = signature_values(xml)[0]
    bundle["timestamps"] = [
        {
            "covers": "signature-value",
            "registry_number": RN,
            "signature": 0,
            "token": base64.b64encode(request_timestamp(tsa.url, value)).decode(),
        },
        {
            "covers": "checkpoint",
            "size": checkpoint.size,
            "token": base64.b64encode(
                request_timestamp(tsa.url, checkpoint.body().encode())
            ).decode(),
        },
    ]
    evidence = Evidence(
        certificates=[cert.public_bytes(Encoding.DER), ca.certificate.public_bytes(Encoding.DER)],
        crls=[ca.crl().public_bytes(Encoding.DER)],
    )
    return Made(write_package(RN, xml, bundle, evidence), log_key, witness, tsa, xml, ca)


def _verify(made: Made, package: bytes | None = None, **overrides: Any) -> Any:
    options: dict[str, Any] = {
        "verifier_key": made.log_key.verifier_key,
        "witnesses": [made.witness.verifier],
        "quorum": 1,
        "tsa_roots": [made.tsa.root],
        "trust_roots": [made.ca.certificate],
    }
    return verify_package(made.package if package is None else package, **(options | overrides))


def _touch_body(xml: bytes) -> bytes:
    return xml.replace(b"<body>", b"<body> ")


def _rewrite(package: bytes, name: str, change: Any) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == name else data)
    return out.getvalue()


def test_unzip_lists_the_mimetype_first_and_every_part(made: Made, tmp_path: Path) -> None:
    path = tmp_path / "evidence.asice"
    path.write_bytes(made.package)
    listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True, check=True)
    names = [line.split()[-1] for line in listing.stdout.splitlines()[3:-2]]
    assert names[0] == "mimetype"
    assert f"{RN}.xml" in names
    assert "META-INF/custody.json" in names
    assert "META-INF/manifest.xml" in names
    assert sum(n.startswith("META-INF/timestamps/") for n in names) == 2
    assert sum(n.startswith("META-INF/certificates/") for n in names) == 2
    assert any(n.startswith("META-INF/revocation/") for n in names)
    first = zipfile.ZipFile(path).infolist()[0]
    assert first.compress_type == zipfile.ZIP_STORED
    assert made.package[30:38] == b"mimetype"  # the name right after the first local header
    assert made.package[38 : 38 + len(MIMETYPE)] == MIMETYPE.encode()
    assert zipfile.ZipFile(path).read(f"{RN}.xml") == made.xml  # untouched


def test_openssl_accepts_every_token_in_it(made: Made) -> None:
    archive = zipfile.ZipFile(io.BytesIO(made.package))
    bundle = json.loads(archive.read("META-INF/custody.json"))
    covered = {
        "META-INF/timestamps/signature-0.tst": signature_values(made.xml)[0],
        "META-INF/timestamps/checkpoint-4.tst": bundle["checkpoint"].split("\n\n")[0].encode()
        + b"\n",
    }
    for name, data in covered.items():
        checked = made.tsa.openssl_verify(archive.read(name), data)
        assert checked.returncode == 0, (name, checked.stderr)


def test_it_verifies_offline(made: Made) -> None:
    report = _verify(made)
    assert report.problem is None, report.problem
    assert report.warnings == []
    assert any("witnessed by witness.test/w1" in fact for fact in report.facts)
    assert any("signature-value existed at" in fact for fact in report.facts)
    assert any("1 signatures TOTAL_PASSED at their time-stamps' time" in f for f in report.facts)


def test_a_signer_revoked_before_the_stamp_fails(made: Made) -> None:
    """The package's CRL is the one captured at receipt; a later CRL naming a revocation
    dated before the stamp (the key was lost, the letter already forged) fails it."""
    ca = copy.deepcopy(made.ca)
    cert = x509.load_der_x509_certificate(
        zipfile.ZipFile(io.BytesIO(made.package)).read(
            next(
                n
                for n in zipfile.ZipFile(io.BytesIO(made.package)).namelist()
                if n.startswith("META-INF/certificates/")
            )
        )
    )
    leaf = (
        cert
        if not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        else None
    )
    assert leaf is not None
    ca.revoke(leaf.serial_number, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    crl = ca.crl().public_bytes(Encoding.DER)
    name = "META-INF/revocation/later.crl"
    source = zipfile.ZipFile(io.BytesIO(made.package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr(name, crl)
    problem = _verify(made, out.getvalue()).problem
    assert problem is not None
    assert "REVOKED" in problem


def test_the_command_line_verifies_it(made: Made, tmp_path: Path) -> None:
    path = tmp_path / "evidence.asice"
    path.write_bytes(made.package)
    root = tmp_path / "tsa-root.pem"
    root.write_bytes(made.tsa.root.public_bytes(Encoding.PEM))
    command = [
        sys.executable, "-m", "registry.custody", "verify-package", str(path),
        "--key", made.log_key.verifier_key, "--witness", str(made.witness.verifier),
        "--quorum", "1", "--tsa-root", str(root),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK")
    path.write_bytes(
        _rewrite(made.package, f"{RN}.xml", lambda d: d.replace(b"<body>", b"<body> "))
    )
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 1
    assert "SHA-256" in done.stderr


def test_a_tampered_package_fails(made: Made) -> None:
    letter = _rewrite(made.package, f"{RN}.xml", _touch_body)
    assert "SHA-256" in _verify(made, letter).problem
    tst = "META-INF/timestamps/signature-0.tst"
    token = _rewrite(made.package, tst, lambda d: d[:-1] + bytes([d[-1] ^ 1]))
    assert "differs from the bundle's token" in _verify(made, token).problem

    def swap_token(data: bytes) -> bytes:
        bundle = json.loads(data)
        bundle["timestamps"][0]["token"], bundle["timestamps"][1]["token"] = (
            bundle["timestamps"][1]["token"],
            bundle["timestamps"][0]["token"],
        )
        return json.dumps(bundle).encode()

    swapped = _rewrite(made.package, "META-INF/custody.json", swap_token)
    assert _verify(made, swapped).problem is not None

    def drop_cosignature(data: bytes) -> bytes:
        return json.dumps(json.loads(data) | {"cosignatures": []}).encode()

    unwitnessed = _rewrite(made.package, "META-INF/custody.json", drop_cosignature)
    assert "cosignature" in _verify(made, unwitnessed).problem
    assert _verify(made, unwitnessed, quorum=0).problem is None
    other = Cosigner("witness.test/w1", Ed25519PrivateKey.generate()).verifier
    assert "cosignature" in _verify(made, witnesses=[other]).problem
    assert "not trusted" in _verify(made, tsa_roots=[other_root(made)]).problem


def other_root(made: Made) -> Any:
    return CertificateAuthority.create("Someone else's TSA root").certificate


def test_the_container_framing_is_checked(made: Made) -> None:
    source = zipfile.ZipFile(io.BytesIO(made.package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info), zipfile.ZIP_DEFLATED)
    with pytest.raises(PackageError, match="compressed"):
        verify_package(out.getvalue(), verifier_key=None)
    with pytest.raises(PackageError, match="not a ZIP"):
        verify_package(b"PK\x03\x04 not really", verifier_key=None)
    no_key = verify_package(made.package, verifier_key=None)
    assert any("--key" in warning for warning in no_key.warnings)
    assert any("--tsa-root" in warning for warning in no_key.warnings)
