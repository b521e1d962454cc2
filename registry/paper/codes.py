"""Verification codes printed on a certified paper copy (¶32-1).

The code is the only secret the paper carries: whoever holds the paper can open
``<base_url>/verify/<code>``; nobody else should be able to reach a copy's page.

Why these choices:

- **140 bits from ``secrets``** make guessing infeasible whatever the throttle does
  (2^140 codes; even at a billion guesses a second against a million issued copies
  the expected time to a hit exceeds 10^19 years).
- **Crockford-style base32, upper case, in dashed groups of four**
  (``XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX``): URL-safe, short enough to print
  (28 symbols, 140 bits), and typeable from paper without
  confusing 0/O or 1/I/L — ``normalize_code`` maps those look-alikes back.
- **Only SHA-256 of the code is stored** (``lookup_key``). A database reader (a
  backup, an auditor's dump) then learns nothing that lets them build a working
  URL: the code has full entropy, so one unsalted fast hash is preimage-safe and
  no slow hash or pepper is needed. The lookup is an indexed equality on that
  hash; timing reveals at most whether some hash shares a prefix with the hash of
  the guessed code, which does not help find a code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: Crockford's base32 alphabet: digits and upper-case letters without I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_SYMBOLS = 28  # x 5 bits = 140 bits of randomness
GROUP = 4

_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CodeError(ValueError):
    """A string that cannot be a verification code (wrong length or symbols)."""


def new_code() -> str:
    """Return a fresh printable code, e.g. ``7QK2-M0D4-…``, with 140 random bits."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS))
    return "-".join(symbols[i : i + GROUP] for i in range(0, CODE_SYMBOLS, GROUP))


def normalize_code(text: str) -> str:
    """Canonical form of a code as typed or scanned: upper case, dashes and spaces dropped.

    Raises ``CodeError`` for anything that is not 28 symbols of the alphabet, so
    junk never reaches the database query.
    """
    compact = "".join(text.split()).replace("-", "").upper().translate(_LOOKALIKES)
    if len(compact) != CODE_SYMBOLS or any(c not in ALPHABET for c in compact):
        raise CodeError("not a verification code: expected 28 base32 symbols")
    return compact


def lookup_key(code: str) -> str:
    """The value stored beside a copy and queried on ``/verify``: SHA-256 of the normalised code."""
    return hashlib.sha256(normalize_code(code).encode("ascii")).hexdigest()


def code_matches(code: str, stored_key: str) -> bool:
    """Compare a presented code with a stored lookup key in constant time."""
    try:
        key = lookup_key(code)
    except CodeError:
        return False
    return hmac.compare_digest(key, stored_key)


def verification_url(base_url: str, code: str) -> str:
    """The public page a copy's QR code points to: ``<base_url>/verify/<code>``."""
    return f"{base_url.rstrip('/')}/verify/{code}"
