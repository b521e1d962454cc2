"""Letters coming into being: composed and signed in Arna, uploaded signed, registered incoming."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lxml import etree
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import Letter, RegistryNumber, User
from registry.permissions import Principal
from registry.services.errors import Invalid
from registry.services.identity import Standing, own_key_problems, standings, upload_problems
from registry.services.letters.actions import authorise, run_registration, run_transition
from registry.services.letters.numbers import next_number
from registry.services.letters.queries import get_letter
from registry.services.letters.records import (
    new_letter,
    outgoing_plan,
    plan_envelope,
    refusal_text,
    refuse_unless_verified,
    report_reasons,
    sha256_hex,
)
from registry.services.letters.transitions import submit_route
from registry.services.lifecycle import (
    TRANSITIONS,
    Direction,
    State,
    Transition,
    signature_problems,
)
from registry.services.pki import trust_store, unlock_charged, with_passphrase
from registry.services.proofs import record_receipt
from registry.services.throttle import Attempt
from registry.services.unit_of_work import release_write_lock
from routing.envelope import Envelope
from routing.kinds import INCOMING_KINDS, KINDS
from routing.planner import Plan
from signing.letter import Attachment, LetterError, Reference, build_letter, read_letter
from signing.sign import SigningError
from signing.sign import sign_letter as sign_xml
from signing.trust import TrustStore
from signing.verify import VerificationResult, verify_letter
from signing.xmlparse import XMLInputError, parse_xml, remove_keeping_tail

_SIGNATURE = "{http://www.w3.org/2000/09/xmldsig#}Signature"


def compose_letter(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str,
    attachments: Sequence[Attachment] = (),
    references: Sequence[Reference] = (),
) -> Letter:
    """Draft a letter (state ``draft``): number assigned, XML built, route planned.

    Refused with every reason (Invalid) when the envelope is bad, the sender is not
    the person's agency, or the plan forbids the route (the refusal's ¶ cited).
    """

    def build() -> Letter:
        parsed, route_plan = outgoing_plan(principal, envelope)
        number = next_number(session, principal, parsed.sender)
        try:
            xml = build_letter(
                envelope,
                registry_number=number,
                subject=subject,
                body=body,
                attachments=attachments,
                references=references,
            )
        except LetterError as exc:
            raise Invalid("the letter is not valid", details=exc.errors) from None
        return new_letter(
            principal,
            number=number,
            direction=Direction.OUTGOING,
            envelope=dict(envelope),
            parsed=parsed,
            route_plan=route_plan,
            subject=subject,
            xml=xml,
            state=State.DRAFT,
        )

    return run_registration(session, principal, Transition.COMPOSE, build)


def sign_letter(
    session: Session, principal: Principal, registry_number: str, *, passphrase: str
) -> Letter:
    """Sign a draft (or co-sign a signed letter) with the person's own key held by Arna."""

    def signed_with(attempt: Attempt) -> Letter:
        def apply(letter: Letter) -> State:
            user = session.get(User, principal.id)
            assert user is not None
            unlocked = unlock_charged(session, user, passphrase, attempt)
            assert letter.xml is not None
            try:
                signed = sign_xml(letter.xml, unlocked.key, unlocked.certificate)
            except SigningError as exc:
                raise Invalid(f"the letter cannot be signed: {exc}") from None
            store = trust_store(session, ocsp=True)  # OCSP at receipt, where one is named
            result = verify_letter(signed, store, at=utcnow())
            if not result.passed:
                raise Invalid(
                    "the signature does not verify", details=report_reasons(result.report)
                )
            counted = standings(session, result, utcnow())
            _keep_signed(session, letter, signed, result, store, counted)
            return State.SIGNED

        return run_transition(session, principal, registry_number, Transition.SIGN, apply)

    return with_passphrase(session, principal.id, signed_with)


def _keep_signed(
    session: Session,
    letter: Letter,
    signed: bytes,
    result: VerificationResult,
    store: TrustStore,
    counted: Sequence[Standing],
) -> None:
    """The letter now is ``signed`` (verified: ``result``, its signers ``counted``); its
    receipt's evidence is kept."""
    # The CRLs and OCSP answers it was checked against; its time-stamp owed.
    record_receipt(session, letter.registry_number, signed, store, result.evidence)
    letter.xml = signed
    letter.sha256 = sha256_hex(signed)
    letter.verification = result.report
    letter.verified_at = utcnow()
    letter.signed_by = [s.to_signed_by() for s in counted]


def unsigned_xml(session: Session, principal: Principal, registry_number: str) -> bytes:
    """What the person signs next with their own key (NCALayer): the letter's XML as Arna
    holds it — the draft, or the signed letter a co-signature covers.

    Refused as the signature itself would be (NotFound out of scope, Forbidden or
    Conflict when the person may not sign this letter now); nothing is written.
    """
    letter = get_letter(session, principal, registry_number)
    authorise(principal, Transition.SIGN, letter)
    assert letter.xml is not None
    return letter.xml


def _covers(held: bytes, signed: bytes) -> list[str]:
    """Why ``signed`` is not ``held`` with one more enveloped signature (empty: it is)."""
    before, after = parse_xml(held), parse_xml(signed)
    earlier = before.findall(_SIGNATURE)
    signatures = after.findall(_SIGNATURE)
    if len(signatures) != len(earlier) + 1 or after[len(after) - 1] is not signatures[-1]:
        return ["the signed XML must be this letter with exactly one new signature at its end"]
    remove_keeping_tail(signatures[-1])
    if etree.tostring(before, method="c14n") != etree.tostring(after, method="c14n"):
        return ["the signed XML is not this letter as Arna holds it (its content differs)"]
    return []


def sign_with_own_key(
    session: Session, principal: Principal, registry_number: str, *, signed: bytes
) -> Letter:
    """Sign (or co-sign) with the person's own key: ``signed`` is the letter's XML
    (``unsigned_xml``) returned by NCALayer with one more enveloped signature.

    It must be exactly that letter plus one signature, and every signature must
    verify (NCA RK profile, the registry's trust anchors) before the letter changes;
    a signature by an authentication key is refused as ``wrong_key_type``.
    """

    def apply(letter: Letter) -> State:
        assert letter.xml is not None
        try:
            problems = _covers(letter.xml, signed)
            # OCSP at receipt, where the certificate names a responder.
            store = trust_store(session, ocsp=True)
            result = verify_letter(signed, store, at=utcnow())
        except XMLInputError as exc:
            raise Invalid("the signed XML is not acceptable XML", details=[str(exc)]) from None
        if problems:
            raise Invalid("the signed XML was refused", details=problems, code="not_this_letter")
        refuse_unless_verified(result)
        # The new (last) signature must count for the sender (its BIN, or its CA's scope)
        # and must not name another person than the account's recorded IIN.
        counted = standings(session, result, utcnow())
        refused = own_key_problems(counted, letter.sender, principal)
        if refused:
            raise Invalid("the signature was refused", details=refused, code="not_the_sender")
        _keep_signed(session, letter, signed, result, store, counted)
        return State.SIGNED

    return run_transition(session, principal, registry_number, Transition.SIGN, apply)


# Who reserved a number and the letter using it (built once: every upload runs it).
_RESERVED = (
    select(RegistryNumber.agency_code, Letter.id)
    .outerjoin(Letter, Letter.registry_number == RegistryNumber.number)
    .where(RegistryNumber.number == bindparam("number"))
)


def _uploaded(session: Session, principal: Principal, xml: bytes) -> Letter:
    """Check an uploaded signed letter completely; Invalid with every reason, else the Letter."""
    errors: list[str] = []
    verified_at = utcnow()
    store = trust_store(session, ocsp=True)  # OCSP at receipt, where a certificate names one
    # Nothing is written yet: end the reads' transaction so that verification, the
    # costliest step, does not hold SQLite's write lock (BEGIN IMMEDIATE, registry/db.py).
    release_write_lock(session)
    try:
        result = verify_letter(xml, store, at=verified_at)
    except XMLInputError as exc:
        raise Invalid("the upload is not acceptable XML", details=[str(exc)]) from None
    if not result.passed:
        errors.extend(report_reasons(result.report))
    try:
        # Read what the verifier proved signed, never the input tree, when it passed; when
        # it did not, the input is still read, so that every other reason is reported too.
        content = read_letter(
            result.signed_root if result.signed_root is not None else parse_xml(xml)
        )
    except LetterError as exc:
        raise Invalid("the letter was refused", details=[*exc.errors, *errors]) from None
    parsed: Envelope | None = None
    route_plan: Plan | None = None
    try:
        parsed, route_plan = outgoing_plan(principal, content.envelope)
    except Invalid as exc:
        errors.extend(exc.details or [exc.message])
    number = content.registry_number
    reserved = session.execute(_RESERVED, {"number": number}).first()
    if reserved is None or reserved.agency_code != principal.agency_code:
        errors.append(f"registry_number: {number} was not reserved by your agency in Arna")
    elif reserved.id is not None:
        errors.append(f"registry_number: {number} is already used by another letter")
    counted = standings(session, result, verified_at) if result.passed else []
    signers = [s.to_signed_by() for s in counted]
    if result.passed and parsed is not None and route_plan is not None:
        errors.extend(upload_problems(counted, parsed.sender, principal))
        errors.extend(signature_problems(route_plan.to_dict(), parsed.sender, signers))
    if errors or parsed is None or route_plan is None:
        raise Invalid("the letter was refused", details=errors, code="letter_refused")
    letter = new_letter(
        principal,
        number=number,
        direction=Direction.OUTGOING,
        envelope=content.envelope,
        parsed=parsed,
        route_plan=route_plan,
        subject=content.subject,
        xml=xml,
        state=State.SIGNED,
    )
    letter.verification = result.report
    letter.verified_at = verified_at
    letter.signed_by = signers
    # CRLs, OCSP; stamps owed. The number was free (checked above): nothing is kept yet.
    record_receipt(session, number, xml, store, result.evidence, first=True)
    return letter


def upload_letter(
    session: Session, principal: Principal, xml: bytes, *, submit: bool = False
) -> Letter:
    """Register a letter signed with the agency's own tools; ``submit`` also submits it.

    Schema check, signature verification (the report kept), routing; the bytes are
    stored untouched. Anything invalid: Invalid with all reasons, nothing stored.
    With ``submit`` the one custody event is ``letter:submitted`` (from no state).
    """

    def build() -> Letter:
        letter = _uploaded(session, principal, xml)
        if submit:
            letter.state = submit_route(letter, principal).value
        return letter

    tag = TRANSITIONS[Transition.SUBMIT].tag if submit else None
    return run_registration(
        session, principal, Transition.UPLOAD, build, tag=tag, refused_sha256=sha256_hex(xml)
    )


def register_incoming(
    session: Session,
    principal: Principal,
    *,
    envelope: Mapping[str, Any],
    subject: str,
    body: str = "",
    document: Attachment | None = None,
) -> Letter:
    """Register a court's request (¶36), a special procedure's communication (¶14-5), or a
    note or letter of a foreign body (incoming official correspondence, ¶44).

    The envelope's ``date`` is the day of receipt; the item is kept as an Arna
    record (unsigned: it came from outside) with the received document attached.
    A foreign body's mail is registered by the body its route first reaches (MFA,
    or the addressee itself where it may receive directly), which then holds it.
    """

    def build() -> Letter:
        parsed, route_plan = plan_envelope(envelope)
        errors = []
        if parsed.kind not in INCOMING_KINDS:
            errors.append(
                f"kind: {parsed.kind} is not an incoming item ({', '.join(sorted(INCOMING_KINDS))})"
            )
            receiver = parsed.sender
        else:
            receiver = _receiver(parsed, route_plan)
        if receiver != principal.agency_code:
            errors.append(
                f"sender: the receiving body must be your agency ({principal.agency_code})"
                if receiver == parsed.sender
                else f"sender: mail of {parsed.sender} to {parsed.recipient} is registered by "
                f"{receiver}, which receives it (¶44), not by {principal.agency_code}"
            )
        if not route_plan.allowed:
            errors.append(refusal_text(route_plan))
        if errors:
            raise Invalid("the item cannot be registered", details=errors, code="refused")
        number = next_number(session, principal, receiver)
        try:
            xml = build_letter(
                envelope,
                registry_number=number,
                subject=subject,
                body=body or subject,
                attachments=[document] if document is not None else [],
            )
        except LetterError as exc:
            raise Invalid("the item is not valid", details=exc.errors) from None
        letter = new_letter(
            principal,
            number=number,
            direction=Direction.INCOMING,
            envelope=dict(envelope),
            parsed=parsed,
            route_plan=route_plan,
            subject=subject,
            xml=xml,
            state=State.RECEIVED,
        )
        if receiver != parsed.sender:  # a foreign body's mail: the receiving body holds it
            letter.agency_code = letter.holder = receiver
            letter.hop = route_plan.route.index(receiver)
        return letter

    return run_registration(session, principal, Transition.REGISTER_INCOMING, build)


def _receiver(parsed: Envelope, route_plan: Plan) -> str:
    """Who registers an incoming item: its sender, a Kazakh body, for a court's request or
    a special procedure's communication; for a foreign body's mail the first Kazakh body
    on its route (MFA, or the addressee that may receive directly)."""
    if not KINDS[parsed.kind].incoming or len(route_plan.route) < 2:
        return parsed.sender
    return route_plan.route[1]
