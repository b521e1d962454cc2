"""API tokens: issued once in clear, stored as SHA-256, revocable.

A token is 32 random bytes; hashing it with plain SHA-256 (no KDF) is enough
because it has 256 bits of entropy, and it keeps authenticating a request cheap.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import ApiToken, User
from registry.permissions import Principal
from registry.services.errors import NotFound, Unauthenticated

TOKEN_PREFIX = "arna_"  # noqa: S105 -- a marker, not a secret


@dataclass(frozen=True)
class IssuedToken:
    """The one moment the clear token exists: show it to its owner, then forget it."""

    id: int
    name: str
    token: str
    created_at: datetime


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, user_id: int, name: str) -> IssuedToken:
    """Create a token for ``user_id`` and return it in clear (only this once)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user_id, name=name[:100] or "token", token_sha256=_digest(token))
    session.add(row)
    session.flush()
    return IssuedToken(id=row.id, name=row.name, token=token, created_at=row.created_at)


def list_tokens(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones included, so the history stays visible)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
        )
    )


def revoke_token(session: Session, user_id: int, token_id: int) -> None:
    """Revoke one of the user's own tokens (someone else's is reported as missing)."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no token {token_id}")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()


def authenticate_token(session: Session, token: str) -> Principal:
    """The person a live token belongs to, or Unauthenticated (same answer for every failure)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_sha256 == _digest(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthenticated("the API token is not valid")
    user: User = row.user
    if not user.is_active:
        raise Unauthenticated("the API token is not valid")
    return Principal.of(user)
