"""The letter lifecycle in motion: every transition, and the queries of letters and inboxes.

The machine itself — states, transitions, who acts, the custody tags and the
plan's guards — is data in registry.services.lifecycle. The functions here are
the only way a letter changes: each takes the caller's Session, checks role,
plan and state, applies the change and appends exactly one custody event through
``services.custody.append_event`` in the same transaction; none commits. A
refused attempt raises a ServiceError carrying its refusal, which the caller's unit
of work (``registry.services.unit_of_work``) records as ``<tag>-refused`` once the
attempt is rolled back.

- ``numbers``: registry numbers, issued and reserved;
- ``registration``: compose, sign, upload, register an incoming item;
- ``transitions``: submit, receive, forward, dispatch, return, file notice, close,
  deadlines met;
- ``publication``: OHCHR's publication recorded, MFA's ¶14-8 publication step;
- ``queries``: route preview, one letter, the list, its history, inboxes;
- ``paging``: the list's and the inbox's orders and keyset cursors;
- ``actions`` / ``records``: what every action runs through, and a letter's row.
"""

from registry.services.letters.numbers import reserve_number
from registry.services.letters.paging import Sort
from registry.services.letters.publication import (
    awaits_publication,
    publication_step,
    record_ohchr_publication,
)
from registry.services.letters.queries import (
    HistoryEntry,
    InboxItem,
    LetterFilter,
    RoutePreview,
    available_transitions,
    get_letter,
    inbox,
    letter_history,
    list_letters,
    next_cursor,
    next_inbox_cursor,
    preview_route,
)
from registry.services.letters.registration import (
    compose_letter,
    register_incoming,
    sign_letter,
    sign_with_own_key,
    unsigned_xml,
    upload_letter,
)
from registry.services.letters.transitions import (
    DEADLINE_MET,
    close_letter,
    complete_deadline,
    dispatch_letter,
    dispatch_record_to_sign,
    dispatch_with_own_key,
    file_notice,
    forward_letter,
    receive_letter,
    return_letter,
    submit_letter,
)
from registry.services.lifecycle import Direction, State, Transition

__all__ = [
    "DEADLINE_MET",
    "Direction",
    "HistoryEntry",
    "InboxItem",
    "LetterFilter",
    "RoutePreview",
    "Sort",
    "State",
    "Transition",
    "available_transitions",
    "awaits_publication",
    "close_letter",
    "complete_deadline",
    "compose_letter",
    "dispatch_letter",
    "dispatch_record_to_sign",
    "dispatch_with_own_key",
    "file_notice",
    "forward_letter",
    "get_letter",
    "inbox",
    "letter_history",
    "list_letters",
    "next_cursor",
    "next_inbox_cursor",
    "preview_route",
    "publication_step",
    "receive_letter",
    "record_ohchr_publication",
    "register_incoming",
    "reserve_number",
    "return_letter",
    "sign_letter",
    "sign_with_own_key",
    "submit_letter",
    "unsigned_xml",
    "upload_letter",
]
