"""Keyset paging of the letter list and the inbox: sort orders and cursors.

A page after the first starts *after the last line of the page before* — a
cursor holding that line's sort key and id — never at an offset, so a deep page
costs what the first one does, and letters registered meanwhile neither repeat
nor skip a line. Ties on the sort key are broken by the id, so equal dates
(many letters of one day) page without duplicates or gaps.

A cursor is plain text: ``<id>`` for the id orders, ``<YYYY-MM-DD>.<id>`` for the
date orders and the inbox (where a line without a due date has a plain ``<id>``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, or_, tuple_
from sqlalchemy.sql.elements import UnaryExpression

from registry.db import MAX_INTEGER
from registry.models import Letter
from registry.services.errors import Invalid


class Sort(StrEnum):
    """The letter list's orders (the default first)."""

    NEWEST = "newest"  # registered last first
    OLDEST = "oldest"
    DATE_DESC = "date_desc"  # by the letter's own date, latest first
    DATE_ASC = "date_asc"


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the line with this sort key and id."""

    id: int
    day: date | None = None

    def token(self) -> str:
        return str(self.id) if self.day is None else f"{self.day.isoformat()}.{self.id}"


_TOKEN = re.compile(r"(?:(\d{4}-\d{2}-\d{2})\.)?(\d{1,10})")


def parse_cursor(raw: str, field: str = "cursor") -> Cursor:
    """A cursor from its text (Invalid naming ``field`` when it is not one)."""
    match = _TOKEN.fullmatch(raw)
    if match is None or int(match[2]) > MAX_INTEGER:
        raise Invalid(f"{field}: the next_cursor of a previous page", details=[field])
    try:
        day = date.fromisoformat(match[1]) if match[1] else None
    except ValueError:
        raise Invalid(f"{field}: the next_cursor of a previous page", details=[field]) from None
    return Cursor(id=int(match[2]), day=day)


def _by_date(sort: Sort) -> bool:
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
    if _by_date(sort):
        if cursor.day is None:
            raise Invalid("cursor: this order's cursor carries a date", details=["cursor"])
        key = tuple_(Letter.letter_date, Letter.id)
        here = tuple_(cursor.day, cursor.id)
        return key < here if sort is Sort.DATE_DESC else key > here
    return Letter.id < cursor.id if sort is Sort.NEWEST else Letter.id > cursor.id


def cursor_of(sort: Sort, letter: Letter) -> Cursor:
    """The cursor of a page ending on ``letter``."""
    return Cursor(id=letter.id, day=letter.letter_date if _by_date(sort) else None)


def after_due(due: ColumnElement[date], cursor: Cursor) -> ColumnElement[bool]:
    """The inbox's lines after ``cursor``: by due date (undated last), then newest first."""
    same_day = due.is_(None) if cursor.day is None else due == cursor.day
    later = [] if cursor.day is None else [due > cursor.day, due.is_(None)]
    return or_(and_(same_day, Letter.id < cursor.id), *later)
