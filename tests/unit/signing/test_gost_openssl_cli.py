"""The NCA samples checked by the `openssl` command with Debian's gost engine (issue 9).

An outside confirmation of the layouts signing.gost assumes: given the signer's key
as an RFC 4491 / RFC 9215 SubjectPublicKeyInfo (tc26 OIDs; the key bytes, X||Y
little-endian, unchanged) and the signature byte-reversed (RFC 4491's s||r
big-endian), `openssl dgst -md_gost12_512 -verify` accepts the samples.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from gost_samples import SignedSample, all_gost_signatures

from signing import gost
from signing.gost import native

pytestmark = pytest.mark.skipif(
    shutil.which("openssl") is None or native.load() is None,
    reason="openssl with libengine-gost-openssl is not installed (scripts/system-deps.sh)",
)
SAMPLES = all_gost_signatures()
# SEQUENCE { SEQUENCE { OID 1.2.643.7.1.1.1.2 (GOST R 34.10-2012 512-bit),
#   SEQUENCE { OID 1.2.643.7.1.2.1.2.1 (paramset A) } }, BIT STRING { OCTET STRING (128) } }
TC26_SPKI_PREFIX = bytes.fromhex(
    "3081a0301706082a85030701010102300b06092a850307010201020103818400048180"
)


def _openssl(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["openssl", *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def _files(tmp_path: Path, sample: SignedSample) -> tuple[Path, Path, Path]:
    key = gost.public_key_from_certificate(sample.cert)
    spki = tmp_path / "key.der"
    spki.write_bytes(TC26_SPKI_PREFIX + key.x.to_bytes(64, "little") + key.y.to_bytes(64, "little"))
    pem = tmp_path / "key.pem"
    converted = _openssl("pkey", "-engine", "gost", "-pubin", "-inform", "DER", "-in", spki)
    assert converted.returncode == 0, converted.stderr
    pem.write_text(converted.stdout)
    signature = tmp_path / "signature.bin"
    signature.write_bytes(sample.signature[::-1])
    data = tmp_path / "signed-info.xml"
    data.write_bytes(sample.signed_info)
    return pem, signature, data


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_openssl_verifies_the_samples_in_the_layout_we_read(
    tmp_path: Path, sample: SignedSample
) -> None:
    pem, signature, data = _files(tmp_path, sample)
    verify = ("dgst", "-engine", "gost", "-md_gost12_512", "-verify", pem, "-signature", signature)
    ok = _openssl(*verify, data)
    assert ok.returncode == 0, ok.stderr
    assert "Verified OK" in ok.stdout
    data.write_bytes(sample.signed_info + b" ")
    changed = _openssl(*verify, data)
    assert changed.returncode == 1
    assert "Verification failure" in changed.stdout


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.name for sample in SAMPLES])
def test_openssl_streebog_is_ours(tmp_path: Path, sample: SignedSample) -> None:
    data = tmp_path / "signed-info.xml"
    data.write_bytes(sample.signed_info)
    digest = _openssl("dgst", "-provider", "gostprov", "-md_gost12_512", "-hex", data)
    assert digest.returncode == 0, digest.stderr
    assert digest.stdout.split()[-1] == gost.streebog512(sample.signed_info, pure=True).hex()
