"""``flask --app wsgi crl refresh [--from-dir DIR]`` on a database of its own.

Real CAs made here, imported as anchors; their full and delta CRLs read from files
(offline) and fetched from a real HTTP server on 127.0.0.1 at the distribution point
an anchor's certificate names (and at ``ARNA_CRL_URLS``).
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry import create_app
from registry.db import EXTENSION_KEY
from registry.models import TrustAnchor, User
from registry.permissions import Principal
from registry.services import trust_anchors
from registry.services.schema import upgrade_to_head
from registry.services.setup import ensure_registry
from signing.ca import CertificateAuthority

from .conftest import KEK

NOW = dt.datetime.now(dt.UTC)
DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM


@pytest.fixture
def fresh_app(databases: Any, app_config: dict[str, Any]) -> Flask:
    """An app on a fresh, committed database with the registry set up (its admin)."""
    app = create_app(app_config | {"DATABASE_URL": databases.new("crl_refresh")})
    upgrade_to_head(app.extensions[EXTENSION_KEY].engine)
    with app.app_context(), _session(app) as session:
        ensure_registry(session, kek=KEK, admin_password="an admin password 1")
        session.commit()
    return app


def _session(app: Flask) -> Session:
    return Session(app.extensions[EXTENSION_KEY].engine)


def _import(app: Flask, name: str, cert: x509.Certificate) -> int:
    with app.app_context(), _session(app) as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        assert admin is not None
        anchor = trust_anchors.import_anchor(
            session, Principal.of(admin), name, cert.public_bytes(PEM)
        )
        session.commit()
        return anchor.id


def _anchor(app: Flask, anchor_id: int) -> TrustAnchor:
    with _session(app) as session:
        anchor = session.get(TrustAnchor, anchor_id)
        assert anchor is not None
        session.expunge(anchor)
        return anchor


def _crl(
    ca: CertificateAuthority,
    *,
    this_update: dt.datetime,
    revoked: tuple[int, ...] = (),
    delta_of: int | None = None,
    next_update: dt.timedelta = dt.timedelta(days=1),
) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.certificate.subject)
        .last_update(this_update)
        .next_update(this_update + next_update)
    )
    for serial in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(this_update)
            .build()
        )
    if delta_of is not None:
        builder = builder.add_extension(x509.DeltaCRLIndicator(delta_of), critical=True)
    return builder.sign(ca.key, hashes.SHA256())


def test_refresh_from_files_keeps_the_current_full_and_delta_crls(
    fresh_app: Flask, tmp_path: Path
) -> None:
    ca = CertificateAuthority.create("Agency CA")
    anchor_id = _import(fresh_app, "Agency CA", ca.certificate)
    files = tmp_path / "crls"
    files.mkdir()
    full = _crl(ca, this_update=NOW - dt.timedelta(hours=2), revoked=(7,))
    (files / "1-full.crl").write_bytes(full.public_bytes(DER))
    delta = _crl(ca, this_update=NOW - dt.timedelta(hours=1), revoked=(8,), delta_of=1)
    (files / "2-delta.pem").write_bytes(delta.public_bytes(PEM))
    expired = _crl(ca, this_update=NOW - dt.timedelta(days=9))
    (files / "3-expired.crl").write_bytes(expired.public_bytes(DER))
    stranger = _crl(CertificateAuthority.create("Stranger"), this_update=NOW)
    (files / "4-stranger.crl").write_bytes(stranger.public_bytes(DER))
    (files / "5-junk.crl").write_bytes(b"not a CRL")

    result = fresh_app.test_cli_runner().invoke(args=["crl", "refresh", "--from-dir", str(files)])
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output  # some were refused
    assert [line.split("\t")[0] for line in lines] == [
        "stored",
        "stored",
        "refused",
        "refused",
        "refused",
    ]
    assert "expired on" in lines[2]
    assert "signed by no trusted anchor" in lines[3]
    assert "not a CRL" in lines[4]
    anchor = _anchor(fresh_app, anchor_id)
    assert anchor.crl_this_update == full.last_update_utc
    assert anchor.delta_crl_this_update == delta.last_update_utc

    # Again: nothing new; and an older full CRL is refused (it could un-revoke someone).
    older = files.parent / "older"
    older.mkdir()
    (older / "full.crl").write_bytes(full.public_bytes(DER))
    (older / "older.crl").write_bytes(
        _crl(ca, this_update=NOW - dt.timedelta(hours=3)).public_bytes(DER)
    )
    again = fresh_app.test_cli_runner().invoke(args=["crl", "refresh", "--from-dir", str(older)])
    statuses = [line.split("\t")[0] for line in again.output.splitlines()]
    assert statuses == ["unchanged", "refused"], again.output
    assert "older than the one held" in again.output


@pytest.fixture
def crl_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving a folder; its base URL and the folder."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def _intermediate(root: CertificateAuthority, crl_url: str) -> CertificateAuthority:
    """A CA under ``root`` whose certificate names ``root``'s CRL at ``crl_url``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "Intermediate CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(crl_url)], None, None, None
                    )
                ]
            ),
            critical=False,
        )
        .sign(root.key, hashes.SHA256())
    )
    return CertificateAuthority(key=key, certificate=cert)


def test_refresh_fetches_what_the_anchors_name_and_reports_what_is_unreachable(
    fresh_app: Flask, crl_server: tuple[str, Path]
) -> None:
    base, folder = crl_server
    root = CertificateAuthority.create("Root CA")
    intermediate = _intermediate(root, f"{base}/root.crl")
    root_id = _import(fresh_app, "Root CA", root.certificate)
    intermediate_id = _import(fresh_app, "Intermediate CA", intermediate.certificate)
    root_crl = _crl(root, this_update=NOW - dt.timedelta(minutes=30))
    (folder / "root.crl").write_bytes(root_crl.public_bytes(DER))
    own_crl = _crl(intermediate, this_update=NOW - dt.timedelta(minutes=20), revoked=(42,))
    (folder / "intermediate.crl").write_bytes(own_crl.public_bytes(PEM))

    fresh_app.config["ARNA_CRL_URLS"] = f"{base}/intermediate.crl"
    result = fresh_app.test_cli_runner().invoke(args=["crl", "refresh"])
    assert result.exit_code == 0, result.output
    assert result.output.count("stored\t") == 2, result.output
    assert _anchor(fresh_app, root_id).crl_this_update == root_crl.last_update_utc
    assert _anchor(fresh_app, intermediate_id).crl_this_update == own_crl.last_update_utc

    # A CA naming a broken URL (NCA RK's 2015 GOST root has a line break inside one).
    broken = _intermediate(root, f"{base}/x.crl\n   URL=http://127.0.0.1:9/y.crl")
    _import(fresh_app, "Broken CA", broken.certificate)
    # Offline (the server gone from one URL): reported, the rest still refreshed, exit 1.
    (folder / "root.crl").unlink()
    fresh_app.config["ARNA_CRL_URLS"] = f"{base}/intermediate.crl http://127.0.0.1:9/none.crl"
    offline = fresh_app.test_cli_runner().invoke(args=["crl", "refresh"])
    assert offline.exit_code == 1
    assert f"unreachable\t{base}/root.crl" in offline.output
    assert "unreachable\thttp://127.0.0.1:9/none.crl" in offline.output
    assert "unchanged\t" in offline.output
    assert f"unreachable\t{base}/x.crl URL=http://127.0.0.1:9/y.crl" in offline.output
