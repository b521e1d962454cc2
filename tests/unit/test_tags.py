"""Typed vocabularies: custody tags, directions, deadline bases, incoming kinds."""

from __future__ import annotations

import pytest

from registry.services.custody import Tag
from registry.services.deadlines import Basis
from registry.services.lifecycle import HUBS, TRANSITIONS, Direction
from routing.envelope import parse_envelope
from routing.kinds import INCOMING_KINDS, KINDS
from routing.planner import plan


def test_a_refused_attempt_has_its_tag() -> None:
    assert Tag.LETTER_DISPATCHED.refused == "letter:dispatched-refused"
    assert Tag.COPY_ISSUED.refused == "copy:issued-refused"
    assert str(Tag.LETTER_NOTICE_FILED) == "letter:notice-filed"


def test_every_transition_records_a_known_tag() -> None:
    assert all(isinstance(spec.tag, Tag) for spec in TRANSITIONS.values())


def test_the_documented_action_tags_are_the_tags() -> None:
    """docs/architecture.md lists the tags auditors read in bundles."""
    assert {t.value for t in Tag} == {
        "letter:registered",
        "letter:signed",
        "letter:submitted",
        "letter:received",
        "letter:forwarded",
        "letter:dispatched",
        "letter:returned",
        "letter:closed",
        "letter:notice-filed",
        "letter:deadline-met",
        "letter:case-opened",
        "letter:case-joined",
        "letter:publication-recorded",
        "copy:issued",
        "file:opened",
        "file:event-recorded",
        "file:deemed-agreed",
        "file:theses-checked",
        "treaty:registered",
        "treaty:return-filed",
        "treaty:return-signed",
        "treaty:assessed",
        "log:exported",
        "identity:bin-recorded",
        "identity:iin-recorded",
        "identity:acting-first-head-recorded",
        "trust:anchor-scoped",
        "letters:exported",
        "letter:report-exported",
    }


def test_incoming_kinds_are_those_dated_on_receipt() -> None:
    assert set(INCOMING_KINDS) == {
        "court-request-forward",
        "special-procedure-forward",
        "incoming-correspondence",
    }
    assert all(KINDS[kind].date_is_receipt for kind in INCOMING_KINDS)
    assert {"MFA", "MOJ"} == HUBS
    assert {d.value for d in Direction} == {"outgoing", "incoming"}


@pytest.mark.parametrize("kind", ["court-request-forward", "special-procedure-forward"])
def test_every_plan_step_counts_from_a_known_basis(kind: str) -> None:
    recipient = "AGENCY:MINHEALTH"
    sender = "SUPREME_COURT" if kind == "court-request-forward" else "MFA"
    envelope = {"kind": kind, "sender": sender, "recipient": recipient, "date": "2026-03-02"}
    steps = plan(parse_envelope(envelope)).to_dict()["steps"]
    assert steps
    assert all(Basis(step["from"]) in Basis for step in steps if "within_wd" in step)
