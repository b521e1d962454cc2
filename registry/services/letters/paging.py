"""Keyset paging of the letter list and the inbox: sort orders and cursors.

A page after the first starts *after the last line of the page before* — a
cursor holding that line's sort key and id — never at an offset, so a deep page
costs what the first one does, and letters registered meanwhile neither repeat
nor skip a line. Ties on the sort key are broken by the id, so equal dates
(many letters of one day) page without duplicates or gaps.

What a client holds is only the id of the last letter of its page (the API's
``next_cursor``); the services read that letter's sort key back (`Cursor`), within
the person's scope (for the date orders a letter outside it, or none, starts
nothing: the page is empty; for the id orders the id itself is the key).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, tuple_
from sqlalchemy.sql.elements import UnaryExpression

from registry.models import Letter


class Sort(StrEnum):
    """The letter list's orders (the default first)."""

    NEWEST = "newest"  # registered last first
    OLDEST = "oldest"
    DATE_DESC = "date_desc"  # by the letter's own date, latest first
    DATE_ASC = "date_asc"


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the line of letter ``id``, whose sort key is ``day``
    (its letter date, or in the inbox its earliest open due date; None for the id orders
    and undated inbox lines)."""

    id: int
    day: date | None = None


def by_date(sort: Sort) -> bool:
    """Whether ``sort`` orders by the letter's date (its cursor carries that date)."""
    return sort in (Sort.DATE_DESC, Sort.DATE_ASC)


def order_by(sort: Sort) -> list[UnaryExpression[object]]:
    """The ORDER BY of a sort, ending in the id (each has an index: pk, letter_date+id)."""
    if sort is Sort.NEWEST:
        return [Letter.id.desc()]
    if sort is Sort.OLDEST:
        return [Letter.id.asc()]
    if sort is Sort.DATE_DESC:
        return [Letter.letter_date.desc(), Letter.id.desc()]
    return [Letter.letter_date.asc(), Letter.id.asc()]


def after(sort: Sort, cursor: Cursor) -> ColumnElement[bool]:
    """The lines that come after ``cursor`` in ``sort`` (one row comparison, index-ready)."""
    if by_date(sort):
        key = tuple_(Letter.letter_date, Letter.id)
        here = tuple_(cursor.day, cursor.id)
        return key < here if sort is Sort.DATE_DESC else key > here
    return Letter.id < cursor.id if sort is Sort.NEWEST else Letter.id > cursor.id


def after_due(due: ColumnElement[date], cursor: Cursor) -> ColumnElement[bool]:
    """The inbox's lines after ``cursor``: by due date (undated last), then newest first."""
    same_day = due.is_(None) if cursor.day is None else due == cursor.day
    later = [] if cursor.day is None else [due > cursor.day, due.is_(None)]
    return or_(and_(same_day, Letter.id < cursor.id), *later)
