"""Files to download: the letter list as CSV or XLSX, in bounded memory.

The rows are the letters ``list_letters`` gives the person for the list page's
filters, read a page at a time (each page in a short transaction of its own,
newest first, by id) so a registry of any size streams. A cell that a
spreadsheet would read as a formula (``=``, ``+``, ``-``, ``@``, or a tab or
carriage return first) is written with a leading apostrophe (OWASP "CSV
injection"), in the CSV and in the XLSX alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import date, datetime
from tempfile import SpooledTemporaryFile
from typing import IO

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy.orm import Session

from registry.permissions import Principal
from registry.services.custody.store import Reader
from registry.services.letters.queries import LetterFilter, list_letters

#: The columns of the letter list, in order (the web layer gives their headings).
COLUMNS: tuple[str, ...] = (
    "registry_number",
    "direction",
    "kind",
    "sender",
    "recipient",
    "subject",
    "letter_date",
    "state",
    "holder",
    "registered_at",
)
PAGE = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Files up to this size stay in memory while the XLSX is written; larger ones spill to disk.
SPOOL_BYTES = 4 * 1024 * 1024


def neutralise(value: str) -> str:
    """``value`` as a spreadsheet shows it, never runs it: a formula start gets an apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def letter_rows(read: Reader, principal: Principal, flt: LetterFilter) -> Iterator[list[str]]:
    """Every letter the filter selects for ``principal``, in the filter's order, as
    neutralised cells; read a page at a time by keyset cursor."""
    cursor = flt.cursor

    def page(session: Session) -> list[tuple[int, list[str]]]:
        found = list_letters(session, principal, replace(flt, limit=PAGE, offset=0, cursor=cursor))
        return [
            (
                letter.id,
                [
                    _cell(value)
                    for value in (
                        letter.registry_number,
                        letter.direction,
                        letter.kind,
                        letter.sender,
                        letter.recipient,
                        letter.subject,
                        letter.letter_date,
                        letter.state,
                        letter.holder,
                        letter.created_at,
                    )
                ],
            )
            for letter in found
        ]

    while True:
        rows = read(page)
        for _id, cells in rows:
            yield cells
        if len(rows) < PAGE:
            return
        cursor = rows[-1][0]


def csv_pieces(headings: Sequence[str], rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """The CSV text a line at a time, UTF-8 with a byte-order mark (which spreadsheets need
    to read Cyrillic)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Sequence[str]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line([neutralise(h) for h in headings])
    for cells in rows:
        yield line(cells)


def xlsx_file(headings: Sequence[str], rows: Iterable[Sequence[str]], title: str) -> IO[bytes]:
    """The workbook, written row by row (openpyxl's write-only mode) into a spooled file,
    rewound; the caller sends and closes it."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    sheet.append([neutralise(h) for h in headings])
    for cells in rows:
        # XML 1.0 cannot hold most control characters: openpyxl refuses them, so they go.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in cells])
    spool: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 -- the caller closes it
    book.save(spool)
    spool.seek(0)
    return spool
