"""One unit of work per action: services flush, one place commits, rolls back or refuses.

The custody rule "the event in the same transaction as the action" holds whatever
happens after the service returned: a failure rolls back the change *and* its
event; a refusal keeps nothing of the attempt but its ``-refused`` event.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from registry.db import utcnow
from registry.models import CertifiedCopy, Letter, RegistryKey, RegistrySetting
from registry.services import copies, letters
from registry.services.copies import SEAL_KEY_NAME
from registry.services.errors import Conflict
from registry.services.unit_of_work import end_reads, release_write_lock, unit_of_work

from .conftest import KEK
from .factories import a_draft, a_signed_letter
from .test_copies_fixtures import app_context, make_letter, principal_of  # noqa: F401
from .workflow_steps import OFFICER, Who, actions


class DiskFull(Exception):
    """Something failing after the service returned, before the transaction ends."""


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def test_a_failure_after_the_custody_append_leaves_neither_change_nor_event(
    s: Session, principal: Who
) -> None:
    officer = principal(OFFICER)
    number = a_signed_letter(s, officer, kind="foreign-letter", recipient="INTL_ORG")
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
        number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    before = actions(s, number)
    # (A single wrong passphrase is no longer recorded — issue 11 — so the refusal here is
    # submitting an unsigned draft.)
    with pytest.raises(Conflict), unit_of_work(s):
        letters.submit_letter(s, officer, number)
    assert actions(s, number) == [*before, ("letter:submitted-refused", "draft", "draft")]
    letter = s.scalar(select(Letter).where(Letter.registry_number == number))
    assert letter is not None
    assert (letter.state, letter.verification, letter.signed_by) == ("draft", None, None)


def test_the_refusal_is_recorded_once_however_often_it_is_ended(s: Session, principal: Who) -> None:
    """The web app may meet a refusal twice (a view, then the error handler)."""
    officer = principal(OFFICER)
    with unit_of_work(s):
        number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number
    with pytest.raises(Conflict) as refused, unit_of_work(s):
        letters.submit_letter(s, officer, number)
    with pytest.raises(Conflict), unit_of_work(s):
        raise refused.value
    assert [a for a, _b, _c in actions(s, number)].count("letter:submitted-refused") == 1


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
    letter = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    letter.subject = "changed, not flushed"
    with pytest.raises(RuntimeError, match="pending writes"):
        end_reads(s)


def test_release_write_lock_ends_reads_only_where_they_hold_the_write_lock(
    s: Session, principal: Who
) -> None:
    """SQLite's transactions hold the write lock from BEGIN IMMEDIATE: released, the reads'
    transaction is over. PostgreSQL's reads lock nothing a writer waits for: it goes on."""
    officer = principal(OFFICER)
    a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    s.commit()
    s.scalars(select(CertifiedCopy)).all()
    assert s.in_transaction()
    release_write_lock(s)
    assert s.in_transaction() == (s.get_bind().dialect.name != "sqlite")
    letter = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    letter.subject = "changed, not flushed"
    with pytest.raises(RuntimeError, match="pending writes"):
        release_write_lock(s)


def test_a_commit_that_fails_is_rolled_back_and_the_session_goes_on(
    s: Session, principal: Who
) -> None:
    """A unique key broken at commit (another writer was first) ends the unit of work with
    the database's error and leaves the session usable, not awaiting a rollback."""
    officer = principal(OFFICER)
    number = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG").registry_number

    def another_writer_first(session: Session) -> None:
        session.connection().execute(
            insert(RegistrySetting).values(name="taken", value="first", set_at=utcnow())
        )

    event.listen(s, "before_commit", another_writer_first)
    try:
        with pytest.raises(IntegrityError), unit_of_work(s):
            s.add(RegistrySetting(name="taken", value="second"))
    finally:
        event.remove(s, "before_commit", another_writer_first)
    assert s.scalar(select(RegistrySetting).where(RegistrySetting.name == "taken")) is None
    assert s.scalar(select(Letter.registry_number).where(Letter.registry_number == number))
