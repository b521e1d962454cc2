"""Schemathesis (every check) against the app in-process: the API does what its OpenAPI
document says — no 5xx, no undocumented status, no schema-valid request refused for its
shape, no schema-violating request served, 405 with Allow, 401 without a token.

Each operation runs as one test inside the test's rolled-back transaction, as the
real users of three roles (their real API tokens), with a bounded, derandomized example
count so the suite stays fast and a failure replays. Settings: schemathesis.toml beside this.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case

from registry.web.api import OPENAPI_FILE

from .web_fixtures import api_token  # noqa: F401

CONFIG = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))
schema = schemathesis.openapi.from_path(OPENAPI_FILE, config=CONFIG)


@pytest.fixture(params=["officer.minhealth", "clerk.mfa", "auditor"])
def token(request: pytest.FixtureRequest, api_token: Callable[[str], dict[str, str]]) -> dict:  # noqa: F811
    return api_token(request.param)


@pytest.mark.slow
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], derandomize=True)
def test_the_api_does_what_its_document_says(case: Case, app: Flask, token: dict) -> None:
    case.operation.schema.app = app  # every request, the checks' own too, goes in-process
    case.call_and_validate(app=app, headers=token)
