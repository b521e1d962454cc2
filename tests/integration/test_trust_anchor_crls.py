"""An outside CA's revocations take effect on uploads once its CRL is imported.

An agency signing with its own tools (README, "How an agency signs a letter with
its own tools") chains to a root the administrator imported; when that CA revokes
a certificate, its next CRL must stop the certificate from signing uploads.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services import letters, pki, trust_anchors
from registry.services.errors import Conflict, Invalid, NotFound
from registry.services.identity import set_anchor_scope
from registry.services.unit_of_work import act
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.letter import build_letter
from signing.sign import sign_letter
from signing.verify import verify_letter

from .factories import envelope
from .web_fixtures import browser  # noqa: F401
from .workflow_steps import OFFICER, Who


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


@pytest.fixture
def own_ca() -> CertificateAuthority:
    return CertificateAuthority.create("MINHEALTH own CA")


def _pem(ca: CertificateAuthority) -> bytes:
    return ca.certificate.public_bytes(serialization.Encoding.PEM)


def _upload(
    s: Session,
    officer: Principal,
    ca: CertificateAuthority,
    key: ec.EllipticCurvePrivateKey,
    cert: x509.Certificate,
) -> str:
    number = act(letters.reserve_number, s, officer)
    xml = build_letter(
        envelope(officer, kind="foreign-letter", recipient="INTL_ORG"),
        registry_number=number,
        subject="Signed with the agency's own tools",
        body="Text.",
    )
    act(letters.upload_letter, s, officer, sign_letter(xml, key, cert, (ca.certificate,)))
    return number


def test_a_revocation_refuses_uploads_once_the_crl_is_imported(
    s: Session, principal: Who, own_ca: CertificateAuthority
) -> None:
    admin, officer = principal("admin"), principal(OFFICER)
    anchor = trust_anchors.import_anchor(s, admin, "MINHEALTH own CA", _pem(own_ca))
    set_anchor_scope(s, admin, anchor.id, pki="other", agencies=["AGENCY:MINHEALTH"])
    key = ec.generate_private_key(ec.SECP256R1())
    identity = OfficerIdentity(name="Aigerim Sadykova", agency="AGENCY:MINHEALTH")
    cert = own_ca.issue_officer_cert(identity, key.public_key())
    _upload(s, officer, own_ca, key, cert)  # trusted, not revoked: accepted

    own_ca.revoke(cert.serial_number, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
    _upload(s, officer, own_ca, key, cert)  # Arna has not heard of it yet
    der = own_ca.crl().public_bytes(serialization.Encoding.DER)
    trust_anchors.import_crl(s, admin, anchor.id, der)
    with pytest.raises(Invalid) as refused:
        _upload(s, officer, own_ca, key, cert)
    assert any("revoked on" in reason for reason in refused.value.details), refused.value.details


def test_a_crl_must_be_the_anchors_own_and_not_older(
    s: Session, principal: Who, own_ca: CertificateAuthority
) -> None:
    admin = principal("admin")
    anchor = trust_anchors.import_anchor(s, admin, "MINHEALTH own CA", _pem(own_ca))
    now = dt.datetime.now(dt.UTC)
    older = own_ca.crl(this_update=now - dt.timedelta(days=2)).public_bytes(
        serialization.Encoding.PEM
    )
    newer = own_ca.crl(this_update=now - dt.timedelta(days=1)).public_bytes(
        serialization.Encoding.PEM
    )
    stranger = CertificateAuthority.create("Someone else's CA").crl()
    with pytest.raises(Invalid, match="not signed by"):
        trust_anchors.import_crl(
            s, admin, anchor.id, stranger.public_bytes(serialization.Encoding.PEM)
        )
    with pytest.raises(Invalid, match="not a CRL"):
        trust_anchors.import_crl(s, admin, anchor.id, b"-----BEGIN X509 CRL-----\nno\n")
    trust_anchors.import_crl(s, admin, anchor.id, newer)
    with pytest.raises(Conflict, match="older than the one held"):
        trust_anchors.import_crl(s, admin, anchor.id, older)  # would un-revoke quietly
    trust_anchors.remove_anchor(s, admin, anchor.id)
    with pytest.raises(NotFound):
        trust_anchors.import_crl(s, admin, anchor.id, newer)


def test_an_nca_gost_anchor_takes_its_gost_signed_crl(s: Session, principal: Who) -> None:
    """NCA RK's GOST CAs: cryptography cannot use their keys, the CRL check still works."""
    admin = principal("admin")
    nca = Path(__file__).resolve().parents[1] / "data" / "nca"
    anchor = trust_anchors.import_anchor(
        s, admin, "NCA RK GOST TEST 2022", (nca / "ca" / "nca_gost2022_test.cer").read_bytes()
    )
    crl = (nca / "crl" / "nca_gost2022_test.crl").read_bytes()
    assert trust_anchors.import_crl(s, admin, anchor.id, crl).crl_this_update is not None
    root = trust_anchors.import_anchor(
        s, admin, "NCA RK GOST root", (nca / "ca" / "root_test_gost_2022.cer").read_bytes()
    )
    with pytest.raises(Invalid, match="not signed by"):
        trust_anchors.import_crl(s, admin, root.id, crl)


def test_the_registry_refuses_the_nca_test_pki_unless_configured(
    s: Session, principal: Who, app: Flask
) -> None:
    admin = principal("admin")
    nca = Path(__file__).resolve().parents[1] / "data" / "nca"
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        trust_anchors.import_anchor(s, admin, name, (nca / "ca" / name).read_bytes())
    sample = (nca / "ncanode_xades_gost2015_b.xml").read_bytes()
    report = verify_letter(sample, pki.trust_store(s)).report
    assert (report["indication"], report["sub_indication"]) == (
        "INDETERMINATE",
        "CHAIN_CONSTRAINTS_FAILURE",
    )
    assert report["signatures"][0]["signer"]["pki"] == "nca-test"
    app.config["ARNA_ACCEPT_TEST_PKI"] = 1
    try:
        assert verify_letter(sample, pki.trust_store(s)).passed
    finally:
        app.config["ARNA_ACCEPT_TEST_PKI"] = 0


def test_the_admin_page_imports_a_crl(browser, own_ca: CertificateAuthority) -> None:  # noqa: F811
    admin = browser("admin")
    imported = admin.post(
        "/admin/trust-anchors",
        data={"name": "MINHEALTH own CA", "certificate": (io.BytesIO(_pem(own_ca)), "root.pem")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    page = admin.get("/admin/trust-anchors").get_data(as_text=True)
    anchor_id = int(page.split("/admin/trust-anchors/")[1].split("/")[0])
    crl = own_ca.crl().public_bytes(serialization.Encoding.DER)
    done = admin.post(
        f"/admin/trust-anchors/{anchor_id}/crl",
        data={"crl": (io.BytesIO(crl), "own.crl")},
        content_type="multipart/form-data",
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    # Its issue time, in Kazakhstan's time (UTC+05:00) as every page shows times.
    issued = x509.load_der_x509_crl(crl).last_update_utc + dt.timedelta(hours=5)
    assert f"{issued:%Y-%m-%d %H:%M}" in admin.get("/admin/trust-anchors").get_data(as_text=True)
    junk = admin.post(
        f"/admin/trust-anchors/{anchor_id}/crl",
        data={"crl": (io.BytesIO(b"junk"), "x.crl")},
        content_type="multipart/form-data",
    )
    assert junk.status_code == 422
