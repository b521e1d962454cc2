"""Proof in the service: time-stamps at receipt, witnessed checkpoints, evidence packages.

A real TSA (``openssl ts -reply`` on 127.0.0.1) and two witness processes
(``python -m registry.custody witness serve``) are configured on the app; the
database is the real one of the test run. Each test gets fresh witnesses: a
test's transaction is rolled back at its end, which to a witness that saw it is
exactly a rolled-back log.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask, g
from proof_services import (
    ROOT,
    LocalTSA,
    WitnessProcess,
    local_tsa,
    restart,
    witness_processes,
)
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import EXTENSION_KEY
from registry.models import (
    Cosignature,
    CustodyCheckpoint,
    CustodyEntry,
    CustodyNode,
    Evidence,
    Letter,
)
from registry.models.custody import CustodyHead
from registry.models.proof import WitnessState
from registry.permissions import Principal
from registry.services import letters
from registry.services.custody import (
    Actor,
    append_event,
    consistency_proof,
    export_bundle,
    verifier_key,
)
from registry.services.pki import ca_certificate
from registry.services.proofs import proof_settings, publish
from registry.services.schema import upgrade_to_head
from registry.services.unit_of_work import act
from signing.letter import build_letter
from signing.sign import sign_letter as sign_xml
from signing.timestamp import signature_values

from .conftest import SIGNING_PASSPHRASE
from .factories import a_signed_letter, envelope
from .web_fixtures import api_token  # noqa: F401 -- fixture
from .workflow_steps import AUDITOR, COURT, OFFICER

pytestmark = pytest.mark.slow
Who = Callable[[str], Principal]


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTSA]:
    with local_tsa(tmp_path_factory.mktemp("tsa")) as running:
        yield running


@pytest.fixture
def witnesses(service_session: Session, tmp_path: Path) -> Iterator[list[WitnessProcess]]:
    key = verifier_key(service_session)
    assert key is not None
    with witness_processes(tmp_path, key) as running:
        yield running


@pytest.fixture
def proving(
    app: Flask, tsa: LocalTSA, witnesses: list[WitnessProcess], tmp_path: Path
) -> Iterator[dict[str, Any]]:
    """The app configured with the TSA and both witnesses, for this test only."""
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(tsa.root.public_bytes(Encoding.PEM))
    settings = {
        "ARNA_TSA_URL": tsa.url,
        "ARNA_TSA_ROOTS": str(roots),
        "ARNA_WITNESSES": ";".join(w.config for w in witnesses),
    }
    saved = {name: app.config[name] for name in settings}
    app.config.update(settings)
    yield settings
    app.config.update(saved)


def _publish(session: Session) -> Any:
    return publish(session, proof_settings(), lambda a, b: consistency_proof(session, a, b))


def _uploaded(session: Session, officer: Principal) -> str:
    from registry.models import User
    from registry.services.pki import unlock_signing_key

    number = act(letters.reserve_number, session, officer)
    user = session.scalar(select(User).where(User.id == officer.id))
    unlocked = unlock_signing_key(user, SIGNING_PASSPHRASE)
    xml = build_letter(
        envelope(officer, kind="foreign-letter", recipient="INTL_ORG"),
        registry_number=number,
        subject="Evidence",
        body="Text.",
    )
    signed = sign_xml(xml, unlocked.key, unlocked.certificate)
    act(letters.upload_letter, session, officer, signed, submit=True)
    return number


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry.custody", *args],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip


def test_receipt_witnesses_and_the_evidence_package(
    app: Flask,
    service_session: Session,
    principal: Who,
    proving: dict[str, Any],
    tsa: LocalTSA,
    witnesses: list[WitnessProcess],
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> None:
    s = service_session
    officer = principal(OFFICER)
    number = _uploaded(s, officer)
    cosigned = a_signed_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")

    # At receipt: the CRL the letter met and a time-stamp owed per signature value; the
    # TSA is asked after commit, so that it never holds a submission.
    for rn in (number, cosigned):
        kinds = s.scalars(select(Evidence.kind).where(Evidence.registry_number == rn)).all()
        assert sorted(kinds) == ["crl", "signature-timestamp-owed"], (rn, kinds)

    report = _publish(s)
    assert report.failures == [], report.failures
    assert len(report.cosigned) == 2
    assert report.stamped
    for rn in (number, cosigned):
        kinds = s.scalars(select(Evidence.kind).where(Evidence.registry_number == rn)).all()
        assert sorted(kinds) == ["crl", "signature-timestamp"], (rn, kinds)
    token = s.scalar(
        select(Evidence.data).where(
            Evidence.registry_number == number, Evidence.kind == "signature-timestamp"
        )
    )
    xml = s.scalar(select(Letter.xml).where(Letter.registry_number == number))
    assert tsa.openssl_verify(bytes(token), signature_values(xml)[0]).returncode == 0
    size = report.size
    assert len(s.scalars(select(Cosignature).where(Cosignature.size == size)).all()) == 2

    # The package, over the API (the letter's own agency) and as the auditor.
    def download(who: str) -> Any:
        # The test's app context outlives each request: forget the last caller, and
        # serve the request from the test's own session (one session per connection).
        g.pop("arna_principal", None)
        g.arna_session = s
        return app.test_client().get(f"/api/v1/letters/{number}/evidence", headers=api_token(who))

    response = download(OFFICER)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/vnd.etsi.asic-e+zip"
    package = response.get_data()
    assert download(AUDITOR).status_code == 200
    assert download(COURT).status_code == 404

    path = tmp_path / f"{number}.asice"
    path.write_bytes(package)
    listing = subprocess.run(["unzip", "-l", str(path)], capture_output=True, text=True, check=True)
    assert listing.stdout.splitlines()[3].split()[-1] == "mimetype"
    archive = zipfile.ZipFile(io.BytesIO(package))
    assert archive.read(f"{number}.xml") == xml
    bundle = json.loads(archive.read("META-INF/custody.json"))
    assert len(bundle["cosignatures"]) == 2
    assert {t["covers"] for t in bundle["timestamps"]} == {"checkpoint", "signature-value"}
    body = bundle["checkpoint"][: bundle["checkpoint"].rfind("\n\n") + 1].encode()
    for stamp in bundle["timestamps"]:
        data = body if stamp["covers"] == "checkpoint" else signature_values(xml)[0]
        name = f"checkpoint-{stamp['size']}" if stamp["covers"] == "checkpoint" else "signature-0"
        checked = tsa.openssl_verify(archive.read(f"META-INF/timestamps/{name}.tst"), data)
        assert checked.returncode == 0, checked.stderr

    pins = ["--key", verifier_key(s), *[a for w in witnesses for a in ("--witness", w.key)]]
    ca_root = tmp_path / "registry-ca.pem"
    ca_root.write_bytes(ca_certificate(s).public_bytes(Encoding.PEM))
    roots = ["--tsa-root", proving["ARNA_TSA_ROOTS"], "--trust", str(ca_root)]
    done = _cli("verify-package", str(path), *pins, "--quorum", "2", *roots)
    assert done.returncode == 0, done.stderr
    assert "signatures TOTAL_PASSED at their time-stamps' time" in done.stdout
    assert "warning" not in done.stderr
    tampered = tmp_path / "tampered.asice"
    with zipfile.ZipFile(tampered, "w") as out:
        for info in archive.infolist():
            data = archive.read(info)
            out.writestr(
                info,
                data.replace(b"Text.", b"Text!")
                if info.filename.endswith(".xml") and "/" not in info.filename
                else data,
            )
    done = _cli("verify-package", str(tampered), *pins, "--quorum", "2", *roots)
    assert done.returncode == 1
    assert "SHA-256" in done.stderr


def _roll_back_one_event(session: Session) -> int:
    """What an operator with database access would do: drop the newest event and its traces."""
    size = session.scalar(select(CustodyHead.size))
    last = size - 1
    session.execute(delete(CustodyEntry).where(CustodyEntry.index == last))
    for level in range(size.bit_length()):
        session.execute(
            delete(CustodyNode).where(CustodyNode.level == level, CustodyNode.idx == last >> level)
        )
    session.execute(delete(CustodyCheckpoint).where(CustodyCheckpoint.size == size))
    session.execute(update(CustodyHead).values(size=last))
    session.commit()
    return last


def test_a_rolled_back_log_gets_no_cosignature(
    service_session: Session,
    principal: Who,
    proving: dict[str, Any],
    witnesses: list[WitnessProcess],
    tmp_path: Path,
) -> None:
    s = service_session
    officer = principal(OFFICER)
    a_signed_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    assert _publish(s).failures == []
    _roll_back_one_event(s)
    a_signed_letter(
        s, officer, kind="foreign-letter", recipient="INTL_ORG"
    )  # new events, re-signed heads
    report = _publish(s)
    assert len(report.failures) == 2  # both witnesses refuse
    states = s.scalars(select(WitnessState)).all()
    assert all("rolled back or forked" in (state.last_error or "") for state in states), [
        state.last_error for state in states
    ]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(export_bundle(s)))
    done = _cli(
        "verify",
        str(path),
        "--key",
        verifier_key(s),
        "--witness",
        witnesses[0].key,
        "--quorum",
        "1",
    )
    assert done.returncode == 1
    assert "0 of the 1 cosignatures" in done.stderr


def test_an_unreachable_witness_or_tsa_blocks_nothing_and_is_retried(
    app: Flask,
    service_session: Session,
    principal: Who,
    proving: dict[str, Any],
    witnesses: list[WitnessProcess],
) -> None:
    s = service_session
    officer = principal(OFFICER)
    number = _uploaded(s, officer)
    app.config["ARNA_TSA_URL"] = "http://127.0.0.1:9/"  # nothing listens there now
    witnesses[0].process.terminate()
    witnesses[0].process.wait(timeout=10)
    report = _publish(s)
    assert len(report.cosigned) == 1
    assert len(report.failures) == 3  # the witness, the signature's and the checkpoint's stamps
    owed = s.scalars(select(Evidence.kind).where(Evidence.registry_number == number)).all()
    assert "signature-timestamp-owed" in owed
    down = s.get(WitnessState, witnesses[0].key)
    assert down is not None
    assert down.last_error
    assert down.cosigned_size == 0

    # Both back: the next round catches up on everything.
    app.config["ARNA_TSA_URL"] = proving["ARNA_TSA_URL"]
    restart(witnesses[0])
    report = _publish(s)
    assert report.failures == []
    s.refresh(down)
    assert (down.last_error, down.cosigned_size) == (None, report.size)
    kinds = s.scalars(select(Evidence.kind).where(Evidence.registry_number == number)).all()
    assert sorted(kinds) == ["crl", "signature-timestamp"]


def test_a_witness_further_on_than_recorded_is_sent_a_proof_from_its_own_size(
    service_session: Session,
    principal: Who,
    proving: dict[str, Any],
    witnesses: list[WitnessProcess],
) -> None:
    """Arna's record of what a witness cosigned can lag (a round whose store was lost): the
    witness answers 409 with its own size, and the same round sends the checkpoint again
    with a consistency proof from that size, read from the log between the two asks."""
    s = service_session
    officer = principal(OFFICER)
    a_signed_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    first = _publish(s)
    assert first.failures == []
    a_signed_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    s.execute(update(WitnessState).values(cosigned_size=0))
    s.commit()
    report = _publish(s)
    assert report.failures == [], report.failures
    assert first.size < report.size
    assert sorted(report.cosigned) == sorted(w.key for w in witnesses)
    states = s.scalars(select(WitnessState)).all()
    assert [(st.cosigned_size, st.last_error) for st in states] == [(report.size, None)] * 2


def test_a_cosignature_another_publisher_recorded_first_leaves_the_round_whole(
    service_session: Session,
    principal: Who,
    proving: dict[str, Any],
    witnesses: list[WitnessProcess],
) -> None:
    """Another publisher (``flask custody prove``, a worker without the instance's lock
    file) records a witness's cosignature of the same checkpoint just before this round
    commits its own: the round's store fails on the key, is rolled back and done again,
    and the round goes on to the time-stamps (it used to stop on PendingRollbackError)."""
    s = service_session
    number = _uploaded(s, principal(OFFICER))
    recorded: list[str] = []

    def another_publisher_first(session: Session) -> None:
        pending = [row for row in session.new if isinstance(row, Cosignature)]
        if pending and not recorded:
            row = pending[-1]
            recorded.append(row.witness_key)
            values = {"size": row.size, "witness_key": row.witness_key, "signature": row.signature}
            session.connection().execute(insert(Cosignature).values(values))  # no autoflush

    event.listen(s, "before_commit", another_publisher_first)
    try:
        report = _publish(s)
    finally:
        event.remove(s, "before_commit", another_publisher_first)
    assert recorded
    assert report.failures == []
    assert sorted(report.cosigned) == sorted(w.key for w in witnesses)
    cosigned = s.scalars(select(Cosignature.witness_key).where(Cosignature.size == report.size))
    assert sorted(cosigned) == sorted(w.key for w in witnesses)
    states = s.scalars(select(WitnessState)).all()
    assert [(st.cosigned_size, st.last_error) for st in states] == [(report.size, None)] * 2
    kinds = s.scalars(select(Evidence.kind).where(Evidence.registry_number == number)).all()
    assert sorted(kinds) == ["crl", "signature-timestamp"]
    assert report.stamped
    assert _publish(s).failures == []


def test_with_nothing_configured_only_the_revocation_evidence_is_kept(
    service_session: Session, principal: Who
) -> None:
    s = service_session
    number = a_signed_letter(
        s, principal(OFFICER), kind="foreign-letter", recipient="DIPLOMATIC_MISSION"
    )
    assert not proof_settings().enabled
    assert _publish(s).cosigned == []
    # Only what the verification at receipt rested on (the registry CA's CRL) is kept.
    kinds = s.scalars(select(Evidence.kind).where(Evidence.registry_number == number)).all()
    assert kinds == ["crl"]
    bundle = export_bundle(s, number)
    assert "cosignatures" not in bundle
    assert "timestamps" not in bundle


@pytest.fixture
def cli_app(databases: Any, app_config: dict[str, Any]) -> Flask:
    """An app on a fresh, committed database whose log holds a few events."""
    app = create_app(app_config | {"DATABASE_URL": databases.new("proof_cli")})
    engine = app.extensions[EXTENSION_KEY].engine
    upgrade_to_head(engine)
    with app.app_context(), Session(engine) as session:
        for action, before, after in (
            ("letter:registered", None, "registered"),
            ("letter:signed", "registered", "signed"),
        ):
            append_event(
                session,
                actor=Actor(user="officer.minhealth", role="agency_officer", agency=None),
                action=action,
                registry_number="MINHEALTH-2026-000042",
                letter_sha256="cd" * 32,
                state_before=before,
                state_after=after,
            )
        session.commit()
    return app


def test_flask_custody_prove_and_a_witnessed_export(
    cli_app: Flask, tmp_path: Path, tsa: LocalTSA
) -> None:
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["custody", "prove"])
    assert result.exit_code == 2
    assert "neither ARNA_TSA_URL nor ARNA_WITNESSES" in result.output
    assert runner.invoke(args=["custody", "package", "NOBODY-1", "-o", "x"]).exit_code == 2

    with cli_app.app_context(), Session(cli_app.extensions[EXTENSION_KEY].engine) as session:
        log_key = verifier_key(session)
    assert log_key is not None
    roots = tmp_path / "tsa-roots.pem"
    roots.write_bytes(tsa.root.public_bytes(Encoding.PEM))
    with witness_processes(tmp_path, log_key) as witnesses:
        cli_app.config |= {
            "ARNA_TSA_URL": tsa.url,
            "ARNA_TSA_ROOTS": str(roots),
            "ARNA_WITNESSES": ";".join(w.config for w in witnesses),
        }
        result = runner.invoke(args=["custody", "prove"])
        assert result.exit_code == 0, result.output
        assert "cosigned by 2 witnesses, time-stamped" in result.output
        out = tmp_path / "log.json"
        assert runner.invoke(args=["custody", "export", str(out)]).exit_code == 0
        pins = [a for w in witnesses for a in ("--witness", w.key)]
    bundle = json.loads(out.read_text())
    assert len(bundle["cosignatures"]) == 2  # the export's own checkpoint, witnessed first
    assert [t["covers"] for t in bundle["timestamps"]] == ["checkpoint"]
    done = _cli("verify", str(out), "--key", log_key, *pins, "--quorum", "2")
    assert done.returncode == 0, done.stderr
