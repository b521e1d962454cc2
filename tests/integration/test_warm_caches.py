"""A worker fills its per-process caches before it serves (registry.web.database.warm_caches)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from registry import create_app
from registry.db import EXTENSION_KEY
from registry.models import generation
from registry.services.custody import keys
from registry.web.database import warm_caches
from routing import calendar


def test_the_log_key_and_the_trust_store_are_ready_before_the_first_request(app: Flask) -> None:
    keys._KEYS.clear()
    generation._BUILT.clear()
    calendar._table.cache_clear()
    warm_caches(app)
    assert len(keys._KEYS) == 1  # the custody log key, unwrapped (Argon2) once
    built = set(generation._BUILT)
    assert keys.LOG_KEY_NAME in built
    assert any(name.startswith("trust_store:") and name.endswith("ocsp=True") for name in built)
    assert calendar._table.cache_info().currsize == 1  # the working-day table (~0.2 s)


def test_a_database_not_set_up_yet_is_left_to_the_first_request(
    base_config: dict[str, Any], tmp_path: Path
) -> None:
    empty = create_app({**base_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    keys._KEYS.clear()
    generation._BUILT.clear()
    warm_caches(empty)  # no tables: nothing to warm, and no error
    assert keys._KEYS == {}
    assert generation._BUILT == {}
    empty.extensions[EXTENSION_KEY].engine.dispose()
