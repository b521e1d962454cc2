"""Errors the services raise; the web layer maps each to an HTTP status and a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

from custody.event import Actor


@dataclass(frozen=True)
class Refusal:
    """A refused attempt the custody log must record as ``<tag>-refused``.

    The service that refuses attaches it to its ServiceError; the one place that ends
    the action (``registry.services.unit_of_work``) rolls the attempt back and then
    records the refusal in a transaction of its own.
    """

    actor: Actor
    tag: str  # a registry.services.custody.Tag
    registry_number: str | None
    letter_sha256: str | None
    state: str | None  # the letter's state, unchanged by the refused attempt


class ServiceError(Exception):
    """A refusal with a stable machine-readable ``code`` and a human message.

    ``details`` carries every reason where there are several (an invalid letter
    is refused with all of its problems at once).
    """

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, details: list[str] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.refusal: Refusal | None = None
        if code is not None:
            self.code = code

    def refusing(self, refusal: Refusal) -> Self:
        """This error, carrying the refusal to record once the attempt is rolled back."""
        self.refusal = refusal
        return self


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The action does not fit the letter's state or route (e.g. dispatching a draft)."""

    status = 409
    code = "invalid_state"


class Invalid(ServiceError):
    """The input is malformed or breaks a rule; ``details`` lists every reason."""

    status = 422
    code = "invalid"


class Throttled(ServiceError):
    status = 429
    code = "throttled"
