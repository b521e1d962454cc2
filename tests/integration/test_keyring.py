"""The KEK: one way to wrap the registry's keys, and never conjured up outside the app."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from registry.db import create_db_engine
from registry.keyring import Keyring
from registry.services import pki
from registry.services.custody import ensure_log_key
from registry.services.custody.store import CustodyStateError
from registry.services.schema import upgrade_to_head
from signing.keys import KeyLoadError, generate_signing_key

from .conftest import KEK


@pytest.fixture
def elsewhere(tmp_path: Path) -> Iterator[Path]:
    """Run from an empty folder, as a script would."""
    before = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(before)


def test_every_kind_of_registry_key_is_wrapped_one_way() -> None:
    keyring = Keyring(KEK)
    log_key = Ed25519PrivateKey.generate()
    seal_key = generate_signing_key()
    wrapped_log, wrapped_seal = keyring.wrap(log_key), keyring.wrap(seal_key)
    assert wrapped_log.startswith(b"-----BEGIN ARNA ENCRYPTED PRIVATE KEY-----")
    assert wrapped_seal.startswith(b"-----BEGIN ARNA ENCRYPTED PRIVATE KEY-----")
    assert keyring.unwrap_log_key(wrapped_log).public_key() == log_key.public_key()
    assert keyring.unwrap_signing_key(wrapped_seal).public_key() == seal_key.public_key()
    with pytest.raises(KeyLoadError, match="ARNA_KEK"):
        Keyring("another kek").unwrap_log_key(wrapped_log)
    assert KEK not in repr(keyring)


def test_outside_the_app_no_kek_is_invented(databases, elsewhere: Path) -> None:
    """Without an app and without a KEK, the services refuse instead of creating
    ./instance/kek in whatever folder the code runs from."""
    engine = create_db_engine(databases.new("nokek"))
    upgrade_to_head(engine)
    with Session(engine) as session:
        with pytest.raises(CustodyStateError, match="pass kek="):
            ensure_log_key(session)
        with pytest.raises(RuntimeError, match="ARNA_KEK is a setting of the app"):
            pki.ensure_registry_ca(session)
    engine.dispose()
    assert list(elsewhere.iterdir()) == []
