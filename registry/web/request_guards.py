"""Input every request is checked for once, before any view runs (issue 11, L8).

* A NUL character in the path, the query string or a form field is refused with 400:
  PostgreSQL cannot store it in text, so it used to surface as a 500 deep in a query.
* JSON nested past the parser's recursion limit is refused with 400 naming the
  problem, instead of a RecursionError turning into a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest


class GuardedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider, refusing JSON too deeply nested to parse with a 400."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise BadRequest("the JSON body is nested too deeply") from None


def _has_nul(values: Any) -> bool:
    return any("\x00" in key or "\x00" in value for key, value in values.items(multi=True))


def refuse_nul_characters() -> None:
    """``before_request``: 400 when the path, query string or a form field holds NUL."""
    if "\x00" in request.path or _has_nul(request.args):
        raise BadRequest("the address holds a NUL character")
    is_form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if is_form and _has_nul(request.form):
        raise BadRequest("a form field holds a NUL character")


def init_app(app: Flask) -> None:
    app.json_provider_class = GuardedJSONProvider
    app.json = GuardedJSONProvider(app)
    app.before_request(refuse_nul_characters)
