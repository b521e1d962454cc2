"""People: creating users, passwords (Argon2id), sign-in, re-authentication, sessions.

Sign-in is throttled (registry.services.throttle) per username *and* per client
address, so neither guessing one account's password nor spraying one password over
many accounts gets far; re-authentication with the current password before
security-sensitive account actions is throttled per user.

A person's sessions (the cookie names ``users.session_epoch``) and API tokens end
when their password changes or is reset; sessions also end at sign-out.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Agency, ApiToken, User
from registry.permissions import AGENCY_ROLES, Principal, Role
from registry.services import throttle
from registry.services.errors import Conflict, Invalid, NotFound, Unauthenticated

MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()  # Argon2id with the library's RFC 9106 "low memory" defaults
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = _hasher.hash("arna-timing-equaliser")


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
    """Replace a user's password (their own change, or an admin's reset): every session
    and API token issued under the old one ends with it."""
    user = get_user(session, user_id)
    user.password_hash = hash_password(password)
    now = utcnow()
    user.password_changed_at = now
    user.session_epoch += 1
    session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()


def confirm_password(session: Session, user_id: int, password: str) -> None:
    """Re-authentication before a security-sensitive action (password change, signing key,
    API tokens): Invalid unless ``password`` is the user's current one. Throttled per user,
    so a stolen session cannot guess it either. Commits."""
    attempt = throttle.charge(
        session,
        [throttle.Key.person("reauth", user_id)],
        throttle.configured_policy(),
        refusal="too many wrong passwords; try again later",
    )
    user = get_user(session, user_id)
    if not _password_matches(user.password_hash, password):
        throttle.failed(attempt, "re-authentication", user.username)
        raise Invalid("the current password is wrong", code="wrong_password")
    throttle.give_back(session, attempt)
    session.commit()


def change_own_password(session: Session, user_id: int, current: str, new: str) -> None:
    """A user's own password change, which needs the current password."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    confirm_password(session, user_id, current)
    set_password(session, user_id, new)


def end_sessions(session: Session, user_id: int) -> None:
    """Sign-out: every session cookie of the user stops working, copies included. Commits."""
    get_user(session, user_id).session_epoch += 1
    session.commit()


#: One address: one @, a dot in its domain, nothing that would make a header hold two
#: (commas, semicolons, quotes, brackets, spaces); the SMTP server judges the rest.
EMAIL_PATTERN = re.compile(r'[^@\s,;<>"()\[\]]+@[^@\s,;<>"()\[\]]+\.[^@\s,;<>"()\[\].]+')
LANGUAGES = ("kk", "ru", "en")


def set_contact(
    session: Session,
    user_id: int,
    *,
    email: str | None,
    notify: bool | None = None,
    language: str | None = None,
) -> None:
    """Where deadline e-mails go (None or "": nowhere), whether the person wants them, and in
    which language they are written; ``notify`` and ``language`` left None stay as they are."""
    user = get_user(session, user_id)
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL_PATTERN.fullmatch(email)):
        raise Invalid(f"not an e-mail address: {email!r}", code="invalid_email")
    if language is not None and language not in LANGUAGES:
        raise Invalid(f"not a language of Arna: {language!r}")
    user.email = email
    if notify is not None:
        user.notify_deadlines = notify
    if language is not None:
        user.language = language
    session.flush()


def set_active(session: Session, user_id: int, active: bool) -> None:
    """Disable or re-enable an account (disabling also stops its API tokens)."""
    get_user(session, user_id).is_active = active
    session.flush()


def authenticate(
    session: Session, username: str, password: str, *, client: str | None
) -> Principal:
    """Check a sign-in. The attempt is charged to the username and the client address
    before the password is checked (and committed, although the caller gets an error)."""
    attempt = throttle.charge(
        session,
        [throttle.Key.person("login", username), throttle.Key.address("login", client)],
        throttle.configured_policy(),
        refusal="too many failed sign-ins; try again later",
        code="throttled",
    )
    user = session.scalar(select(User).where(User.username == username))
    ok = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if ok and user is not None and user.is_active:
        throttle.give_back(session, attempt)
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        session.commit()
        return Principal.of(user)
    throttle.failed(attempt, "sign-in", username)
    raise Unauthenticated("wrong username or password", code="bad_credentials")
