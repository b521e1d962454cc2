"""Returns on Appendices 1–5 to and from XLSX, the format these reports travel in.

One sheet per return, laid out as the Appendix's table: «Р/с №», «Мәліметтердің
деректемелері» (the Kazakh heading), «Мемлекеттік органдардың ақпараты» (the
value), and a fourth column with the field's name in the schema, which is what
the import reads (headings may be retyped, the name may not). The sheet's first
rows carry the form's title, the treaty's register number, the year and the
body. Every value is written as text, so a round trip loses nothing; on import a
cell Excel turned into a date or a number is read back as the schema's text.

openpyxl parses the workbook's XML with defusedxml (installed beside it), so
entity expansion is off; the import also caps the file and the sheet sizes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from registry.models import TreatyReturn
from registry.services.treaties import forms

MAX_BYTES: Final = 5 * 1024 * 1024
MAX_SHEETS: Final = 500
MAX_ROWS: Final = 200
HEADER: Final = (
    "Р/с №",
    "Мәліметтердің деректемелері",
    "Мемлекеттік органдардың ақпараты",
    "field",
)
META: Final = ("treaty", "year", "form", "body")


@dataclass(frozen=True)
class SheetReturn:
    """One sheet read back: which return it is, and the body's values by field name."""

    treaty: str
    year: int
    form: int
    body: str
    values: dict[str, str]


def export_returns(returns: list[TreatyReturn]) -> bytes:
    """A workbook with one sheet per return (the responsible bodies and MFA's assessment
    included for reading; the import takes only the body's own fields back)."""
    book = Workbook()
    book.remove(book.active)
    for r in returns:
        sheet = book.create_sheet(f"{r.treaty.number}-{r.year}"[:31])
        sheet.append([forms.TITLES[r.form]])
        meta = (r.treaty.number, str(r.year), str(r.form), r.body)
        for name, value in zip(META, meta, strict=True):
            sheet.append([name, value])
        sheet.append(list(HEADER))
        names = [f.name for f in forms.fields_of(r.form)]
        if r.form in forms.ASSESSMENT.rows:
            names.insert(names.index("proposal"), forms.ASSESSMENT.name)
        for (row, heading, value), name in zip(paper_rows(r), names, strict=True):
            sheet.append([row, heading, value, name])
        for column, width in zip("ABCD", (8, 60, 60, 24), strict=True):
            sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def paper_rows(r: TreatyReturn) -> list[tuple[str, str, str]]:
    """The return's rows as its Appendix's table shows them: (row, Kazakh heading, value),
    the responsible bodies from the register (the consolidating one starred where there
    are several) and MFA's assessment in its own row."""
    rows = []
    for field in forms.fields_of(r.form):
        if field.type is forms.FieldType.BODIES:
            several = len(r.treaty.responsible) > 1
            value = "; ".join(
                f"{b} *" if several and b == r.treaty.consolidating else b
                for b in r.treaty.responsible
            )
        else:
            value = r.fields.get(field.name, "")
        if field.name == "proposal" and r.form in forms.ASSESSMENT.rows:
            a = forms.ASSESSMENT
            rows.append((a.rows[r.form], a.heading_in(r.form), r.assessment))
        rows.append((field.rows[r.form], field.heading_in(r.form), value))
    return rows


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(str(value)).normalize(), "f")
    return str(value).strip()


class XlsxError(ValueError):
    """A workbook that cannot be read as returns; ``errors`` names each fault."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def import_returns(data: bytes) -> list[SheetReturn]:
    """Every sheet of the workbook as a return's values (not yet checked against the form)."""
    if len(data) > MAX_BYTES:
        raise XlsxError([f"the workbook is larger than {MAX_BYTES} bytes"])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise XlsxError([f"not an XLSX workbook: {exc}"]) from None
    errors: list[str] = []
    out: list[SheetReturn] = []
    try:
        if len(book.worksheets) > MAX_SHEETS:
            raise XlsxError([f"more than {MAX_SHEETS} sheets"])
        for sheet in book.worksheets:
            rows = []
            for n, row in enumerate(sheet.iter_rows(values_only=True)):
                if n >= MAX_ROWS:
                    errors.append(f"{sheet.title}: more than {MAX_ROWS} rows")
                    break
                rows.append([_text(c) for c in (*row, None, None, None, None)[:4]])
            meta = {r[0]: r[1] for r in rows[1:5]}
            if set(meta) != set(META) or not meta["year"].isdigit() or not meta["form"].isdigit():
                errors.append(f"{sheet.title}: rows 2-5 must give treaty, year, form and body")
                continue
            names = {f.name for f in forms.entered_fields(int(meta["form"]))}
            values = {r[3]: r[2] for r in rows[6:] if r[3] in names and r[2]}
            out.append(
                SheetReturn(
                    meta["treaty"], int(meta["year"]), int(meta["form"]), meta["body"], values
                )
            )
    finally:
        book.close()
    if errors:
        raise XlsxError(errors)
    return out
