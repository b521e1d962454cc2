"""The custody event and its leaf bytes: RFC 8785 canonical JSON of exactly these fields.

The leaf bytes are what the tree hashes, so they must be reproducible by anyone
from the decoded event: canonical JSON (JCS) gives one byte string per event,
and :func:`decode_leaf` refuses any other spelling of the same event, so a
bundle cannot carry a leaf whose bytes and meaning drift apart.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import rfc8785

LETTER_ACTIONS = (
    "letter:registered",
    "letter:signed",
    "letter:submitted",
    "letter:received",
    "letter:forwarded",
    "letter:dispatched",
    "letter:returned",
    "letter:closed",
    "letter:notice-filed",  # the notice of ¶44
    "letter:deadline-met",  # a deadline of the plan marked met by the party that owed it
    "letter:case-opened",  # a court's request opens a case file (Chapter 5)
    "letter:case-joined",  # a letter joins a case file (the ¶37 reply)
    "letter:publication-recorded",  # MFA recorded OHCHR's publication: its ¶14-8 step starts
    "copy:issued",
    "file:opened",  # an agreement reached (¶30) or a decision file (¶10)
    "file:event-recorded",
    "file:deemed-agreed",  # ¶32: no written answer in 2 wd counts as consent
    "file:theses-checked",  # ¶23: a body's theses, initialled on every page or not
    "treaty:registered",  # a treaty entered in the register (Chapter 1)
    "treaty:return-filed",  # a body's return on Appendices 1-5 (¶2)
    "treaty:return-signed",  # the body signed its return (XAdES), verified on arrival
    "treaty:assessed",  # MFA's foreign-policy assessment of a return (¶4)
    "log:exported",
    "identity:bin-recorded",  # an agency's BIN, set by the administrator
    "identity:iin-recorded",  # an account's IIN, set by the administrator
    "identity:acting-first-head-recorded",  # who acts for a first head (¶14-7, ¶14-8)
    "trust:anchor-scoped",  # which PKI an imported CA is and what it may vouch for
    "letters:exported",  # the letter list downloaded (CSV, XLSX)
    "letter:report-exported",  # a letter's verification report downloaded
)
ACTIONS = frozenset(LETTER_ACTIONS + tuple(f"{tag}-refused" for tag in LETTER_ACTIONS))
"""Every tag docs/architecture.md lists, and its ``-refused`` twin for refused attempts."""

EVENT_FIELDS = frozenset(
    {
        "index",
        "time",
        "actor",
        "action",
        "registry_number",
        "letter_sha256",
        "state_before",
        "state_after",
    }
)
ACTOR_FIELDS = frozenset({"user", "role", "agency"})
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
_SHA256 = re.compile(r"[0-9a-f]{64}")
MAX_LEAF_BYTES = 64 * 1024


class EventError(ValueError):
    """An event or its leaf bytes are malformed; the message names the field."""


def format_time(moment: datetime) -> str:
    """UTC with microseconds and ``Z``: one spelling per instant, so leaves stay canonical."""
    if moment.tzinfo is None:
        raise EventError("time: a naive datetime has no time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Actor:
    """Who acted: the user, the role they acted in, and their agency's party code."""

    user: str
    role: str
    agency: str | None

    def to_dict(self) -> dict[str, str | None]:
        """The actor as it appears in the leaf."""
        return {"user": self.user, "role": self.role, "agency": self.agency}


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise EventError(message)


@dataclass(frozen=True)
class CustodyEvent:
    """One entry of the log, exactly the fields of contracts/custody-bundle.md."""

    index: int
    time: str
    actor: Actor
    action: str
    registry_number: str | None
    letter_sha256: str | None
    state_before: str | None
    state_after: str | None

    def __post_init__(self) -> None:
        _require(
            isinstance(self.index, int) and not isinstance(self.index, bool) and self.index >= 0,
            "index: not a non-negative integer",
        )
        _require(
            isinstance(self.time, str) and _TIME.fullmatch(self.time) is not None,
            "time: not UTC ISO 8601 as YYYY-MM-DDTHH:MM:SS.ffffffZ",
        )
        _require(isinstance(self.actor, Actor), "actor: not an Actor")
        _require(isinstance(self.actor.user, str) and bool(self.actor.user), "actor.user: empty")
        _require(isinstance(self.actor.role, str) and bool(self.actor.role), "actor.role: empty")
        _require(
            self.actor.agency is None or isinstance(self.actor.agency, str),
            "actor.agency: not a string or null",
        )
        _require(self.action in ACTIONS, f"action: unknown tag {self.action!r}")
        _require(
            self.letter_sha256 is None
            or (isinstance(self.letter_sha256, str) and _SHA256.fullmatch(self.letter_sha256)),
            "letter_sha256: not 64 lower-case hex digits or null",
        )
        for name in ("registry_number", "state_before", "state_after"):
            value = getattr(self, name)
            _require(value is None or isinstance(value, str), f"{name}: not a string or null")

    def to_dict(self) -> dict[str, Any]:
        """The event as the JSON object its leaf encodes."""
        return {
            "index": self.index,
            "time": self.time,
            "actor": self.actor.to_dict(),
            "action": self.action,
            "registry_number": self.registry_number,
            "letter_sha256": self.letter_sha256,
            "state_before": self.state_before,
            "state_after": self.state_after,
        }

    @classmethod
    def from_dict(cls, data: Any) -> CustodyEvent:
        """Build from decoded JSON, refusing missing or extra fields."""
        _require(isinstance(data, dict), "event: not a JSON object")
        _require(set(data) == EVENT_FIELDS, f"event: fields are {sorted(data)}")
        actor = data["actor"]
        _require(isinstance(actor, dict), "actor: not a JSON object")
        _require(set(actor) == ACTOR_FIELDS, f"actor: fields are {sorted(actor)}")
        return cls(
            index=data["index"],
            time=data["time"],
            actor=Actor(user=actor["user"], role=actor["role"], agency=actor["agency"]),
            action=data["action"],
            registry_number=data["registry_number"],
            letter_sha256=data["letter_sha256"],
            state_before=data["state_before"],
            state_after=data["state_after"],
        )


_MAX_SAFE_INTEGER = 2**53 - 1  # JCS writes numbers as ECMAScript does: exact only below this


def canonical_bytes(event: CustodyEvent) -> bytes:
    """The leaf bytes: RFC 8785 JCS of the event.

    For an event — fixed ASCII keys, strings, nulls and one non-negative integer —
    JCS is exactly what ``json.dumps`` writes with sorted keys, no whitespace and no
    ASCII escaping (both escape only ``"``, ``\\`` and U+0000–U+001F, as ``\\b \\t
    \\n \\f \\r`` or lower-case ``\\u00xx``), at a tenth of the general ``rfc8785``
    encoder's cost, which a million-event verification pays per event. The two
    cases where they differ go to ``rfc8785``, which refuses them: an index beyond
    2**53 - 1, and a lone surrogate (not UTF-8 encodable).
    """
    data = event.to_dict()
    if event.index <= _MAX_SAFE_INTEGER:
        text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        try:
            return text.encode("utf-8")
        except UnicodeEncodeError:
            pass
    return rfc8785.dumps(data)


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise EventError(f"leaf: duplicate keys among {keys}")
    return dict(pairs)


def decode_leaf(leaf: bytes) -> CustodyEvent:
    """The event a leaf encodes; refuse leaves that are not its canonical bytes.

    A leaf equal to its event's canonical bytes cannot hold a duplicate key (the
    re-encoding would have one key fewer), so keys are checked for duplicates only
    when the leaf fails, to say so rather than something vaguer.
    """
    _require(len(leaf) <= MAX_LEAF_BYTES, f"leaf: longer than {MAX_LEAF_BYTES} bytes")
    try:
        text = leaf.decode("utf-8")
        data = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EventError(f"leaf: not UTF-8 JSON ({exc})") from exc
    try:
        event = CustodyEvent.from_dict(data)
        canonical = canonical_bytes(event)
    except EventError:
        _refuse_duplicate_keys(text)
        raise
    except rfc8785.CanonicalizationError as exc:
        _refuse_duplicate_keys(text)
        raise EventError(f"leaf: has no canonical form ({exc})") from exc
    if canonical != leaf:
        _refuse_duplicate_keys(text)
        raise EventError("leaf: not the RFC 8785 canonical form of its event")
    return event


def _refuse_duplicate_keys(text: str) -> None:
    json.loads(text, object_pairs_hook=_no_duplicate_keys)
