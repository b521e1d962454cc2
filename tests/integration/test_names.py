"""Names and deadlines as the pages word them (registry/names.py, registry/web/names.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from flask import Flask

from registry import names
from registry.services.deadlines import KZ_TIME, today_kz
from registry.web import names as web_names
from routing.calendar import add_workdays
from routing.duties import N_, Duty, DutyState


def _in(app: Flask, language: str):
    return app.test_request_context("/", headers={"Cookie": f"lang={language}"})


def test_codes_read_as_names_in_each_language(app: Flask) -> None:
    kk, ru = names.translator("kk"), names.translator("ru")
    assert names.party("MFA", kk, {}) == "Сыртқы істер министрлігі"
    assert names.party("AGENCY:X", ru, {"AGENCY:X": "Министерство X"}) == "Министерство X"
    assert names.kind("foreign-letter", ru) == "Письмо иностранному органу"
    assert names.tag("letter:submitted-refused", kk) == "СІМ-ге жіберілді — бас тартылды"
    assert names.verdict("TOTAL_PASSED", kk) == "Қолтаңба жарамды"
    assert names.legal_basis("law", ru) == "закон"
    assert names.party("SOMETHING_NEW", kk, {}) == "SOMETHING_NEW"  # never an empty cell
    with _in(app, "en"):
        assert web_names.party_name("AGENCY:MINHEALTH") == "Ministry of Healthcare"
        assert web_names.FILTERS["tag"]("letter:dispatched-refused") == "dispatched — refused"


def test_times_are_kazakhstan_s_to_the_minute(app: Flask) -> None:
    with _in(app, "en"):
        assert web_names.when("2026-12-01T04:05:06.123456Z") == "2026-12-01 09:05"
        assert web_names.when(datetime(2026, 12, 1, 20, 0, 59)) == "2026-12-02 01:00"  # naive: UTC


@pytest.mark.parametrize(
    ("language", "left", "overdue", "late"),
    [
        ("en", "(3 wd left)", "2 wd overdue", "1 wd late"),
        ("kk", "(3 жұмыс күні қалды)", "2 жұмыс күні кешікті", "1 жұмыс күні кешігіп"),
        ("ru", "(осталось раб. дней: 3)", "просрочено раб. дней: 2", "раб. дней: 1"),
    ],
)
def test_deadlines_read_as_days_left_or_late(
    app: Flask, language: str, left: str, overdue: str, late: str
) -> None:
    today = today_kz()
    due_soon, due_past = add_workdays(today, 3), add_workdays(today, -2)
    with _in(app, language):
        assert web_names.due_phrase(due_soon).endswith(left)
        assert web_names.due_phrase(due_past).endswith(overdue)
        assert web_names.day(due_soon) in web_names.due_phrase(due_soon)
        met_late = datetime.combine(add_workdays(due_past, 1), time(12), KZ_TIME).astimezone(UTC)
        assert web_names.due_phrase(due_past, met_late).endswith(late)
        on_time = datetime.combine(due_past, time(12), KZ_TIME)
        assert late not in web_names.due_phrase(due_past, on_time)
        assert web_names.due_phrase(None) != "—"  # says there is no date yet, in words


def test_duties_read_in_the_reader_s_language(app: Flask) -> None:
    quarterly = Duty(
        key="investment-report:2026-Q3",
        by="MFA",
        to=("GO",),
        rule="¶33 part 2",
        what=N_("report on investment agreements for Q%(quarter)s %(year)s"),
        params={"quarter": "3", "year": "2026"},
    )
    assert quarterly.text == "report on investment agreements for Q3 2026"  # the API's English
    kk, ru = names.translator("kk"), names.translator("ru")
    assert (
        names.duty(quarterly, kk) == "2026 жылғы 3-тоқсандағы инвестициялық келісімдер туралы есеп"
    )
    assert names.duty(quarterly, ru) == "отчёт об инвестиционных соглашениях за 3 квартал 2026 года"
    unmarked = Duty("objection:MOJ", "MOJ", ("MFA",), "¶5", "objections raised at a meeting")
    assert names.duty(unmarked, kk) == "objections raised at a meeting"  # no wording: English
    with _in(app, "kk"):
        assert web_names.FILTERS["duty_text"](quarterly).startswith("2026 жылғы 3-тоқсандағы")
        assert web_names.FILTERS["duty_state"](DutyState.LATE.value) == "мерзімі өткен"
    with _in(app, "en"):
        assert web_names.FILTERS["duty_text"](quarterly) == quarterly.text
        assert web_names.FILTERS["duty_state"](DutyState.DONE_LATE.value) == "done late"
