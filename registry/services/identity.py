"""Who is who: agencies' BINs, people's IINs, acting first heads, and what a signature counts as.

A verified signature says only that a certificate the trust store accepts signed the
letter.  Whether it counts for the Rules — "an officer of the sender" (¶43), "the
first head" (¶14-7, ¶14-8) — is decided here, from the certificate and the anchor
its path ended at:

- the registry's own CA certifies its officers by party code (O) and role, as it
  was told by the administrator when it issued the certificate;
- an NCA RK anchor (``nca-production``, ``nca-test``) certifies people of the
  organisation its certificate names by BIN (OU=BIN…): the signature is an officer's
  of the agency that carries that BIN, and a first head's when the certificate says
  so (EKU 1.2.398.3.3.4.1.2.1) or the administrator recorded the signer's IIN as
  acting first head of that agency on the day (¶14-7 «не олардың міндеттерін
  атқаратын адамдар», ¶14-8 «не оның міндетін атқаратын адам»);
- any other anchor vouches only for the agencies in its scope, and for first heads
  only when marked so (issue 11, M4): without a scope it vouches for nobody.

The administrator's settings here (BIN, IIN, acting first heads, anchor scopes) are
each recorded in the custody log.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from sqlalchemy import select
from sqlalchemy.orm import Session

from custody.event import Actor
from registry.models import ActingFirstHead, Agency, TrustAnchor, User
from registry.models.generation import cached
from registry.permissions import Action, Principal, check
from registry.services.custody.append import append_event
from registry.services.custody.tags import Tag
from registry.services.errors import Conflict, Invalid, NotFound
from registry.services.pki import ca_certificate
from signing import pki_marks
from signing.ca import OfficerIdentity
from signing.verify import VerificationResult

_TWELVE_DIGITS = re.compile(r"\d{12}")
#: The PKI marks an administrator may give an imported anchor (``registry`` is the
#: registry's own CA, never imported).
ANCHOR_MARKS = (pki_marks.NCA_PRODUCTION, pki_marks.NCA_TEST, pki_marks.OTHER)
NCA_MARKS = frozenset({pki_marks.NCA_PRODUCTION, pki_marks.NCA_TEST})


def valid_number(value: str, what: str) -> str | None:
    """The 12-digit BIN or IIN stripped, or None for an empty value; Invalid otherwise.

    No check digit is demanded: the NCA RK test certificates carry numbers that fail
    the official one, and a test registry must accept them."""
    value = value.strip()
    if not value:
        return None
    if not _TWELVE_DIGITS.fullmatch(value):
        raise Invalid(f"{what}: exactly 12 digits", details=[what.lower()])
    return value


def _actor(principal: Principal) -> Actor:
    return Actor(user=principal.username, role=principal.role.value, agency=principal.agency_code)


def _record(
    session: Session, principal: Principal, tag: Tag, before: str | None, after: str
) -> None:
    append_event(
        session,
        actor=_actor(principal),
        action=tag,
        registry_number=None,
        letter_sha256=None,
        state_before=before,
        state_after=after,
    )


def set_agency_bin(session: Session, principal: Principal, code: str, bin: str) -> Agency:
    """Record (or clear, with "") an agency's BIN; custody-logged. Admin only."""
    check(principal, Action.AGENCY_MANAGE)
    agency = session.get(Agency, code)
    if agency is None:
        raise NotFound(f"no agency {code}")
    number = valid_number(bin, "BIN")
    if number is not None:
        taken = session.scalar(select(Agency).where(Agency.bin == number, Agency.code != code))
        if taken is not None:
            raise Conflict(f"BIN {number} is already {taken.code}'s", code="bin_taken")
    before = agency.bin
    agency.bin = number
    session.flush()
    _record(session, principal, Tag.BIN_RECORDED, f"{code} BIN {before}", f"{code} BIN {number}")
    return agency


def set_user_iin(session: Session, principal: Principal, user_id: int, iin: str) -> User:
    """Record (or clear, with "") an account's IIN; custody-logged. Admin only."""
    check(principal, Action.USER_MANAGE)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    number = valid_number(iin, "IIN")
    if number is not None:
        taken = session.scalar(select(User).where(User.iin == number, User.id != user_id))
        if taken is not None:
            raise Conflict(f"IIN {number} is already {taken.username}'s", code="iin_taken")
    before = user.iin
    user.iin = number
    session.flush()
    who = user.username
    _record(session, principal, Tag.IIN_RECORDED, f"{who} IIN {before}", f"{who} IIN {number}")
    return user


def record_acting_first_head(
    session: Session,
    principal: Principal,
    *,
    agency_code: str,
    iin: str,
    full_name: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> ActingFirstHead:
    """Record that the person with ``iin`` acts for ``agency_code``'s first head from
    ``starts_on`` to ``ends_on`` (both included); custody-logged. Admin only."""
    check(principal, Action.AGENCY_MANAGE)
    if session.get(Agency, agency_code) is None:
        raise NotFound(f"no agency {agency_code}")
    errors = []
    try:
        number = valid_number(iin, "IIN")
    except Invalid as exc:
        errors.append(exc.message)
        number = None
    if number is None and not errors:
        errors.append("IIN: required")
    if not full_name.strip():
        errors.append("name: required")
    if ends_on < starts_on:
        errors.append("period: the last day is before the first")
    if errors:
        raise Invalid("the acting first head cannot be recorded", details=errors)
    assert number is not None
    acting = ActingFirstHead(
        agency_code=agency_code,
        iin=number,
        full_name=full_name.strip()[:200],
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by_id=principal.id,
    )
    session.add(acting)
    session.flush()
    _record(
        session,
        principal,
        Tag.ACTING_FIRST_HEAD_RECORDED,
        None,
        f"{agency_code} first head acting: IIN {number} {starts_on}..{ends_on}",
    )
    return acting


def list_acting_first_heads(session: Session) -> list[ActingFirstHead]:
    return list(
        session.scalars(
            select(ActingFirstHead).order_by(
                ActingFirstHead.agency_code, ActingFirstHead.starts_on.desc()
            )
        )
    )


def set_anchor_scope(
    session: Session,
    principal: Principal,
    anchor_id: int,
    *,
    pki: str,
    agencies: Sequence[str] = (),
    first_heads: bool = False,
) -> TrustAnchor:
    """Say which PKI an imported anchor is and, for ``other``, which agencies it may vouch
    for and whether for their first heads; custody-logged. An NCA anchor has no scope:
    BINs decide whom its certificates name."""
    check(principal, Action.TRUST_MANAGE)
    anchor = session.get(TrustAnchor, anchor_id)
    if anchor is None or anchor.removed_at is not None:
        raise NotFound(f"no trusted anchor {anchor_id}")
    errors = []
    if pki not in ANCHOR_MARKS:
        errors.append(f"pki: one of {', '.join(ANCHOR_MARKS)}")
    codes = sorted({code.strip() for code in agencies if code.strip()})
    known = set(session.scalars(select(Agency.code).where(Agency.code.in_(codes))))
    errors += [f"scope: no agency {code}" for code in codes if code not in known]
    if pki in NCA_MARKS and (codes or first_heads):
        errors.append("scope: an NCA RK anchor names people by BIN; it takes no scope")
    if errors:
        raise Invalid("the anchor's scope cannot be set", details=errors)
    before = _scope_text(anchor)
    anchor.pki = pki
    anchor.scope = codes
    anchor.vouches_first_head = first_heads
    session.flush()
    _record(session, principal, Tag.ANCHOR_SCOPED, before, _scope_text(anchor))
    return anchor


def _scope_text(anchor: TrustAnchor) -> str:
    heads = " +first heads" if anchor.vouches_first_head else ""
    return f"anchor {anchor.fingerprint_sha256[:16]} {anchor.pki} [{','.join(anchor.scope)}]{heads}"


# --- what a signature counts as -------------------------------------------------------------


class Account(Protocol):
    """Whose IIN a certificate is compared with: a User row, or the signed-in Principal."""

    @property
    def iin(self) -> str | None: ...


@dataclass(frozen=True)
class Standing:
    """What one verified signature counts as: the agency it is an officer's of (or None),
    whether it is that agency's first head, and why not, where it is neither."""

    identity: OfficerIdentity
    pki: str
    agency: str | None
    first_head: bool
    problem: str | None = None

    def to_signed_by(self) -> dict[str, Any]:
        """The entry of ``Letter.signed_by`` (what lifecycle.signature_problems reads)."""
        return {
            "name": self.identity.name,
            "agency": self.agency,
            "first_head": self.first_head,
            "iin": self.identity.iin,
            "bin": self.identity.bin,
            "pki": self.pki,
        }


@dataclass(frozen=True)
class _Anchor:
    """What an imported anchor vouches for (a TrustAnchor row, kept beyond its session)."""

    name: str
    pki: str
    scope: tuple[str, ...]
    vouches_first_head: bool


@dataclass(frozen=True)
class _Records:
    """The registry's records a signature's standing is read from, per trust generation."""

    anchors: dict[str, _Anchor]  # by the SHA-256 fingerprint of the certificate
    agencies: dict[str, str]  # BIN -> the agency's party code
    acting: tuple[tuple[str, str, dt.date, dt.date], ...]  # (IIN, agency, from, to)

    def acting_on(self, day: dt.date) -> set[tuple[str, str]]:
        """(IIN, agency) of everyone recorded as acting first head on ``day``."""
        return {(iin, agency) for iin, agency, start, end in self.acting if start <= day <= end}


def _records(session: Session) -> _Records:
    anchors = {
        row.fingerprint_sha256: _Anchor(row.name, row.pki, tuple(row.scope), row.vouches_first_head)
        for row in session.scalars(select(TrustAnchor))
    }
    agencies = {
        row.bin: row.code
        for row in session.execute(select(Agency.bin, Agency.code).where(Agency.bin.is_not(None)))
    }
    acting = tuple(
        (row.iin, row.agency_code, row.starts_on, row.ends_on)
        for row in session.execute(
            select(
                ActingFirstHead.iin,
                ActingFirstHead.agency_code,
                ActingFirstHead.starts_on,
                ActingFirstHead.ends_on,
            )
        )
    )
    return _Records(anchors, agencies, acting)


def standings(session: Session, result: VerificationResult, at: dt.datetime) -> list[Standing]:
    """What each signature of a passed verification counts as, on the day ``at``."""
    own = ca_certificate(session)
    records = cached(session, "identity_records", _records)
    acting = records.acting_on(at.date())
    out = []
    for identity, anchor in zip(result.signers, result.anchors, strict=True):
        if anchor == own:
            row, mark = None, pki_marks.REGISTRY
        else:
            row = records.anchors.get(_fingerprint(anchor))
            mark = row.pki if row is not None else pki_marks.OTHER
        out.append(_standing(identity, mark, row, records.agencies, acting))
    return out


def _standing(
    identity: OfficerIdentity,
    mark: str,
    anchor: _Anchor | None,
    by_bin: dict[str, str],
    acting: set[tuple[str, str]],
) -> Standing:
    if mark == pki_marks.REGISTRY:
        return Standing(identity, mark, identity.agency or None, identity.first_head)
    if mark in NCA_MARKS:
        agency = by_bin.get(identity.bin) if identity.bin else None
        if agency is None:
            problem = (
                f"the certificate names BIN {identity.bin} ({identity.agency}), the BIN of no "
                "agency in this registry"
                if identity.bin
                else "the certificate is an individual's, not an officer's of an organisation "
                "(it names no BIN)"
            )
            return Standing(identity, mark, None, False, problem)
        return Standing(identity, mark, agency, _heads(identity, agency, acting))
    name = anchor.name if anchor is not None else "an unrecorded anchor"
    scope = anchor.scope if anchor is not None else ()
    if identity.agency not in scope:
        problem = f"the CA {name!r} may not vouch for officers of {identity.agency or '?'}"
        return Standing(identity, mark, None, False, problem)
    if identity.first_head and not (anchor is not None and anchor.vouches_first_head):
        problem = f"the CA {name!r} may not vouch for first heads"
        heads = _acting(identity, identity.agency, acting)
        return Standing(identity, mark, identity.agency, heads, problem)
    return Standing(identity, mark, identity.agency, _heads(identity, identity.agency, acting))


def _heads(identity: OfficerIdentity, agency: str, acting: set[tuple[str, str]]) -> bool:
    return identity.first_head or _acting(identity, agency, acting)


def _acting(identity: OfficerIdentity, agency: str | None, acting: set[tuple[str, str]]) -> bool:
    return identity.iin is not None and (identity.iin, agency) in acting


def _fingerprint(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA256()).hex()


def upload_problems(standings_: Sequence[Standing], sender: str, uploader: Account) -> list[str]:
    """Why the signatures of an upload cannot be registered for ``sender`` by ``uploader``:
    those of ``foreign_signatures``, and certificates naming people (IINs) none of whom is
    the uploading account, or (an upload could be anyone's) an account with no IIN."""
    problems = foreign_signatures(standings_, sender)
    iins = [s.identity.iin for s in standings_ if s.identity.iin]
    mismatch = not_the_account(iins, uploader, iin_required=True)
    return problems if mismatch is None else [*problems, mismatch]


def not_the_account(iins: Sequence[str], account: Account, *, iin_required: bool) -> str | None:
    """Why signatures whose certificates name ``iins`` are not ``account``'s holder's: the
    account's recorded IIN is none of them. The one rule for uploads and for signatures made
    in NCALayer (``own_key_problems``).

    An account with no IIN recorded contradicts nothing: an upload refuses it
    (``iin_required``: the file could have been signed by anyone, anywhere), a signature
    made in NCALayer is accepted (made within the account's own session, on the XML Arna
    served it just then; the certificate's IIN is shown with it)."""
    if not iins:
        return None
    if account.iin is None:
        if not iin_required:
            return None
        return (
            "the certificates name their holders by IIN, and your account has no IIN recorded: "
            "ask the administrator to record it"
        )
    if account.iin not in iins:
        return (
            f"none of the signatures is yours: the certificates name IIN {', '.join(iins)}, "
            f"your account is IIN {account.iin}"
        )
    return None


def own_key_problems(
    standings_: Sequence[Standing], party: str, account: Account, *, as_party: str = "the sender"
) -> list[str]:
    """Why the newest signature, made in NCALayer by ``account``'s holder, does not count for
    ``party``: the reasons of ``foreign_signatures``, and a certificate naming another IIN
    than the account's (``not_the_account``: an account with no IIN contradicts nothing)."""
    newest = standings_[-1:]
    problems = foreign_signatures(newest, party, as_party=as_party)
    iins = [s.identity.iin for s in newest if s.identity.iin]
    mismatch = not_the_account(iins, account, iin_required=False)
    return problems if mismatch is None else [*problems, mismatch]


def foreign_signatures(
    standings_: Sequence[Standing], sender: str, *, as_party: str = "the sender"
) -> list[str]:
    """Signatures that do not count for ``sender``: one an anchor may not vouch for, or one
    of another organisation (a foreign BIN or party). ``as_party`` names what ``sender`` is
    to the document (the MFA clerk's countersignature: "the dispatching party")."""
    problems = []
    for number, standing in enumerate(standings_, start=1):
        if standing.problem is not None:
            problems.append(f"signature {number}: {standing.problem}")
        elif standing.agency != sender:
            organisation = (
                f"BIN {standing.identity.bin} ({standing.identity.agency})"
                if standing.identity.bin
                else standing.agency
            )
            problems.append(
                f"signature {number}: the certificate is of {organisation}, not of {as_party} "
                f"{sender}"
            )
    return problems
