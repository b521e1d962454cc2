"""Render a certified paper copy to PDF with fpdf2 and the bundled DejaVu font.

Why DejaVu: the standard PDF fonts have no Kazakh letters (ә ғ қ ң ө ұ ү һ і);
DejaVu Sans has them all and ships with the repository under a free licence, so
the rendering does not depend on the host's fonts. fpdf2 embeds a subset and a
ToUnicode map, so ``pdftotext`` and screen readers recover the exact text.

Why the layout is what it is: the paper must stand on its own. Every page carries
the registry number and "page n of N" (a page cannot be swapped in unnoticed);
the stamp block is kept whole on one page, and its QR code and printed code lead
to the public verification page, where the holder compares what they see.

The output is repeatable: the creation date is the certification time, so the
same content renders to the same bytes (the registry's PAdES signature, added
afterwards by ``pades.sign_copy``, is what makes the issued copy unique).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace
from fpdf.table import Table

from registry.paper.content import CopyContent, SignatureLine

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVu"

#: Kazakhstan has used a single time zone, UTC+05:00, since 1 March 2024.
ASTANA = timezone(timedelta(hours=5), "UTC+05:00")

STAMP_KK = "Электрондық құжаттың көшірмесі дұрыс"
STAMP_RU = "Копия электронного документа верна"

_INDICATIONS = {
    "TOTAL_PASSED": "Жарамды / Действительна",
    "TOTAL_FAILED": "Жарамсыз / Недействительна",
    "INDETERMINATE": "Анықталмады / Не определено",
}

# What a signer's certificate says (signing.profile roles, signing.pki_marks), both languages.
_ROLES = {
    "first_head": "бірінші басшы / первый руководитель",
    "signatory": "қол қою құқығы бар / с правом подписи",
    "employee": "қызметкер / сотрудник",
    "individual": "жеке тұлға / физическое лицо",
}
_PKIS = {
    "nca-production": "ҰКО / НУЦ РК",
    "nca-test": "ҰКО ТЕСТ / НУЦ ТЕСТ",
    "registry": "тізілім КО / УЦ реестра",
    "other": "басқа КО / другой УЦ",
}
_STAMP_BLUE = (20, 50, 140)
_HEADINGS = FontFace(emphasis="BOLD", fill_color=(230, 233, 240))
# A whole SHA-256 stays on one line, so it can be read off the paper and searched for.
_HASH = FontFace(size_pt=6)
_HASH_WIDE = FontFace(size_pt=8)
_STAMP_HEIGHT = 52.0  # mm; the block never splits across pages
_STAMP_LABEL = 56.0  # mm, the label column inside the stamp
_QR_SIZE = 40.0  # mm, quiet zone included; scans from print and from a 100 dpi render


#: What every page of a copy issued by a TEST registry says (kk / ru / en).
TEST_MARK = "СЫНАҚ ТІЗІЛІМІ — ресми емес / ТЕСТОВЫЙ РЕЕСТР — не официально / TEST REGISTRY"


def format_time(moment: datetime, *, zone: bool = True) -> str:
    """A time as printed on the copy: Astana time, its offset spelled out unless a
    table heading already says it (``zone=False``)."""
    if moment.tzinfo is None:
        raise ValueError("times on a certified copy must be timezone-aware")
    local = moment.astimezone(ASTANA).strftime("%Y-%m-%d %H:%M:%S")
    return f"{local} (UTC+05:00)" if zone else local


def render_copy(content: CopyContent) -> bytes:
    """Render the unsigned PDF of a certified copy; sign it with ``pades.sign_copy``."""
    pdf = _CopyPdf(content)
    pdf.add_page()
    _title(pdf, content)
    _letter(pdf, content)
    _attachments(pdf, content)
    _signatures(pdf, content)
    _approval_sheet(pdf, content)
    _stamp(pdf, content)
    return bytes(pdf.output())


class _CopyPdf(FPDF):
    """A4 portrait with the DejaVu fonts and a footer that ties every page to the copy."""

    def __init__(self, content: CopyContent) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content = content
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creation_date(content.certified_at)
        self.set_creator("Arna")
        self.set_author("Arna")
        self.set_title(f"{STAMP_KK} — {content.registry_number}")
        self.set_lang("kk")
        self.alias_nb_pages("{nb}")

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90, 90, 90)
        test = f"{TEST_MARK} · " if self.content.test_registry else ""
        self.cell(
            0,
            4,
            f"{test}Arna · {self.content.registry_number} · "
            f"Көшірме / Копия · Бет / Стр. {self.page_no()} / {{nb}}",
            align="C",
        )
        self.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _title(pdf: FPDF, content: CopyContent) -> None:
    if content.test_registry:
        pdf.set_font(FONT, "B", 11)
        pdf.set_text_color(170, 0, 0)
        pdf.cell(0, 6, TEST_MARK, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    pdf.set_font(FONT, "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(
        0,
        4,
        "Arna — ресми шетелдік хат-хабар тізілімі / реестр официальной иностранной "
        "корреспонденции (Жарлық / Указ № 1037)",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(0, 7, "ЭЛЕКТРОНДЫҚ ҚҰЖАТТЫҢ ҚАҒАЗ КӨШІРМЕСІ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 5, "Бумажная копия электронного документа", new_x="LMARGIN", new_y="NEXT")


def _letter(pdf: FPDF, content: CopyContent) -> None:
    _heading(pdf, "Хат / Письмо")
    rows = [
        ("Тіркеу нөмірі / Рег. номер", content.registry_number),
        ("Хат түрі / Вид письма", content.kind),
        ("Жіберуші / Отправитель", content.sender),
        ("Алушы / Получатель", content.recipient),
        ("Хаттың күні / Дата письма", content.letter_date.isoformat()),
        ("Мәртебесі / Статус", content.state or "—"),
        ("Тақырыбы / Тема", content.subject),
    ]
    with pdf.table(
        col_widths=(58, 122),
        first_row_as_headings=False,
        text_align=("LEFT", "LEFT"),
        line_height=4.6,
        padding=0.8,
        borders_layout="HORIZONTAL_LINES",
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
        row = table.row()
        row.cell("SHA-256", style=FontFace(emphasis="BOLD"))
        row.cell(content.letter_sha256, style=_HASH_WIDE)
    _heading(pdf, "Хаттың мәтіні / Текст письма")
    pdf.multi_cell(0, 4.6, content.body or "—", new_x="LMARGIN", new_y="NEXT")


@contextmanager
def _list_table(
    pdf: FPDF, font_size: float, col_widths: tuple[float, ...], line_height: float
) -> Iterator[Table]:
    """A bordered list with a shaded heading row, in a smaller font; the body font
    (9 pt) is restored afterwards."""
    pdf.set_font(FONT, "", font_size)
    with pdf.table(
        col_widths=col_widths,
        text_align="LEFT",
        line_height=line_height,
        padding=1,
        headings_style=_HEADINGS,
    ) as table:
        yield table
    pdf.set_font(FONT, "", 9)


def _attachments(pdf: FPDF, content: CopyContent) -> None:
    _heading(pdf, "Қосымшалар / Приложения")
    if not content.attachments:
        pdf.cell(0, 5, "Қосымшалар жоқ / Приложений нет", new_x="LMARGIN", new_y="NEXT")
        return
    with _list_table(pdf, 7.5, (7, 48, 30, 95), 4) as table:
        table.row(("№", "Файл / Файл", "Түрі / Тип", "SHA-256"))
        for number, attachment in enumerate(content.attachments, start=1):
            row = table.row((str(number), attachment.file_name, attachment.media_type))
            row.cell(attachment.sha256, style=_HASH)


def _signatures(pdf: FPDF, content: CopyContent) -> None:
    _heading(pdf, "Электрондық цифрлық қолтаңбалар / Электронные цифровые подписи")
    if not content.signatures:
        pdf.cell(0, 5, "Қолтаңбалар жоқ / Подписей нет", new_x="LMARGIN", new_y="NEXT")
    else:
        _signature_table(pdf, content.signatures)
    if content.countersignature is not None:
        _heading(pdf, "Жөнелту жазбасына СІМ қолы / Подпись МИД под записью об отправке")
        _signature_table(pdf, (content.countersignature,))


def _signature_table(pdf: FPDF, signatures: tuple[SignatureLine, ...]) -> None:
    with _list_table(pdf, 8, (48, 38, 40, 54), 4.2) as table:
        table.row(
            (
                "Қол қоюшы / Подписант",
                "Ұйым / Орган",
                "Қол қойылды / Подписано (UTC+05:00)",
                "Тексеру нәтижесі / Результат проверки",
            )
        )
        for line in signatures:
            result = _INDICATIONS.get(line.indication, line.indication)
            detail = line.indication + (f" / {line.sub_indication}" if line.sub_indication else "")
            table.row(
                (
                    "\n".join([line.signer, *_identity(line)]),
                    line.agency,
                    format_time(line.signing_time, zone=False),
                    f"{result}\n{detail}",
                )
            )


def _identity(line: SignatureLine) -> list[str]:
    """The signer's IIN, BIN, role and PKI as the certificate gives them, one a line."""
    lines = [f"ЖСН/ИИН {line.iin}"] if line.iin else []
    if line.bin:
        lines.append(f"БСН/БИН {line.bin}")
    if line.role:
        lines.append(_ROLES.get(line.role, line.role))
    if line.pki:
        lines.append(_PKIS.get(line.pki, line.pki))
    return lines


def _approval_sheet(pdf: FPDF, content: CopyContent) -> None:
    _heading(pdf, "Келісу парағы / Лист согласования")
    route = " → ".join(content.route) if content.route else "—"
    rules = ", ".join(content.route_rules)
    pdf.multi_cell(
        0,
        4.6,
        f"Бағыт / Маршрут: {route}" + (f"   ({rules})" if rules else ""),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(1)
    if not content.custody:
        return
    with _list_table(pdf, 7.5, (34, 60, 46, 40), 4) as table:
        table.row(
            (
                "Уақыты / Время (UTC+05:00)",
                "Орындаушы / Исполнитель",
                "Әрекет / Действие",
                "Күйі / Состояние",
            )
        )
        for event in content.custody:
            table.row((format_time(event.time, zone=False), event.actor, event.action, event.state))


def _stamp(pdf: FPDF, content: CopyContent) -> None:
    """The certification stamp (¶32-1's wording), the certifier, the hashes and the QR code."""
    pdf.ln(4)
    if pdf.will_page_break(_STAMP_HEIGHT):
        pdf.add_page()
    left, top = pdf.l_margin, pdf.get_y()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    text_width = width - _QR_SIZE - 6
    pdf.set_draw_color(*_STAMP_BLUE)
    pdf.set_line_width(0.6)
    pdf.rect(left, top, width, _STAMP_HEIGHT)
    pdf.set_line_width(0.2)

    pdf.set_text_color(*_STAMP_BLUE)
    pdf.set_xy(left + 3, top + 3)
    pdf.set_font(FONT, "B", 12.5)
    pdf.cell(text_width, 7, STAMP_KK, new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 10.5)
    pdf.cell(text_width, 5.5, STAMP_RU, new_x="LEFT", new_y="NEXT")
    pdf.ln(1.5)
    lines = [
        ("Куәландырған / Заверил:", content.certified_by),
        ("Күні мен уақыты / Дата и время:", format_time(content.certified_at)),
        ("Тіркеу нөмірі / Рег. номер:", content.registry_number),
        ("Тексеру коды / Код проверки:", content.verification_code),
    ]
    for label, value in lines:
        pdf.set_x(left + 3)
        pdf.set_font(FONT, "", 8)
        pdf.cell(_STAMP_LABEL, 4.6, label)
        _fit_font(pdf, value, "B", 8.5, text_width - _STAMP_LABEL)
        pdf.cell(text_width - _STAMP_LABEL, 4.6, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(left + 3)
    pdf.set_font(FONT, "", 8)
    pdf.cell(text_width, 4.6, "Хаттың SHA-256 / SHA-256 письма:", new_x="LEFT", new_y="NEXT")
    pdf.set_font(FONT, "B", 7.5)
    pdf.cell(text_width, 4.2, content.letter_sha256, new_x="LEFT", new_y="NEXT")
    check = "Тексеру / Проверка: " + content.verification_url
    _fit_font(pdf, check, "", 7.5, text_width)
    pdf.cell(text_width, 4.2, check, new_x="LEFT", new_y="NEXT")

    _qr(pdf, content.verification_url, left + width - _QR_SIZE - 3, top + 3)
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(top + _STAMP_HEIGHT + 2)


def _fit_font(pdf: FPDF, text: str, style: str, size: float, width: float) -> None:
    """Set the largest font size up to ``size`` at which ``text`` fits ``width`` on one line.

    Long names and URLs shrink rather than run under the QR code or wrap out of the stamp.
    """
    pdf.set_font(FONT, style, size)
    while size > 5 and pdf.get_string_width(text) > width - 2 * pdf.c_margin:
        size -= 0.25
        pdf.set_font(FONT, style, size)


def _qr(pdf: FPDF, url: str, x: float, y: float) -> None:
    """Draw the QR code as vector rectangles (sharp at any print or render resolution)."""
    code = segno.make(url, error="m", micro=False)
    matrix = code.matrix
    border = 4
    module = _QR_SIZE / (len(matrix) + 2 * border)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, _QR_SIZE, _QR_SIZE, style="F")
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            pdf.rect(
                x + (border + start) * module,
                y + (border + row_index) * module,
                (column - start) * module,
                module,
                style="F",
            )
