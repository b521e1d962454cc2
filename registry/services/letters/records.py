"""Building a letter's row: its envelope planned, its parties, its signers, its XML's digest.

Shared by registration (which creates letters) and the queries (the route
preview); nothing here touches the Session.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from registry.models import Letter
from registry.permissions import Principal, parties_field
from registry.services import deadlines
from registry.services.errors import Invalid
from registry.services.lifecycle import Direction, State
from routing.envelope import Envelope, EnvelopeError, parse_envelope
from routing.kinds import INCOMING_KINDS
from routing.planner import Plan, plan
from signing.ca import OfficerIdentity
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


def involved_parties(route_plan: dict[str, Any]) -> list[str]:
    parties = [*route_plan["route"], *route_plan["copies"]]
    for step in route_plan["steps"]:
        parties.extend([step["by"], *step["to"]])
    parties.extend(a["party"] for a in route_plan["after_send"])
    return parties


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
        parties=parties_field(involved_parties(plan_dict)),
        envelope=dict(envelope),
        plan=plan_dict,
        xml=xml,
        sha256=sha256_hex(xml),
        notice_required=any(a["rule"] == "¶44" for a in plan_dict["after_send"]),
        created_by_id=principal.id,
        # An empty list, not an unloaded collection: a plan without steps would
        # otherwise cost a lazy load (a second transaction) when the answer lists them.
        deadlines=[],
    )
    deadlines.instantiate(letter, plan_dict)
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


def signers_of(identities: Sequence[OfficerIdentity]) -> list[dict[str, Any]]:
    return [{"name": s.name, "agency": s.agency, "first_head": s.first_head} for s in identities]


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
