"""People: creating users, passwords (Argon2id), sign-in with throttling.

Throttling counts failures per username *and* per client address in the
database, so every gunicorn worker sees the same counts and neither guessing one
account's password nor spraying one password over many accounts gets far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Agency, LoginThrottle, User
from registry.permissions import AGENCY_ROLES, Principal, Role
from registry.services.errors import Conflict, Invalid, NotFound, Throttled, Unauthenticated

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 "low memory" defaults
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("arna-timing-equaliser")


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures within ``window`` lock a key, and for how long.

    An address gets more tries than an account: one office's NAT address is
    shared by many people, and one of them mistyping must not lock the others out.
    """

    max_failures: int = 5
    max_failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``, refusing passwords too short to be worth hashing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def _password_matches(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    agency_code: str | None = None,
) -> User:
    """Create a user; agency roles need an existing agency, the others must have none."""
    try:
        role_value = Role(role)
    except ValueError:
        raise Invalid(f"unknown role {role!r}") from None
    errors = []
    if (
        not username
        or len(username) > 64
        or not username.replace(".", "").replace("_", "").isalnum()
    ):
        errors.append("username: letters, digits, dots and underscores, at most 64")
    if role_value in AGENCY_ROLES:
        if agency_code is None or session.get(Agency, agency_code) is None:
            errors.append(f"agency: the role {role_value} needs an existing agency")
    elif agency_code is not None:
        errors.append(f"agency: the role {role_value} belongs to no agency")
    if role_value is Role.MFA_CLERK and agency_code != "MFA":
        errors.append("agency: an MFA clerk belongs to MFA")
    if role_value is Role.MOJ_OFFICER and agency_code != "MOJ":
        errors.append("agency: an MOJ officer belongs to MOJ")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors.append(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if errors:
        raise Invalid("the user cannot be created", details=errors)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"the username {username!r} is taken", code="username_taken")
    user = User(
        username=username,
        full_name=full_name,
        role=role_value.value,
        agency_code=agency_code,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def set_password(session: Session, user_id: int, password: str) -> None:
    """Replace a user's password (their own change, or an admin's reset)."""
    user = get_user(session, user_id)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    session.flush()


def change_own_password(session: Session, user_id: int, current: str, new: str) -> None:
    """A user's own password change, which needs the current password."""
    user = get_user(session, user_id)
    if not _password_matches(user.password_hash, current):
        raise Invalid("the current password is wrong", code="wrong_password")
    set_password(session, user_id, new)


def set_active(session: Session, user_id: int, active: bool) -> None:
    """Disable or re-enable an account (disabling also stops its API tokens)."""
    get_user(session, user_id).is_active = active
    session.flush()


def _throttle_keys(username: str, client: str | None) -> list[str]:
    keys = [f"user:{username.lower()[:150]}"]
    if client:
        keys.append(f"addr:{client[:150]}")
    return keys


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    client: str | None,
    policy: ThrottlePolicy,
) -> Principal:
    """Check a sign-in; failures are counted (and committed) although the caller gets an error."""
    now = utcnow()
    keys = _throttle_keys(username, client)
    rows = {
        row.key: row
        for row in session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    }
    if any(row.locked_until is not None and row.locked_until > now for row in rows.values()):
        session.rollback()
        raise Throttled("too many failed sign-ins; try again later")
    user = session.scalar(select(User).where(User.username == username))
    ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if ok and user is not None and user.is_active:
        if keys[0] in rows:
            session.delete(rows[keys[0]])
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.commit()
        return Principal.of(user)
    for key in keys:
        row = rows.get(key)
        if row is None or now - row.window_started_at > policy.window:
            if row is None:
                row = LoginThrottle(key=key, failures=0, window_started_at=now)
                session.add(row)
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        limit = policy.max_failures if key.startswith("user:") else policy.max_failures_per_address
        if row.failures >= limit:
            row.locked_until = now + policy.lock
    session.commit()
    raise Unauthenticated("wrong username or password", code="bad_credentials")
