"""Over real HTTP, gunicorn with two workers, a local TSA and two witness processes: a
submitted letter's time-stamp and its checkpoint's cosignatures arrive by themselves
after the commit (each worker's background publisher), and its evidence package,
downloaded like any file, verifies offline."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding
from proof_services import ROOT, LocalTSA, WitnessProcess, local_tsa, witness_processes

from registry.services.deadlines import today_kz
from registry.services.setup import DEMO_PASSWORD, DEMO_SIGNING_PASSPHRASE

from .conftest import BIN, Person, bootstrap, fresh_database, gunicorn

pytestmark = pytest.mark.slow


class Proving:
    base: str
    tsa: LocalTSA
    witnesses: list[WitnessProcess]
    log_key: str
    env: dict[str, str]


@pytest.fixture(scope="module")
def proving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proving]:
    directory = tmp_path_factory.mktemp("e2e-proof")
    found = Proving()
    with fresh_database(directory) as url:
        env = bootstrap(url, directory)
        verified = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "custody", "verify", "--quiet"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        match = re.search(r"verifier key (\S+)", verified.stdout)
        assert match, verified.stdout
        found.log_key = match.group(1)
        (directory / "tsa").mkdir()
        (directory / "witnesses").mkdir()
        with (
            local_tsa(directory / "tsa") as tsa,
            witness_processes(directory / "witnesses", found.log_key) as witnesses,
        ):
            roots = directory / "tsa-roots.pem"
            roots.write_bytes(tsa.root.public_bytes(Encoding.PEM))
            env |= {
                "ARNA_TSA_URL": tsa.url,
                "ARNA_TSA_ROOTS": str(roots),
                "ARNA_WITNESSES": ";".join(w.config for w in witnesses),
            }
            found.tsa, found.witnesses, found.env = tsa, witnesses, env
            with gunicorn(env, directory) as base:
                found.base = base
                yield found


def test_a_submitted_letter_is_stamped_witnessed_and_packaged(
    proving: Proving, tmp_path: Path
) -> None:
    officer = Person(proving.base, "officer.minhealth", DEMO_PASSWORD)
    form = {
        "kind": "foreign-letter",
        "recipient": "DIPLOMATIC_MISSION",
        "date": today_kz().isoformat(),
        "subject": "Evidence over HTTP",
        "body": "The Ministry presents its compliments.",
        "language": "en",
        "legal_basis_kind": "",
        "step": "sign",
        "passphrase": DEMO_SIGNING_PASSPHRASE,
    }
    number = officer.post("/compose", form).headers["Location"].rsplit("/", 1)[-1]
    api = requests.Session()
    api.headers.update(officer.api_token())
    assert api.post(f"{proving.base}/api/v1/letters/{number}/submit").status_code == 200
    page = officer.get(f"/letters/{number}").text
    assert f"/letters/{number}/evidence.asice" in page

    # The publisher runs after the commit: wait until the package carries its proof.
    path = tmp_path / f"{number}.asice"
    pins = [
        "--key", proving.log_key,
        *[a for w in proving.witnesses for a in ("--witness", w.key)], "--quorum", "2",
        "--tsa-root", proving.env["ARNA_TSA_ROOTS"],
    ]  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        response = officer.get(f"/letters/{number}/evidence.asice")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/vnd.etsi.asic-e+zip"
        path.write_bytes(response.content)
        done = subprocess.run(
            [sys.executable, "-m", "registry.custody", "verify-package", str(path), *pins],
            cwd=ROOT, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode == 0 and "signature-value existed at" in done.stdout:
            break
        assert time.monotonic() < deadline, done.stdout + done.stderr
        time.sleep(0.5)
    assert "witnessed by" in done.stdout
