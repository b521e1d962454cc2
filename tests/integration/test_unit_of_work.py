"""One unit of work per action: services flush, one place commits, rolls back or refuses.

The custody rule "the event in the same transaction as the action" holds whatever
happens after the service returned: a failure rolls back the change *and* its
event; a refusal keeps nothing of the attempt but its ``-refused`` event.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from registry.models import CertifiedCopy, Letter, RegistryKey
from registry.services import copies, letters
from registry.services.copies import SEAL_KEY_NAME
from registry.services.errors import Invalid
from registry.services.unit_of_work import end_reads, unit_of_work

from .conftest import KEK
from .test_copies_fixtures import app_context, make_letter, principal_of  # noqa: F401
from .workflow_steps import OFFICER, Who, actions, draft, signed


class DiskFull(Exception):
    """Something failing after the service returned, before the transaction ends."""


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def test_a_failure_after_the_custody_append_leaves_neither_change_nor_event(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    number = signed(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    before = actions(s, number)

    def submit_then_fail() -> None:
        letters.submit_letter(s, officer, number)
        assert actions(s, number)[-1] == ("letter:submitted", "signed", "submitted")
        raise DiskFull

    with pytest.raises(DiskFull), unit_of_work(s):
        submit_then_fail()
    assert actions(s, number) == before
    state = s.scalar(select(Letter.state).where(Letter.registry_number == number))
    assert state == "signed"


def test_a_refusal_leaves_only_its_refusal_event(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    with unit_of_work(s):
        number = draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    before = actions(s, number)
    with pytest.raises(Invalid, match="passphrase"), unit_of_work(s):
        letters.sign_letter(s, officer, number, passphrase="not the passphrase")
    assert actions(s, number) == [*before, ("letter:signed-refused", "draft", "draft")]
    letter = s.scalar(select(Letter).where(Letter.registry_number == number))
    assert letter is not None
    assert (letter.state, letter.verification, letter.signed_by) == ("draft", None, None)


def test_the_refusal_is_recorded_once_however_often_it_is_ended(s: Session, principal: Who) -> None:
    """The web app may meet a refusal twice (a view, then the error handler)."""
    officer = principal(OFFICER)
    with unit_of_work(s):
        number = draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    with pytest.raises(Invalid) as refused, unit_of_work(s):
        letters.sign_letter(s, officer, number, passphrase="not the passphrase")
    with pytest.raises(Invalid), unit_of_work(s):
        raise refused.value
    assert [a for a, _b, _c in actions(s, number)].count("letter:signed-refused") == 1


def test_issuing_a_copy_creates_no_seal_of_its_own_accord(
    db_session: Session,
    make_letter,  # noqa: F811
) -> None:
    """ensure_copy_seal no longer commits in the middle of issue_copy: a copy that fails
    later takes its freshly made seal with it."""
    letter = make_letter(kind="foreign-letter", recipient="INTL_ORG")
    seal = db_session.get(RegistryKey, SEAL_KEY_NAME)
    db_session.delete(seal)
    db_session.commit()

    def issue_then_fail() -> None:
        issued = copies.issue_copy(
            db_session,
            principal_of(db_session, "officer.minhealth"),
            letter.registry_number,
            base_url="https://arna.test",
            kek=KEK,
        )
        assert db_session.get(RegistryKey, SEAL_KEY_NAME) is not None
        assert db_session.get(CertifiedCopy, issued.id) is not None
        raise DiskFull

    with pytest.raises(DiskFull), unit_of_work(db_session):
        issue_then_fail()
    assert db_session.get(RegistryKey, SEAL_KEY_NAME) is None
    assert db_session.scalars(select(CertifiedCopy)).all() == []


def test_end_reads_refuses_a_transaction_with_pending_writes(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    letter = draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    letter.subject = "changed, not flushed"
    with pytest.raises(RuntimeError, match="pending writes"):
        end_reads(s)
