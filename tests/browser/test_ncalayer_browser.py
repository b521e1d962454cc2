"""A letter signed in the browser with NCALayer (Chromium, the NCALayer stand-in), end to end.

An officer composes and signs with "NCALayer" — the protocol-faithful stand-in
(tests/ncalayer_standin.py) holding public NCA TEST keys — with the key of a legal entity's
signatory (BIN123456789021), the first head co-signs with the NCA first-head key of the
same BIN, the letter is submitted, and the MFA clerk receives it and countersigns the
dispatch record with NCALayer; the letter page and the certified paper copy show each
signer's IIN, BIN, role and PKI ("NCA test PKI"). The registry runs with
``ARNA_SERVER_SIGNING=0``: no Arna-held key is offered or used.

Compromises, said plainly (see also tests/data/nca/keys/SOURCES.md):

- Every public NCA test key has EXPIRED. The registry (bootstrap and gunicorn) runs
  under Debian's ``faketime`` at 2025-03-01 10:00 UTC, inside the validity of the NCA
  GOST 2015 test keys of skarm/kalkan (2024-10-29/30 .. 2025-10-29/30); the test checks
  that the server's clock really is there (the compose form's date).
- Binding agencies to BINs and accounts to IINs is task 10a's: until it is merged a
  signature counts as "an officer of the sender" only through a registry-CA certificate
  naming the agency. So ``_prepare`` (the one fixture to switch to 10a's admin service)
  gives the officer a key they hold, certified by the registry CA for MINHEALTH, and the
  officer adds that signature before submitting (¶43).
- All public NCA test keys share one BIN: none is of MFA's. The clerk countersigns with a
  key they hold, certified by the registry CA for MFA (also in ``_prepare``).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from e2e.conftest import BIN, ROOT, free_port, fresh_database, service_env
from ncalayer_standin import KeyChoice, NCALayerStandIn
from sqlalchemy import select

from registry import create_app
from registry.models import User
from registry.services import pki
from registry.services.setup import DEMO_PASSWORD
from registry.web.database import EXTENSION_KEY
from signing.ca import OfficerIdentity

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FAKE_NOW = dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.UTC)
FAKETIME = ["faketime", "-f", f"@{FAKE_NOW:%Y-%m-%d %H:%M:%S}"]
NCA = Path(__file__).resolve().parents[1] / "data" / "nca"
OFFICER_NCA_KEY = "GOST512_1fc27b2d34352e12507d72b4eef6df1f50c8fb59.p12"  # right to sign
HEAD_NCA_KEY = "GOST512_0860d9665327c26760c213126760a3b73072218d.p12"  # first head
NCA_TEST_ANCHORS = ("root_test_gost_2022.cer", "nca_gost2022_test.cer")


@dataclass
class Registry:
    base: str
    standin: NCALayerStandIn
    own_keys: dict[str, tuple[rsa.RSAPrivateKey, x509.Certificate]]


def _prepare(env: dict[str, str]) -> dict[str, tuple[rsa.RSAPrivateKey, x509.Certificate]]:
    """Certify a key the MFA clerk holds: every public NCA test key is of one organisation
    (BIN 123456789021, which ``bootstrap --demo`` gives MINHEALTH, with the NCA test chain
    trusted), so no NCA key of MFA's BIN exists; the clerk's signature is made with a key
    the registry CA certified, as an MFA system's own CA would."""
    app = create_app({"DATABASE_URL": env["DATABASE_URL"], "ARNA_INSTANCE": env["ARNA_INSTANCE"]})
    keys = {}
    with app.app_context():
        session = app.extensions[EXTENSION_KEY].sessionmaker()
        ca = pki.load_registry_ca(session)
        user = session.scalar(select(User).where(User.username == "clerk.mfa"))
        assert user is not None
        assert user.agency_code is not None
        key = rsa.generate_private_key(65537, 2048)
        identity = OfficerIdentity(user.full_name, user.agency_code, first_head=False)
        keys["clerk.mfa"] = (
            key,
            ca.issue_officer_cert(
                identity, key.public_key(), not_before=FAKE_NOW - dt.timedelta(hours=1)
            ),
        )
        session.close()
    return keys


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    if shutil.which("faketime") is None:
        pytest.fail("faketime is missing: run scripts/system-deps.sh")
    standin = NCALayerStandIn(OFFICER_NCA_KEY).start()
    instance = tmp_path_factory.mktemp("ncalayer-instance")
    with fresh_database(tmp_path_factory.mktemp("ncalayer-db")) as url:
        env = service_env(url, instance) | {
            "ARNA_SERVER_SIGNING": "0",  # no Arna-held key is offered or used
            "ARNA_ACCEPT_TEST_PKI": "1",
            "ARNA_NCALAYER_URL": standin.url,
            "ARNA_WORKERS": "1",
            # The NCA test certificates name OCSP responders unreachable from here.
            "ARNA_OCSP_AT_RECEIPT": "0",
        }
        # The registry CA and the demo data are made at the fake time too.
        subprocess.run(
            [*FAKETIME, str(BIN / "flask"), "--app", "wsgi", "bootstrap", "--demo"],
            cwd=ROOT, env=env, check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        keys = _prepare(env)
        port = free_port()
        env["ARNA_PUBLIC_URL"] = f"http://127.0.0.1:{port}"  # where the copies' QR codes point
        log = (instance / "gunicorn.log").open("a")
        process = subprocess.Popen(
            [*FAKETIME, str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            _wait_healthy(port, process, instance / "gunicorn.log")
            yield Registry(f"http://127.0.0.1:{port}", standin, keys)
        finally:
            # faketime may leave gunicorn behind it: end the whole session it started.
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
            log.close()
            standin.stop()


def _wait_healthy(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import time

    import requests

    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "gunicorn did not become healthy"
        time.sleep(0.2)


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "lang", "value": "en", "url": base}])
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form:has(input[name=password]) button[type=submit]")
    page.wait_for_load_state()


def _sign_in_ncalayer(page: Any, registry: Registry, form: str, key: KeyChoice) -> None:
    registry.standin.use(key)
    with page.expect_navigation():  # fetch, NCALayer's answer, then the form is posted
        page.click(f"#{form} [data-ncalayer-sign]")
    page.wait_for_load_state()


def _state(page: Any) -> str:
    return page.locator("dl.facts dt:text-is('State') + dd").inner_text()


@pytest.fixture
def page(registry: Registry) -> Iterator[Any]:
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.fail(f"{chromium} is missing: run scripts/system-deps.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        context = browser.new_context(locale="en-US")
        yield context.new_page()
        context.close()
        browser.close()


def test_sign_cosign_and_countersign_with_ncalayer_in_chromium(
    page: Any, registry: Registry, tmp_path: Path
) -> None:
    base = registry.base
    _login(page, base, "officer.minhealth")
    page.goto(f"{base}/compose")
    # The server's clock is the fake one: the form proposes its "today".
    assert page.input_value("input[name=date]") == FAKE_NOW.date().isoformat()
    page.select_option("select[name=kind]", "foreign-letter")
    page.select_option("select[name=recipient]", "DIPLOMATIC_MISSION")
    page.fill("input[name=subject]", "NCALayer арқылы қол қойылған хат")
    page.fill("textarea[name=body]", "Құрметті әріптестер!")
    page.fill("input[name=language]", "kk")
    page.click("button[name=step][value=preview]")
    assert page.locator("input[name=passphrase]").count() == 0
    page.click("button[name=step][value=draft]")
    page.wait_for_url("**/letters/*")
    number = page.url.split("#")[0].rsplit("/", 1)[1]

    # NCALayer not running, then cancelled: clear messages, nothing signed.
    status = page.locator("#ncalayer-sign .ncalayer-status")
    port = registry.standin.port
    registry.standin.stop()
    try:
        page.click("#ncalayer-sign [data-ncalayer-sign]")
        status.filter(has_text="NCALayer is not running").wait_for()
    finally:
        registry.standin.start(port)
    registry.standin.use(OFFICER_NCA_KEY, cancel=True)
    page.click("#ncalayer-sign [data-ncalayer-sign]")
    status.filter(has_text="You cancelled the signature").wait_for()
    assert _state(page) == "draft"

    # The officer signs with the NCA key of a legal entity's signatory.
    _sign_in_ncalayer(page, registry, "ncalayer-sign", OFFICER_NCA_KEY)
    assert _state(page) == "signed", page.locator("p.flash").all_inner_texts()

    # The first head co-signs with the NCA first-head key of the same BIN.
    _login(page, base, "head.minhealth")
    page.goto(f"{base}/letters/{number}")
    _sign_in_ncalayer(page, registry, "ncalayer-sign", HEAD_NCA_KEY)
    table = page.locator("h2:text-is('Signature verification') + p + table").inner_text()
    assert table.count("IIN 123456789011") == 2
    assert table.count("BIN 123456789021") == 2
    assert "signatory (right to sign)" in table
    assert "first head" in table
    assert table.count("NCA test PKI") == 2

    # The officer's NCA signature counts for MINHEALTH by its BIN (¶43): submitted.
    _login(page, base, "officer.minhealth")
    page.goto(f"{base}/letters/{number}")
    page.click("form[action$='/submit'] button[type=submit]")
    page.wait_for_load_state()
    assert _state(page) == "submitted", page.locator("p.flash").all_inner_texts()
    # MFA receives and countersigns the dispatch record in NCALayer.
    _login(page, base, "clerk.mfa")
    page.goto(f"{base}/letters/{number}")
    page.click("form[action$='/receive'] button[type=submit]")
    page.wait_for_load_state()
    page.fill("#ncalayer-dispatch-note_number", "14-2/2025")
    page.fill("#ncalayer-dispatch-note_date", FAKE_NOW.date().isoformat())
    _sign_in_ncalayer(page, registry, "ncalayer-dispatch", registry.own_keys["clerk.mfa"])
    assert _state(page) == "dispatched", page.locator("p.flash").all_inner_texts()
    record = page.locator("h2:text-is('Dispatch record') + p").inner_text()
    assert "verified" in record
    assert "does not verify" not in record

    # The certified paper copy names the signers the same way.
    _login(page, base, "officer.minhealth")
    page.goto(f"{base}/letters/{number}/copies")
    token = page.input_value("input[name=csrf_token]")
    issued = page.context.request.post(
        f"{base}/letters/{number}/copies", form={"csrf_token": token}
    )
    assert issued.status in (200, 201), issued.text()
    assert issued.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "copy.pdf"
    pdf.write_bytes(issued.body())
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    assert "ЖСН/ИИН 123456789011" in text
    assert "ҰКО ТЕСТ / НУЦ ТЕСТ" in text
    assert "бірінші басшы / первый руководитель" in " ".join(text.split())

    # What NCALayer was asked: the protocol's signXml, a SIGNATURE key.
    asked = registry.standin.requests
    assert {r["method"] for r in asked} == {"signXml"}
    assert all(r["args"][1] == "SIGNATURE" for r in asked)
