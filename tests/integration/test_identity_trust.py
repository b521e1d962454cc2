"""Who a signature counts as: BINs, IINs, acting first heads and scoped trust anchors.

Uploads signed with real keys under CAs made here and imported as anchors: one marked
as an NCA RK CA (its certificates name people by BIN and IIN, the NCA profile), one
"other" CA (an agency's own tools), whose scope decides whom it may vouch for
(issue 11, M4).  The public NCA samples (tests/data/nca) check the same reading on
real NCA certificates at a time inside their validity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.models import Agency, CustodyEntry, TrustAnchor, User
from registry.permissions import Principal
from registry.services import identity, letters, pki, trust_anchors
from registry.services.errors import Forbidden, Invalid, NotFound
from registry.services.setup import ensure_nca_anchors
from registry.services.unit_of_work import act
from signing.ca import CertificateAuthority, OfficerIdentity
from signing.letter import build_letter
from signing.profile import AUTHENTICATION_POLICY
from signing.sign import sign_letter
from signing.trust import fingerprint as trust_fingerprint
from signing.verify import verify_letter

from .factories import envelope
from .web_fixtures import api_token, browser  # noqa: F401
from .workflow_steps import OFFICER, Who

NCA = Path(__file__).resolve().parents[1] / "data" / "nca"
HEALTH_BIN = "070840007503"
OFFICER_IIN = "940229400158"
HEAD_IIN = "123456789011"
ORG = 'ГУ "МИНИСТЕРСТВО ЗДРАВООХРАНЕНИЯ"'


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


@pytest.fixture
def nca_ca() -> CertificateAuthority:
    return CertificateAuthority.create("NCA-like CA")


Upload = Callable[..., str]


@pytest.fixture
def upload(s: Session) -> Upload:
    """Sign a fresh letter of ``who``'s agency with ``key``/``cert`` (and ``also``
    co-signers) and upload it as ``who``; the registry number."""

    def do(
        who: Principal,
        ca: CertificateAuthority,
        signers: list[tuple[ec.EllipticCurvePrivateKey, x509.Certificate]],
        **fields: object,
    ) -> str:
        number = act(letters.reserve_number, s, who)
        xml = build_letter(
            envelope(who, **({"kind": "foreign-letter", "recipient": "INTL_ORG"} | fields)),
            registry_number=number,
            subject="Signed with an NCA key",
            body="Text.",
        )
        for key, cert in signers:
            xml = sign_letter(xml, key, cert, (ca.certificate,))
        act(letters.upload_letter, s, who, xml)
        return number

    return do


def _key_and_cert(
    ca: CertificateAuthority, *, iin: str | None, bin: str | None, first_head: bool = False
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    who = OfficerIdentity(name="ТЕСТОВ ТЕСТ", agency=ORG, iin=iin, bin=bin, first_head=first_head)
    return key, ca.issue_officer_cert(who, key.public_key())


def _pem(ca: CertificateAuthority) -> bytes:
    return ca.certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def nca_registry(s: Session, principal: Who, nca_ca: CertificateAuthority) -> Principal:
    """The NCA-like CA trusted as NCA RK production; MINHEALTH's BIN and the officer's and
    first head's IINs recorded; the officer's Principal."""
    admin = principal("admin")
    trust_anchors.import_anchor(s, admin, "NCA-like", _pem(nca_ca), pki="nca-production")
    identity.set_agency_bin(s, admin, "AGENCY:MINHEALTH", HEALTH_BIN)
    identity.set_user_iin(s, admin, principal(OFFICER).id, OFFICER_IIN)
    identity.set_user_iin(s, admin, principal("head.minhealth").id, HEAD_IIN)
    return principal(OFFICER)


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(Invalid) as refused:
        call()
    return " | ".join(refused.value.details or [refused.value.message])


# --- BIN and IIN on the accounts ------------------------------------------------------------


def test_bin_and_iin_are_twelve_digits_set_by_the_admin_and_logged(
    s: Session, principal: Who
) -> None:
    admin, officer = principal("admin"), principal(OFFICER)
    with pytest.raises(Invalid, match="12 digits"):
        identity.set_agency_bin(s, admin, "AGENCY:MINHEALTH", "07084000750")
    with pytest.raises(Invalid, match="12 digits"):
        identity.set_user_iin(s, admin, officer.id, "94022940015X")
    with pytest.raises(Forbidden):
        identity.set_agency_bin(s, officer, "AGENCY:MINHEALTH", HEALTH_BIN)
    with pytest.raises(Forbidden):
        identity.set_user_iin(s, officer, officer.id, OFFICER_IIN)
    with pytest.raises(NotFound):
        identity.set_agency_bin(s, admin, "AGENCY:NOWHERE", HEALTH_BIN)
    assert identity.set_agency_bin(s, admin, "AGENCY:MINHEALTH", f" {HEALTH_BIN} ").bin == (
        HEALTH_BIN
    )
    assert identity.set_user_iin(s, admin, officer.id, OFFICER_IIN).iin == OFFICER_IIN
    with pytest.raises(Exception, match="already AGENCY:MINHEALTH's"):
        identity.set_agency_bin(s, admin, "AGENCY:MINECON", HEALTH_BIN)
    actions = [decode_leaf(e.leaf).action for e in s.scalars(select(CustodyEntry))]
    assert actions[-2:] == ["identity:bin-recorded", "identity:iin-recorded"]


# --- the NCA profile: officers by BIN, people by IIN ----------------------------------------


def test_a_signature_of_the_senders_bin_by_the_uploader_is_accepted(
    s: Session, nca_registry: Principal, nca_ca: CertificateAuthority, upload: Upload
) -> None:
    number = upload(nca_registry, nca_ca, [_key_and_cert(nca_ca, iin=OFFICER_IIN, bin=HEALTH_BIN)])
    [signer] = letters.get_letter(s, nca_registry, number).signed_by
    assert signer["agency"] == "AGENCY:MINHEALTH"
    assert (signer["iin"], signer["bin"], signer["pki"]) == (
        OFFICER_IIN,
        HEALTH_BIN,
        "nca-production",
    )


def test_a_foreign_bin_is_refused(
    nca_registry: Principal, nca_ca: CertificateAuthority, upload: Upload
) -> None:
    signer = _key_and_cert(nca_ca, iin=OFFICER_IIN, bin="123456789021")
    reason = _refusal(lambda: upload(nca_registry, nca_ca, [signer]))
    assert "BIN 123456789021" in reason
    assert "the BIN of no agency in this registry" in reason


def test_another_agencys_bin_is_refused(
    s: Session,
    principal: Who,
    nca_registry: Principal,
    nca_ca: CertificateAuthority,
    upload: Upload,
) -> None:
    identity.set_agency_bin(s, principal("admin"), "AGENCY:MINECON", "123456789021")
    signer = _key_and_cert(nca_ca, iin=OFFICER_IIN, bin="123456789021")
    reason = _refusal(lambda: upload(nca_registry, nca_ca, [signer]))
    assert "not of the sender AGENCY:MINHEALTH" in reason


def test_an_individuals_certificate_is_no_officers(
    nca_registry: Principal, nca_ca: CertificateAuthority, upload: Upload
) -> None:
    signer = _key_and_cert(nca_ca, iin=OFFICER_IIN, bin=None)
    assert "an individual's" in _refusal(lambda: upload(nca_registry, nca_ca, [signer]))


def test_a_signature_contradicting_the_uploading_account_is_refused(
    s: Session,
    principal: Who,
    nca_registry: Principal,
    nca_ca: CertificateAuthority,
    upload: Upload,
) -> None:
    somebody_else = _key_and_cert(nca_ca, iin="850101300123", bin=HEALTH_BIN)
    reason = _refusal(lambda: upload(nca_registry, nca_ca, [somebody_else]))
    assert "none of the signatures is yours" in reason
    assert f"your account is IIN {OFFICER_IIN}" in reason
    identity.set_user_iin(s, principal("admin"), nca_registry.id, "")
    officer = principal(OFFICER)  # as a request after it would see the account
    reason = _refusal(lambda: upload(officer, nca_ca, [somebody_else]))
    assert "your account has no IIN recorded" in reason


def test_an_nca_first_head_and_an_acting_first_head(
    s: Session,
    principal: Who,
    nca_registry: Principal,
    nca_ca: CertificateAuthority,
    upload: Upload,
) -> None:
    """¶14-7: a certificate's first-head role counts; an employee counts as first head only
    on the days the admin recorded them as acting for the first head."""
    info = {"kind": "special-procedure-info", "recipient": "MFA", "signed_by_first_head": True}
    officer = _key_and_cert(nca_ca, iin=OFFICER_IIN, bin=HEALTH_BIN)
    head = _key_and_cert(nca_ca, iin=HEAD_IIN, bin=HEALTH_BIN, first_head=True)
    number = upload(nca_registry, nca_ca, [officer, head], **info)
    signers = letters.get_letter(s, nca_registry, number).signed_by
    assert [x["first_head"] for x in signers] == [False, True]

    deputy = _key_and_cert(nca_ca, iin="850101300123", bin=HEALTH_BIN)
    reason = _refusal(lambda: upload(nca_registry, nca_ca, [officer, deputy], **info))
    assert "¶14-7: the letter must be signed by the first head" in reason
    admin = principal("admin")
    today = dt.date.today()
    for wrong in ("AGENCY:MINECON", "AGENCY:MINHEALTH"):
        days = (today - dt.timedelta(days=30), today - dt.timedelta(days=1))
        if wrong == "AGENCY:MINECON":
            days = (today - dt.timedelta(days=1), today + dt.timedelta(days=1))
        identity.record_acting_first_head(
            s,
            admin,
            agency_code=wrong,
            iin="850101300123",
            full_name="Deputy",
            starts_on=days[0],
            ends_on=days[1],
        )
        assert "¶14-7" in _refusal(lambda: upload(nca_registry, nca_ca, [officer, deputy], **info))
    identity.record_acting_first_head(
        s,
        admin,
        agency_code="AGENCY:MINHEALTH",
        iin="850101300123",
        full_name="Deputy",
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=6),
    )
    number = upload(nca_registry, nca_ca, [officer, deputy], **info)
    assert letters.get_letter(s, nca_registry, number).signed_by[1]["first_head"] is True
    actions = [decode_leaf(e.leaf).action for e in s.scalars(select(CustodyEntry))]
    assert actions.count("identity:acting-first-head-recorded") == 3


def test_recording_an_acting_first_head_is_checked(s: Session, principal: Who) -> None:
    admin, today = principal("admin"), dt.date.today()
    with pytest.raises(Invalid) as refused:
        identity.record_acting_first_head(
            s,
            admin,
            agency_code="AGENCY:MINHEALTH",
            iin="1",
            full_name=" ",
            starts_on=today,
            ends_on=today - dt.timedelta(days=1),
        )
    assert len(refused.value.details or []) == 3
    with pytest.raises(Forbidden):
        identity.record_acting_first_head(
            s,
            principal(OFFICER),
            agency_code="AGENCY:MINHEALTH",
            iin=OFFICER_IIN,
            full_name="Me",
            starts_on=today,
            ends_on=today,
        )


def _nca_style(
    ca: CertificateAuthority, policies: list[x509.ObjectIdentifier]
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ ТЕСТ"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{OFFICER_IIN}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORG),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{HEALTH_BIN}"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    usages = [ExtendedKeyUsageOID.CLIENT_AUTH, x509.ObjectIdentifier("1.2.398.3.3.4.1.2.5")]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
        .add_extension(
            x509.CertificatePolicies([x509.PolicyInformation(p, None) for p in policies]),
            critical=False,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return key, cert


def test_an_authentication_certificate_is_refused(
    nca_registry: Principal, nca_ca: CertificateAuthority, upload: Upload
) -> None:
    signer = _nca_style(nca_ca, [AUTHENTICATION_POLICY])
    reason = _refusal(lambda: upload(nca_registry, nca_ca, [signer]))
    assert "authentication certificate" in reason


def test_a_test_pki_key_is_refused_by_a_production_registry(
    s: Session, principal: Who, app: Flask, upload: Upload
) -> None:
    admin = principal("admin")
    test_ca = CertificateAuthority.create("NCA-like TEST CA")
    trust_anchors.import_anchor(s, admin, "NCA TEST", _pem(test_ca), pki="nca-test")
    identity.set_agency_bin(s, admin, "AGENCY:MINHEALTH", HEALTH_BIN)
    identity.set_user_iin(s, admin, principal(OFFICER).id, OFFICER_IIN)
    officer = principal(OFFICER)  # as a request after it would see the account
    signer = _key_and_cert(test_ca, iin=OFFICER_IIN, bin=HEALTH_BIN)
    reason = _refusal(lambda: upload(officer, test_ca, [signer]))
    assert "NCA RK test PKI, which this production trust store does not accept" in reason
    app.config["ARNA_ACCEPT_TEST_PKI"] = 1  # a test registry (the demo) accepts it
    try:
        upload(officer, test_ca, [signer])
    finally:
        app.config["ARNA_ACCEPT_TEST_PKI"] = 0


# --- scoped anchors (issue 11, M4) ----------------------------------------------------------


def test_an_imported_ca_vouches_only_within_its_scope(
    s: Session, principal: Who, upload: Upload
) -> None:
    """M4: any imported CA could issue "first head of AGENCY:MINHEALTH" and be believed."""
    admin, officer = principal("admin"), principal(OFFICER)
    own_ca = CertificateAuthority.create("Somebody's CA")
    anchor = trust_anchors.import_anchor(s, admin, "Somebody's CA", _pem(own_ca))
    assert (anchor.pki, anchor.scope, anchor.vouches_first_head) == ("other", [], False)
    key = ec.generate_private_key(ec.SECP256R1())
    claim = OfficerIdentity(name="Mallory", agency="AGENCY:MINHEALTH", first_head=True)
    head = (key, own_ca.issue_officer_cert(claim, key.public_key()))
    reason = _refusal(lambda: upload(officer, own_ca, [head]))
    assert "may not vouch for officers of AGENCY:MINHEALTH" in reason

    identity.set_anchor_scope(s, admin, anchor.id, pki="other", agencies=["AGENCY:MINECON"])
    assert "may not vouch for officers of AGENCY:MINHEALTH" in _refusal(
        lambda: upload(officer, own_ca, [head])
    )
    identity.set_anchor_scope(s, admin, anchor.id, pki="other", agencies=["AGENCY:MINHEALTH"])
    assert "may not vouch for first heads" in _refusal(lambda: upload(officer, own_ca, [head]))
    identity.set_anchor_scope(
        s, admin, anchor.id, pki="other", agencies=["AGENCY:MINHEALTH"], first_heads=True
    )
    number = upload(officer, own_ca, [head])
    assert letters.get_letter(s, officer, number).signed_by[0]["first_head"] is True
    actions = [decode_leaf(e.leaf).action for e in s.scalars(select(CustodyEntry))]
    assert actions.count("trust:anchor-scoped") == 3


def test_an_anchors_scope_is_checked(s: Session, principal: Who) -> None:
    admin = principal("admin")
    anchor = trust_anchors.import_anchor(
        s, admin, "CA", _pem(CertificateAuthority.create("CA")), pki="other"
    )
    with pytest.raises(Invalid) as refused:
        identity.set_anchor_scope(s, admin, anchor.id, pki="registry", agencies=["AGENCY:NOWHERE"])
    assert refused.value.details == [
        "pki: one of nca-production, nca-test, other",
        "scope: no agency AGENCY:NOWHERE",
    ]
    with pytest.raises(Invalid, match="cannot be set"):
        identity.set_anchor_scope(
            s, admin, anchor.id, pki="nca-test", agencies=["AGENCY:MINHEALTH"]
        )
    with pytest.raises(Forbidden):
        identity.set_anchor_scope(s, principal(OFFICER), anchor.id, pki="other")


def test_nca_anchors_are_recognised_on_import(s: Session, principal: Who) -> None:
    admin = principal("admin")
    anchor = trust_anchors.import_anchor(
        s, admin, "NCA GOST TEST", (NCA / "ca" / "nca_gost2022_test.cer").read_bytes()
    )
    assert anchor.pki == "nca-test"
    row = s.get(TrustAnchor, anchor.id)
    assert row is not None
    assert row.scope == []


# --- the public NCA samples -----------------------------------------------------------------


def test_a_real_nca_signature_counts_for_the_agency_of_its_bin(
    s: Session, principal: Who, app: Flask
) -> None:
    """KalkanCrypt's GOST sample (a first head of АО "ТЕСТ", BIN 123456789021), checked inside
    its validity against the NCA test CAs imported as anchors: it counts for whichever agency
    carries that BIN, as its first head, and for nobody before the BIN is recorded."""
    admin = principal("admin")
    for name in ("root_test_gost_2022.cer", "nca_gost2022_test.cer"):
        trust_anchors.import_anchor(s, admin, name, (NCA / "ca" / name).read_bytes())
    sample = (NCA / "kalkan_gost2015_hello.xml").read_bytes()
    at = dt.datetime(2023, 6, 1, tzinfo=dt.UTC)
    app.config["ARNA_ACCEPT_TEST_PKI"] = 1
    try:
        result = verify_letter(sample, pki.trust_store(s), at)
    finally:
        app.config["ARNA_ACCEPT_TEST_PKI"] = 0
    assert result.passed
    [before] = identity.standings(s, result, at)
    assert before.agency is None
    assert "BIN 123456789021" in (before.problem or "")
    identity.set_agency_bin(s, admin, "AGENCY:MINECON", "123456789021")
    [after] = identity.standings(s, result, at)
    assert (after.agency, after.first_head, after.pki, after.problem) == (
        "AGENCY:MINECON",
        True,
        "nca-test",
        None,
    )
    assert after.to_signed_by()["iin"] == "123456789011"


# --- a TEST registry says so ----------------------------------------------------------------


def test_a_test_registry_says_so_on_every_page_and_accepts_test_keys(
    s: Session, client: FlaskClient, principal: Who, upload: Upload
) -> None:
    assert "test-registry" not in client.get("/login").get_data(as_text=True)
    admin = principal("admin")
    test_ca = CertificateAuthority.create("NCA-like TEST CA")
    trust_anchors.import_anchor(s, admin, "NCA TEST", _pem(test_ca), pki="nca-test")
    identity.set_agency_bin(s, admin, "AGENCY:MINHEALTH", HEALTH_BIN)
    identity.set_user_iin(s, admin, principal(OFFICER).id, OFFICER_IIN)
    officer = principal(OFFICER)  # as a request after it would see the account
    assert act(pki.mark_test_registry, s)
    assert not act(pki.mark_test_registry, s)
    page = client.get("/login").get_data(as_text=True)
    assert 'class="test-registry"' in page
    upload(officer, test_ca, [_key_and_cert(test_ca, iin=OFFICER_IIN, bin=HEALTH_BIN)])


# --- the registry CA in public --------------------------------------------------------------


def test_the_registry_ca_and_its_crl_are_public_and_named_in_its_certificates(
    s: Session, client: FlaskClient, principal: Who, app: Flask
) -> None:
    der = client.get("/pki/ca.cer")
    assert der.status_code == 200
    ca_cert = x509.load_der_x509_certificate(der.data)
    assert ca_cert == pki.ca_certificate(s)
    assert x509.load_pem_x509_certificate(client.get("/pki/ca.pem").data) == ca_cert
    crl = x509.load_der_x509_crl(client.get("/pki/ca.crl").data)
    assert crl.is_signature_valid(ca_cert.public_key())  # type: ignore[arg-type]
    assert trust_fingerprint(ca_cert) in client.get("/verify/").get_data(as_text=True)

    with app.app_context():
        user = pki.enroll_signing_key(s, principal(OFFICER).id, "a long passphrase here")
    assert user.certificate_pem is not None
    cert = x509.load_pem_x509_certificate(user.certificate_pem.encode())
    points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert [n.value for p in points for n in p.full_name or []] == ["https://arna.test/pki/ca.crl"]
    access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    assert [a.access_location.value for a in access] == ["https://arna.test/pki/ca.cer"]
    # The revocation is published at once at the URL the certificate names.
    pki.revoke_certificate(s, user.id)
    crl = x509.load_der_x509_crl(client.get("/pki/ca.crl").data)
    assert crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None


# --- the admin pages ------------------------------------------------------------------------


def test_the_admin_records_bins_iins_scopes_and_acting_first_heads_on_the_pages(
    s: Session,
    browser: Callable[[str], Any],  # noqa: F811
    principal: Who,
) -> None:
    admin = browser("admin")
    done = admin.post("/admin/agencies/AGENCY:MINHEALTH/bin", data={"bin": HEALTH_BIN})
    assert done.status_code == 302
    assert f'value="{HEALTH_BIN}"' in admin.get("/admin/agencies").get_data(as_text=True)
    admin.post("/admin/agencies/AGENCY:MINHEALTH/bin", data={"bin": "12345"})
    assert s.get(Agency, "AGENCY:MINHEALTH").bin == HEALTH_BIN  # type: ignore[union-attr]

    officer_id = principal(OFFICER).id
    assert (
        admin.post(f"/admin/users/{officer_id}/iin", data={"iin": OFFICER_IIN}).status_code == 302
    )
    assert f'value="{OFFICER_IIN}"' in admin.get("/admin/users").get_data(as_text=True)

    anchor = trust_anchors.import_anchor(
        s, principal("admin"), "Own CA", _pem(CertificateAuthority.create("Own CA"))
    )
    assert "nobody" in admin.get("/admin/trust-anchors").get_data(as_text=True)
    scoped = admin.post(
        f"/admin/trust-anchors/{anchor.id}/scope",
        data={"pki": "other", "agencies": ["AGENCY:MINHEALTH"], "first_heads": "y"},
    )
    assert scoped.status_code == 302
    s.refresh(anchor)
    assert (anchor.scope, anchor.vouches_first_head) == (["AGENCY:MINHEALTH"], True)

    today = dt.date.today()
    recorded = admin.post(
        "/admin/acting-first-heads",
        data={
            "agency_code": "AGENCY:MINHEALTH",
            "iin": "850101300123",
            "full_name": "Deputy Minister",
            "starts_on": today.isoformat(),
            "ends_on": (today + dt.timedelta(days=3)).isoformat(),
        },
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)
    assert "Deputy Minister" in admin.get("/admin/acting-first-heads").get_data(as_text=True)


def test_the_api_sets_an_anchors_scope(
    s: Session,
    client: FlaskClient,
    principal: Who,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    anchor = trust_anchors.import_anchor(
        s, principal("admin"), "Own CA", _pem(CertificateAuthority.create("Own CA"))
    )
    admin = api_token("admin")
    [listed] = [a for a in client.get("/api/v1/trust-anchors", headers=admin).json["items"]]
    assert (listed["pki"], listed["scope"], listed["first_heads"]) == ("other", [], False)
    url = f"/api/v1/trust-anchors/{anchor.id}/scope"
    body = {"pki": "other", "agencies": ["AGENCY:MINHEALTH"], "first_heads": True}
    done = client.put(url, json=body, headers=admin)
    assert done.status_code == 200, done.json
    assert (done.json["scope"], done.json["first_heads"]) == (["AGENCY:MINHEALTH"], True)
    refused = client.put(url, json={"pki": "other", "agencies": "all"}, headers=admin)
    assert refused.status_code == 422
    assert (
        client.put("/api/v1/trust-anchors/999999/scope", json=body, headers=admin).status_code
        == 404
    )


# --- the public NCA RK test keys ------------------------------------------------------------

KEYS = NCA / "keys"
IN_VALIDITY = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
SIGNING_KEY = "RSA256_8426360556902ce4ac33977836f873e1dc190976.p12"
AUTH_KEY = "AUTH_RSA256_6b361b864c679601b652fe387f61fcd9303c0327.p12"


def _nca_key(name: str) -> tuple[Any, x509.Certificate]:
    key, cert, _chain = pkcs12.load_key_and_certificates((KEYS / name).read_bytes(), b"Qwerty12")
    assert key is not None
    assert cert is not None
    return key, cert


def test_letters_signed_with_the_public_nca_keys_count_by_bin_and_role(
    s: Session, principal: Who
) -> None:
    """The registry's bootstrap trusts the NCA RK production CAs; the public NCANode keys
    (an individual's signing key and authentication key of the same person) sign a letter,
    checked inside their validity: the authentication key never signs, and the signing key
    counts for no agency — it names no BIN — even for the account of the same IIN."""
    assert ensure_nca_anchors(s, "nca-production")
    identity.set_user_iin(s, principal("admin"), principal(OFFICER).id, "123456789011")
    officer = principal(OFFICER)  # as a request after it would see the account
    number = act(letters.reserve_number, s, officer)
    xml = build_letter(
        envelope(officer, kind="foreign-letter", recipient="INTL_ORG"),
        registry_number=number,
        subject="Signed with an NCA RK key",
        body="Text.",
    )
    store = pki.trust_store(s)
    auth = verify_letter(sign_letter(xml, *_nca_key(AUTH_KEY)), store, IN_VALIDITY)
    [refused] = auth.report["signatures"]
    assert "is an authentication certificate" in refused["reasons"][0]
    assert refused["signer"]["certificate_type"] == "authentication"

    signed = verify_letter(sign_letter(xml, *_nca_key(SIGNING_KEY)), store, IN_VALIDITY)
    assert signed.passed
    assert signed.report["signatures"][0]["signer"]["pki"] == "nca-production"
    standings = identity.standings(s, signed, IN_VALIDITY)
    [standing] = standings
    assert standing.agency is None
    assert "an individual's, not an officer's" in (standing.problem or "")
    user = s.get(User, officer.id)
    assert user is not None
    problems = identity.upload_problems(standings, "AGENCY:MINHEALTH", user)
    assert problems == [f"signature 1: {standing.problem}"]  # the IIN is the uploader's
