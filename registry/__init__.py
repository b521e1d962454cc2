"""Arna's registry service.

Flask is imported lazily so that ``python -m registry.custody`` (the offline verifier an
auditor runs) stays importable without the web stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``config`` overrides settings read from the environment."""
    from registry.app import build_app

    return build_app(config)
