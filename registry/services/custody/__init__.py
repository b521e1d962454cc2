"""The custody log in the database: the one append function, proofs, exports, full verification.

Every action on a letter calls :func:`append_event` inside its own transaction,
so the event commits or rolls back with the action (X-Road's message-log rule).
Appends are serialised by one row lock (``append``).

Each append stores the leaf, the perfect-subtree hashes it completes (two rows
per leaf on average) and a checkpoint signed with the log's Ed25519 key, so any
inclusion or consistency proof reads O(log n) rows and every size the log ever
had stays provable.

- ``append``: :func:`append_event` / :func:`append_events`, export events;
- ``keys``: the log's signing key;
- ``proofs``: checkpoints, proofs, export bundles, a letter's timeline;
- ``verification``: the live log checked in short chunked reads, whole or from a signed mark;
- ``jobs``: verifications run in the background, their progress kept in the database;
- ``store``: the tree store over ``custody_nodes`` and the append lock.
"""

from custody.event import Actor
from registry.services.custody.append import NewEvent, append_event, append_events, record_export
from registry.services.custody.keys import LOG_KEY_NAME, ensure_log_key, verifier_key
from registry.services.custody.proofs import (
    BundleText,
    TimelineEntry,
    checkpoints_page,
    consistency_proof,
    export_bundle,
    export_text,
    inclusion_proof,
    latest_checkpoint,
    letter_entries,
    letter_timeline,
    refusal_reasons,
)
from registry.services.custody.tags import Tag
from registry.services.custody.verification import LogReport, latest_mark, verify_log

__all__ = [
    "LOG_KEY_NAME",
    "Actor",
    "BundleText",
    "LogReport",
    "NewEvent",
    "Tag",
    "TimelineEntry",
    "append_event",
    "append_events",
    "checkpoints_page",
    "consistency_proof",
    "ensure_log_key",
    "export_bundle",
    "export_text",
    "inclusion_proof",
    "latest_checkpoint",
    "latest_mark",
    "letter_entries",
    "letter_timeline",
    "record_export",
    "refusal_reasons",
    "verifier_key",
    "verify_log",
]
