"""Facts kept per trust generation (registry/models/generation.py) change when their rows do.

Real databases and real commits: each step is its own session, as separate requests
(or workers) would be.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from registry.db import create_db_engine
from registry.models import Agency, Letter
from registry.models.generation import cached, token
from registry.services.schema import upgrade_to_head

from .conftest import Databases


@pytest.fixture
def fresh(databases: Databases) -> Iterator[Engine]:
    engine = create_db_engine(databases.new("generation"))
    upgrade_to_head(engine)
    with Session(engine) as session:
        session.add(
            Agency(
                code="AGENCY:ONE", registry_id="ONE", name_en="One", name_ru="One", name_kk="One"
            )
        )
        session.commit()
    yield engine
    engine.dispose()


def _bins(session: Session) -> frozenset[str]:
    return frozenset(b for b in session.scalars(select(Agency.bin)) if b)


def _set_bin(session: Session, value: str) -> None:
    agency = session.get(Agency, "AGENCY:ONE")
    assert agency is not None
    agency.bin = value
    session.flush()


def test_a_committed_change_is_seen_by_the_next_transaction(fresh: Engine) -> None:
    builds: list[frozenset[str]] = []

    def build(session: Session) -> frozenset[str]:
        builds.append(_bins(session))
        return builds[-1]

    with Session(fresh) as reader:
        assert token(reader) is not None  # the migration set the first one
        assert cached(reader, "bins", build) == frozenset()
        reader.rollback()
        assert cached(reader, "bins", build) == frozenset()
        assert len(builds) == 1  # the same generation: kept, not read again
        reader.rollback()  # (SQLite: an open transaction holds the write lock)
        with Session(fresh) as writer:
            _set_bin(writer, "123456789021")
            writer.commit()
        # The reader's next transaction reads the new generation.
        assert cached(reader, "bins", build) == frozenset({"123456789021"})
        assert len(builds) == 2


def test_a_rolled_back_change_is_never_served(fresh: Engine) -> None:
    with Session(fresh) as session:
        before = token(session)
        _set_bin(session, "111111111111")
        inside = token(session)
        assert inside != before  # the flush moved it, in this transaction
        # Built inside the transaction, from its own uncommitted change:
        assert cached(session, "bins", _bins) == frozenset({"111111111111"})
        session.rollback()
        assert token(session) == before
        assert cached(session, "bins", _bins) == frozenset()
        # A later, different change never takes the rolled-back generation again.
        _set_bin(session, "222222222222")
        session.commit()
        assert token(session) not in (before, inside)
        assert cached(session, "bins", _bins) == frozenset({"222222222222"})


def test_rows_the_cached_facts_do_not_read_leave_the_generation_alone(fresh: Engine) -> None:
    with Session(fresh) as session:
        before = token(session)
        agency = session.get(Agency, "AGENCY:ONE")
        assert agency is not None
        agency.bin = agency.bin  # touched, not modified
        session.query(Letter).count()
        session.flush()
        assert token(session) == before
        session.commit()
        assert token(session) == before
