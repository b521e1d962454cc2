"""Building a letter's row: its envelope planned, its parties, its signers, its XML's digest.

Shared by registration (which creates letters) and the queries (the route
preview); nothing here touches the Session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from registry.models import Letter, LetterParty
from registry.permissions import Principal, parties_field
from registry.services import deadlines
from registry.services.errors import Invalid
from registry.services.lifecycle import Direction, State
from routing.envelope import Envelope, EnvelopeError, parse_envelope
from routing.kinds import INCOMING_KINDS
from routing.planner import Plan, plan
from signing.profile import AUTHENTICATION
from signing.verify import VerificationResult


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def plan_envelope(envelope: Mapping[str, Any]) -> tuple[Envelope, Plan]:
    try:
        parsed = parse_envelope(envelope)
    except EnvelopeError as exc:
        raise Invalid(f"the envelope is not valid: {exc}", details=[str(exc)]) from None
    return parsed, plan(parsed)


def refusal_text(route_plan: Plan) -> str:
    assert route_plan.refusal is not None
    return f"{route_plan.refusal.rule}: {route_plan.refusal.reason}"


def party_relations(letter: Letter) -> set[tuple[str, str]]:
    """Every (party, relation) of the letter: its agency, its plan, its deadline steps.

    The steps count as well as the plan because some are added later (OHCHR's
    publication, ¶14-8; a case file's court deadline), and whoever owes or is owed
    a step must find the letter. Relations are described on ``LetterParty``.
    """
    route_plan = letter.plan
    pairs = {(letter.agency_code, "agency")}
    pairs.update((party, "route") for party in route_plan["route"])
    pairs.update((party, "copy") for party in route_plan["copies"])
    pairs.update((a["party"], "notice") for a in route_plan["after_send"])
    for step in route_plan["steps"]:
        pairs.update((party, "step") for party in [step["by"], *step["to"]])
    for deadline in letter.deadlines:
        pairs.update((party, "step") for party in [deadline.by_party, *deadline.to_parties])
    return pairs


def keep_parties(letter: Letter) -> None:
    """Bring ``letter_parties`` and ``Letter.parties`` in step with the letter (flush writes them).

    Called where a letter is built and wherever a step is added, within the same unit
    of work, so the scope of every query sees the letter as soon as it exists.
    """
    wanted = party_relations(letter)
    have = {(link.party, link.relation) for link in letter.party_links}
    letter.party_links.extend(
        LetterParty(party=party, relation=relation) for party, relation in sorted(wanted - have)
    )
    letter.parties = parties_field([party for party, _relation in wanted])


def new_letter(
    principal: Principal,
    *,
    number: str,
    direction: Direction,
    envelope: dict[str, Any],
    parsed: Envelope,
    route_plan: Plan,
    subject: str,
    xml: bytes,
    state: State,
) -> Letter:
    plan_dict = route_plan.to_dict()
    letter = Letter(
        registry_number=number,
        direction=direction,
        kind=parsed.kind,
        agency_code=parsed.sender,
        sender=parsed.sender,
        recipient=parsed.recipient,
        subject=subject,
        letter_date=parsed.date,
        state=state.value,
        hop=0,
        holder=parsed.sender,
        envelope=dict(envelope),
        plan=plan_dict,
        xml=xml,
        sha256=sha256_hex(xml),
        notice_required=any(a["rule"] == "¶44" for a in plan_dict["after_send"]),
        created_by_id=principal.id,
        # An empty list, not an unloaded collection: a plan without steps would
        # otherwise cost a lazy load (a second transaction) when the answer lists them.
        deadlines=[],
        party_links=[],
    )
    deadlines.instantiate(letter, plan_dict)
    keep_parties(letter)
    return letter


def outgoing_plan(principal: Principal, envelope: Mapping[str, Any]) -> tuple[Envelope, Plan]:
    """The envelope parsed and planned; Invalid with every reason it cannot be sent."""
    parsed, route_plan = plan_envelope(envelope)
    errors = []
    if parsed.sender != principal.agency_code:
        errors.append(f"sender: {parsed.sender} is not your agency ({principal.agency_code})")
    if parsed.kind in INCOMING_KINDS:
        errors.append(f"kind: a {parsed.kind} is registered as an incoming item")
    if not route_plan.allowed:
        errors.append(refusal_text(route_plan))
    if errors:
        raise Invalid("the letter cannot be sent as asked", details=errors, code="refused")
    return parsed, route_plan


def refuse_unless_verified(result: VerificationResult) -> None:
    """Refuse (Invalid) a signature made with a person's own key (NCALayer) that does not
    verify; one by an authentication key is ``wrong_key_type``, which the page explains."""
    newest = result.report["signatures"][-1] if result.report.get("signatures") else {}
    if newest.get("signer", {}).get("certificate_type") == AUTHENTICATION:
        raise Invalid(
            "the signature was made with an authentication key: sign with your signing key",
            details=report_reasons(result.report),
            code="wrong_key_type",
        )
    if not result.passed:
        raise Invalid("the signature does not verify", details=report_reasons(result.report))


def report_reasons(report: dict[str, Any]) -> list[str]:
    reasons = [
        f"signature {i + 1}: {reason}"
        for i, signature in enumerate(report.get("signatures", []))
        for reason in signature.get("reasons", [])
    ]
    return reasons or [f"signature: {report['indication']} / {report['sub_indication']}"]
