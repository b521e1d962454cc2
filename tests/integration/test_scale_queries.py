"""The queries that stay flat as the registry grows (issue 18): the letter–party table and
its migration, keyset paging, the list's and inbox's filters, search — on either database.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from registry.models import Deadline, Letter, LetterParty
from registry.services import case_files, letters
from registry.services.deadlines import today_kz
from registry.services.letters import LetterFilter, Sort, State
from registry.services.letters.records import party_relations
from registry.services.unit_of_work import act

from .conftest import SIGNING_PASSPHRASE
from .factories import a_court_request, a_draft, a_signed_letter, a_submitted_letter
from .web_fixtures import api_token  # noqa: F401
from .workflow_steps import AUDITOR, CLERK, COURT, MOJ, OFFICER, OTHER, Who

MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0016_scale.py"


@pytest.fixture
def s(service_session: Session) -> Session:
    return service_session


def stored(s: Session, letter_id: int) -> set[tuple[str, str]]:
    rows = s.execute(
        select(LetterParty.party, LetterParty.relation).where(LetterParty.letter_id == letter_id)
    )
    return {(party, relation) for party, relation in rows}


def in_step(s: Session, number: str) -> set[tuple[str, str]]:
    """The stored parties of a letter, asserted equal to what the letter says they are."""
    s.expire_all()
    letter = s.scalar(select(Letter).where(Letter.registry_number == number))
    assert letter is not None
    rows = stored(s, letter.id)
    assert rows == party_relations(letter), number
    assert letter.parties == "|" + "|".join(sorted({p for p, _r in rows})) + "|"
    return rows


# ----------------------------------------------------------------------------- letter_parties


def test_every_transition_keeps_the_party_table_in_step(s: Session, principal: Who) -> None:
    officer, clerk, court, moj = (
        principal(OFFICER),
        principal(CLERK),
        principal(COURT),
        principal(MOJ),
    )
    number = a_submitted_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    assert {("AGENCY:MINHEALTH", "agency"), ("MFA", "route")} <= in_step(s, number)
    act(letters.receive_letter, s, clerk, number)
    act(
        letters.dispatch_letter,
        s,
        clerk,
        number,
        note_number="N-1",
        note_date=today_kz(),
        passphrase=SIGNING_PASSPHRASE,
    )
    in_step(s, number)

    # A case's reply: the court's deadline becomes MFA's step owed to the court.
    request = a_court_request(s, court, "Request of the EAEU Court")
    case = act(
        case_files.open_case,
        s,
        court,
        request.registry_number,
        court="EAEU_COURT",
        court_deadline=today_kz() + timedelta(days=90),
    )
    act(letters.forward_letter, s, court, request.registry_number)
    in_step(s, request.registry_number)
    reply = a_signed_letter(s, court, kind="court-reply", recipient="EAEU_COURT")
    before = in_step(s, reply)
    act(case_files.join_case, s, court, case.id, reply)
    after = in_step(s, reply)
    assert after - before == {("EAEU_COURT", "step")}
    act(letters.submit_letter, s, court, reply)
    act(letters.receive_letter, s, moj, reply)
    assert in_step(s, reply) == after


def test_the_scope_reads_the_party_table(s: Session, principal: Who) -> None:
    officer, other, clerk = principal(OFFICER), principal(OTHER), principal(CLERK)
    number = a_submitted_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    seen_by = {
        who.username: number
        in {x.registry_number for x in letters.list_letters(s, who, LetterFilter())}
        for who in (officer, other, clerk)
    }
    assert seen_by == {OFFICER: True, OTHER: False, CLERK: True}
    # Remove MFA's rows: the clerk no longer finds it — the table, not the string, decides.
    letter_id = s.scalar(select(Letter.id).where(Letter.registry_number == number))
    for link in s.scalars(
        select(LetterParty).where(LetterParty.letter_id == letter_id, LetterParty.party == "MFA")
    ):
        s.delete(link)
    s.flush()
    assert number not in {x.registry_number for x in letters.list_letters(s, clerk, LetterFilter())}


def _migration() -> object:
    spec = importlib.util.spec_from_file_location("migration_0016", MIGRATION)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_fills_the_table_from_the_letters_already_stored(
    s: Session, principal: Who
) -> None:
    """Migration 0016 run down to 0012 and up again on a registry holding letters (drafts,
    sent letters, a court request forwarded, a case reply with its added step) writes
    exactly the rows the services wrote."""
    officer, court = principal(OFFICER), principal(COURT)
    a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    a_submitted_letter(s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION")
    request = a_court_request(s, court, "Request")
    act(letters.forward_letter, s, court, request.registry_number)
    case = act(
        case_files.open_case,
        s,
        court,
        request.registry_number,
        court="EAEU_COURT",
        court_deadline=today_kz() + timedelta(days=90),
    )
    act(
        case_files.join_case,
        s,
        court,
        case.id,
        a_signed_letter(s, court, kind="court-reply", recipient="EAEU_COURT"),
    )
    everything = set(
        s.execute(select(LetterParty.letter_id, LetterParty.party, LetterParty.relation))
    )
    assert len({row[0] for row in everything}) >= 4
    migration = _migration()
    connection = s.connection()
    with Operations.context(MigrationContext.configure(connection)):
        migration.downgrade()  # type: ignore[attr-defined]
        assert "letter_parties" not in connection.dialect.get_table_names(connection)
        migration.upgrade()  # type: ignore[attr-defined]
    refilled = set(
        s.execute(select(LetterParty.letter_id, LetterParty.party, LetterParty.relation))
    )
    assert refilled == everything


# ----------------------------------------------------------------------------- paging


def _numbers(rows: list[Letter]) -> list[str]:
    return [row.registry_number for row in rows]


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_have_no_duplicates_or_gaps_across_equal_sort_keys(
    s: Session, principal: Who, sort: Sort
) -> None:
    officer = principal(OFFICER)
    day = date(2026, 3, 2)
    for i in range(7):  # three share one date, four another: ties on the date sort key
        a_draft(
            s,
            officer,
            kind="foreign-letter",
            recipient="INTL_ORG",
            subject=f"Paging {i}",
            date=(day + timedelta(days=i % 2)).isoformat(),
        )
    whole = letters.list_letters(s, officer, LetterFilter(sort=sort, limit=1000))
    assert len(whole) >= 7
    pages: list[str] = []
    flt = LetterFilter(sort=sort, limit=2)
    while True:
        rows = letters.list_letters(s, officer, flt)
        pages.extend(_numbers(rows))
        cursor = letters.next_cursor(flt, rows)
        if cursor is None:
            break
        flt = LetterFilter(sort=sort, limit=2, cursor=cursor)
    assert pages == _numbers(whole)
    if sort in (Sort.DATE_ASC, Sort.DATE_DESC):
        dates = [row.letter_date for row in whole]
        assert dates == sorted(dates, reverse=sort is Sort.DATE_DESC)


def test_a_cursor_outside_the_scope_starts_nothing_in_a_date_order(
    s: Session, principal: Who
) -> None:
    officer, other = principal(OFFICER), principal(OTHER)
    a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG")
    foreign = a_draft(s, other, kind="foreign-letter", recipient="INTL_ORG")
    flt = LetterFilter(sort=Sort.DATE_DESC, cursor=foreign.id)
    assert letters.list_letters(s, officer, flt) == []


def test_inbox_pages_follow_the_due_order_without_duplicates(s: Session, principal: Who) -> None:
    court = principal(COURT)
    for i in range(5):
        a_court_request(s, court, f"Request {i}", received=today_kz() - timedelta(days=i % 2))
    a_draft(
        s, court, kind="foreign-letter", recipient="INTL_ORG"
    )  # undated: after every dated line
    whole = letters.inbox(s, court, limit=1000)
    assert len(whole) >= 6
    seen: list[int] = []
    cursor = None
    while True:
        page = letters.inbox(s, court, limit=2, cursor=cursor)
        seen.extend(item.letter.id for item in page)
        cursor = letters.next_inbox_cursor(page, 2)
        if cursor is None:
            break
    assert seen == [item.letter.id for item in whole]


# ----------------------------------------------------------------------------- filters


def test_the_list_filters_by_agency_recipient_dates_and_overdue(s: Session, principal: Who) -> None:
    officer, court, auditor = principal(OFFICER), principal(COURT), principal(AUDITOR)
    march = a_draft(
        s, officer, kind="foreign-letter", recipient="DIPLOMATIC_MISSION", date="2026-03-02"
    )
    april = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG", date="2026-04-01")
    late = a_court_request(s, court, "Late request", received=date(2026, 3, 5))

    def found(**fields: object) -> set[str]:
        rows = letters.list_letters(s, auditor, LetterFilter(limit=1000, **fields))  # type: ignore[arg-type]
        return {row.registry_number for row in rows} & {
            march.registry_number,
            april.registry_number,
            late.registry_number,
        }

    assert found(agency="AGENCY:MINHEALTH") == {march.registry_number, april.registry_number}
    assert found(recipient="INTL_ORG") == {april.registry_number}
    assert found(date_from=date(2026, 3, 3), date_to=date(2026, 3, 31)) == {late.registry_number}
    assert found(date_to=date(2026, 3, 2)) == {march.registry_number}
    assert found(overdue=True) == {late.registry_number}
    # Once its step is met, it is overdue no more.
    s.execute(update(Deadline).where(Deadline.letter_id == late.id).values(done_at=late.created_at))
    assert found(overdue=True) == set()


def test_the_inbox_leaves_closed_letters_out_and_filters(s: Session, principal: Who) -> None:
    court, auditor = principal(COURT), principal(AUDITOR)
    late = a_court_request(s, court, "Late request", received=date(2026, 3, 5))
    other = a_court_request(s, court, "Other request", received=date(2026, 3, 6))
    ids = {late.id, other.id}

    def inbox_ids(**narrow: object) -> set[int]:
        return {i.letter.id for i in letters.inbox(s, auditor, limit=1000, **narrow)} & ids  # type: ignore[arg-type]

    assert inbox_ids() == ids
    assert inbox_ids(date_from=date(2026, 3, 6)) == {other.id}
    assert inbox_ids(urgency="overdue", recipient="AGENCY:MINHEALTH") == ids
    assert inbox_ids(agency="AGENCY:MINHEALTH") == set()
    # A closed letter with a step left open waits for no one (the auditor's inbox too).
    s.execute(update(Letter).where(Letter.id == late.id).values(state=State.CLOSED.value))
    assert inbox_ids() == {other.id}


# ----------------------------------------------------------------------------- search


def test_search_by_registry_number_and_subject(s: Session, principal: Who) -> None:
    officer = principal(OFFICER)
    letter = a_draft(
        s,
        officer,
        subject="Vaccination programme review",
        kind="foreign-letter",
        recipient="INTL_ORG",
    )
    other = a_draft(s, officer, subject="Budget", kind="foreign-letter", recipient="INTL_ORG")
    mine = {letter.registry_number, other.registry_number}

    def search(text: str) -> set[str]:
        rows = letters.list_letters(s, officer, LetterFilter(text=text, limit=1000))
        return {row.registry_number for row in rows} & mine

    number = letter.registry_number
    assert search(number) == {number}
    assert search(number.lower()[:-1]) >= {number}  # a prefix, in any case
    assert search("Vaccination") == {number}
    assert search("Vacc") == {number}
    postgresql = s.get_bind().dialect.name == "postgresql"
    # Anywhere and in any case on PostgreSQL (trigrams); prefixes only on SQLite.
    assert search("programme") == ({number} if postgresql else set())
    assert search("vaccination") == ({number} if postgresql else set())
    assert search("50%_") == set()  # LIKE's wildcards are text


# ----------------------------------------------------------------------------- API


def test_the_api_pages_by_cursor_and_keeps_offset(
    client: FlaskClient,
    s: Session,
    principal: Who,
    api_token: Callable[[str], dict[str, str]],  # noqa: F811
) -> None:
    officer = principal(OFFICER)
    made = [
        a_draft(
            s, officer, subject=f"API paging {i}", kind="foreign-letter", recipient="INTL_ORG"
        ).registry_number
        for i in range(5)
    ]
    headers = api_token(OFFICER)
    whole = client.get("/api/v1/letters?limit=500", headers=headers).get_json()["items"]
    pages: list[str] = []
    url = "/api/v1/letters?limit=2"
    while True:
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200
        body = answer.get_json()
        pages.extend(item["registry_number"] for item in body["items"])
        if body["next_cursor"] is None:
            break
        url = f"/api/v1/letters?limit=2&cursor={body['next_cursor']}"
    assert pages == [item["registry_number"] for item in whole]
    assert set(made) <= set(pages)
    second = client.get("/api/v1/letters?limit=2&offset=2", headers=headers).get_json()
    assert [i["registry_number"] for i in second["items"]] == pages[2:4]
    oldest = client.get("/api/v1/letters?sort=oldest&limit=500", headers=headers).get_json()
    assert [i["registry_number"] for i in oldest["items"]] == pages[::-1]
    for bad in ("cursor=0", "cursor=x", "sort=sideways", "date_from=2026-13-01", "date_to="):
        answer = client.get(f"/api/v1/letters?{bad}", headers=headers)
        assert answer.status_code == 422, bad
        assert answer.get_json()["error"]["details"] == [bad.split("=")[0]]
    first = client.get("/api/v1/inbox?limit=1", headers=headers).get_json()
    assert len(first["items"]) == 1
    assert first["next_cursor"] is not None
    cursor = first["next_cursor"]
    then = client.get(f"/api/v1/inbox?limit=1&cursor={cursor}", headers=headers).get_json()
    assert then["items"]
    assert then["items"][0] != first["items"][0]


def test_the_pages_filter_and_page_with_empty_fields_ignored(
    client: FlaskClient, s: Session, principal: Who, login: Callable[[str], FlaskClient]
) -> None:
    officer = principal(OFFICER)
    march = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG", date="2026-03-02")
    april = a_draft(s, officer, kind="foreign-letter", recipient="INTL_ORG", date="2026-04-01")
    login(OFFICER)
    page = client.get(
        "/letters?state=&kind=&q=&agency=AGENCY:MINHEALTH&recipient=INTL_ORG"
        "&date_from=2026-03-01&date_to=2026-03-31&sort=date_asc"
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert march.registry_number in html
    assert april.registry_number not in html
    assert 'name="date_from" type="date" value="2026-03-01"' in html
    later = client.get(f"/letters?cursor={april.id}").get_data(as_text=True)
    assert march.registry_number in later
    assert april.registry_number not in later
    assert 'rel="first"' in later
    inbox = client.get("/inbox?urgency=&agency=&date_from=2026-04-01")
    assert inbox.status_code == 200
    text = inbox.get_data(as_text=True)
    assert april.registry_number in text
    assert march.registry_number not in text
    assert client.get("/letters?date_from=2026-02-30").status_code == 422
