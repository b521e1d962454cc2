"""Render a treaty return (Appendices 1–5 of the Rules) to PDF, laid out as the form's table.

The same fpdf2 and DejaVu fonts as the certified copies (registry/paper/pdf.py: the
standard PDF fonts have no Kazakh letters). Columns as the Appendix has them:
«Р/с №», «Мәліметтердің деректемелері» (the Kazakh heading) and «Мемлекеттік
органдардың ақпараты» (the body's information). Pure: the service passes the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fpdf import FPDF

from registry.paper.pdf import _HEADINGS, FONT, FONT_DIR


@dataclass(frozen=True)
class ReturnContent:
    """What a return's paper shows; ``rows`` are (row number, Kazakh heading, value)."""

    appendix: int
    title: str  # the form's Kazakh title
    treaty: str  # the register number
    year: int
    body: str
    rows: Sequence[tuple[str, str, str]]
    signed_by: Sequence[str] = ()


def render_return(content: ReturnContent) -> bytes:
    """The return as an A4 PDF: the form's title, then its table, then who signed it."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_creator("Arna")
    pdf.set_title(f"{content.appendix}-қосымша — {content.treaty} — {content.year}")
    pdf.set_lang("kk")
    pdf.add_page()
    pdf.set_font(FONT, "", 8)
    pdf.cell(0, 4, f"{content.appendix}-ҚОСЫМША", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 5.5, content.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.cell(
        0,
        6,
        f"{content.treaty} · {content.year} · {content.body}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=(12, 78, 90),
        text_align="LEFT",
        line_height=4.2,
        padding=1,
        headings_style=_HEADINGS,
    ) as table:
        table.row(("Р/с №", "Мәліметтердің деректемелері", "Мемлекеттік органдардың ақпараты"))
        for number, heading, value in content.rows:
            table.row((number, heading, value or "—"))
    pdf.ln(3)
    pdf.set_font(FONT, "", 9)
    signers = ", ".join(content.signed_by) or "—"
    pdf.multi_cell(0, 5, f"Қол қойғандар / Подписали: {signers}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
