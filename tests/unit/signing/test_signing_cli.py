"""python -m signing sign|verify, exactly as contracts/signing-cli.md fixes it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from signing_pki import NOW, Officer

from signing.__main__ import main
from signing.ca import CertificateAuthority
from signing.keys import encrypt_private_key

REPO = Path(__file__).resolve().parents[3]
PASSPHRASE = "officer's own passphrase"


@pytest.fixture
def files(
    tmp_path: Path,
    letter_xml: bytes,
    ec_officer: Officer,
    registry_ca: CertificateAuthority,
    registry_crl: x509.CertificateRevocationList,
) -> dict[str, Path]:
    paths = {
        "letter": tmp_path / "letter.xml",
        "key": tmp_path / "key.pem",
        "cert": tmp_path / "cert.pem",
        "root": tmp_path / "root.pem",
        "crl": tmp_path / "crl.pem",
        "out": tmp_path / "signed.xml",
    }
    paths["letter"].write_bytes(letter_xml)
    paths["key"].write_bytes(encrypt_private_key(ec_officer.key, PASSPHRASE.encode()))
    paths["cert"].write_bytes(ec_officer.cert.public_bytes(Encoding.PEM))
    paths["root"].write_bytes(registry_ca.certificate.public_bytes(Encoding.PEM))
    paths["crl"].write_bytes(registry_crl.public_bytes(Encoding.PEM))
    return paths


def _sign(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setenv("ARNA_KEY_PASSPHRASE", PASSPHRASE)
    return main(
        [
            "sign",
            str(files["letter"]),
            "--key",
            str(files["key"]),
            "--cert",
            str(files["cert"]),
            "--passphrase-env",
            "ARNA_KEY_PASSPHRASE",
            "-o",
            str(files["out"]),
        ]
    )


def _verify(files: dict[str, Path], *extra: str) -> list[str]:
    return ["verify", str(files["out"]), "--trust", str(files["root"]), *extra]


def test_sign_then_verify(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _sign(files, monkeypatch) == 0
    assert main(_verify(files, "--crl", str(files["crl"]))) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert report["indication"] == "TOTAL_PASSED"
    assert report["signatures"][0]["signature_format"] == "XAdES-BASELINE-B"
    assert PASSPHRASE not in out + err


def test_verify_exits_1_for_anything_but_total_passed(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _sign(files, monkeypatch) == 0
    files["out"].write_bytes(files["out"].read_bytes().replace(b"May 2026", b"June 2026"))
    assert main(_verify(files)) == 1
    assert json.loads(capsys.readouterr().out)["sub_indication"] == "HASH_FAILURE"
    # Before the signer's certificate existed: certificates are checked at --at.
    assert main(_verify(files, "--at", "2020-01-01T00:00:00Z")) == 1


def test_an_unsigned_letter_is_no_signature(
    files: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    files["out"].write_bytes(files["letter"].read_bytes())
    assert main(_verify(files)) == 1
    assert json.loads(capsys.readouterr().out)["sub_indication"] == "NO_SIGNATURE"


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (b"<letter>", (), "malformed"),
        (b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>', (), "DTD"),
        (None, ("--at", "yesterday"), "--at"),
        (None, ("--crl", "/nonexistent/crl.pem"), "cannot read CRL"),
        (  # issue 11 M1: refused before any cryptography, naming the limit
            b"<x" + b"".join(b' xmlns:n%d="urn:n%d"' % (i, i) for i in range(50_000)) + b"/>",
            (),
            "more than 256 namespace declarations",
        ),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    files: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
    content: bytes | None,
    extra: tuple[str, ...],
    message: str,
) -> None:
    files["out"].write_bytes(content if content is not None else files["letter"].read_bytes())
    assert main(_verify(files, *extra)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_sign_without_the_passphrase_fails_without_leaking(
    files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WRONG", "not " + PASSPHRASE)
    argv = ["sign", str(files["letter"]), "--key", str(files["key"]), "--cert", str(files["cert"])]
    assert main([*argv, "-o", str(files["out"])]) == 2
    assert "passphrase is needed" in capsys.readouterr().err
    assert main([*argv, "--passphrase-env", "WRONG", "-o", str(files["out"])]) == 2
    err = capsys.readouterr().err
    assert "cannot be decrypted" in err
    assert PASSPHRASE not in err
    assert not files["out"].exists()


def test_the_real_command_line(files: dict[str, Path], ec_officer: Officer) -> None:
    """One end-to-end run through `python -m signing`, as an agency or auditor would."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "KEY_PASS": PASSPHRASE}
    sign = [sys.executable, "-m", "signing", "sign", str(files["letter"])]
    sign += ["--key", str(files["key"]), "--cert", str(files["cert"])]
    sign += ["--passphrase-env", "KEY_PASS", "-o", str(files["out"])]
    subprocess.run(sign, env=env, check=True, cwd=REPO)
    verify = [sys.executable, "-m", "signing", *_verify(files), "--at", NOW.isoformat()]
    run = subprocess.run(verify, env=env, capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["signatures"][0]["signer"]["subject"] == ec_officer.cert.subject.rfc4514_string()
