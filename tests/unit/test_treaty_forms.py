"""Appendices 1–5: the schemas are rendered from the field table, and the schema and
``forms.clean`` refuse the same things."""

from __future__ import annotations

import pytest
from lxml import etree

from registry.services.treaties import forms

ROWS = {
    1: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "12", "12"],
    2: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "13", "13"],
    4: ["1", "2", "3", "4", "5", "6", "7", "8"],
    5: ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"],
}


@pytest.mark.parametrize("form", forms.FORMS)
def test_the_schemas_are_rendered_from_the_table(form: int) -> None:
    assert forms.schema_path(form).read_text(encoding="utf-8") == forms.render_schema(form), (
        "run python -m registry.services.treaties.forms"
    )


@pytest.mark.parametrize("form", sorted(ROWS))
def test_rows_follow_the_appendix(form: int) -> None:
    # App.1 row 11, App.2 row 12 are MFA's assessment, kept apart.
    assert [f.rows[form] for f in forms.fields_of(form)] == ROWS[form]


def test_app3_has_every_row_and_sub_item() -> None:
    rows = [f.rows[3] for f in forms.fields_of(3)]
    whole = {r.split(".")[0] for r in rows} | {forms.ASSESSMENT.rows[3]}
    assert whole == {str(n) for n in range(1, 24)}
    assert {r for r in rows if r.startswith("19.")} == {f"19.{n}" for n in range(1, 9)}
    assert {r for r in rows if r.startswith("20.")} == {"20.1", "20.2", "20.3"}


def _values(form: int) -> dict[str, str]:
    sample = {
        forms.FieldType.TEXT: "x",
        forms.FieldType.DATE: "2020-01-01",
        forms.FieldType.COUNT: "3",
        forms.FieldType.PERCENT: "99.99",
        forms.FieldType.PROPOSAL: "SUSPEND",
    }
    return {f.name: sample[f.type] for f in forms.entered_fields(form)}


def _schema_accepts(form: int, values: dict[str, str]) -> bool:
    try:
        forms.build_xml(form, year=2026, treaty="TRT-1", body="MOJ", values=values,
                        responsible=["MOJ"], consolidating="MOJ")  # fmt: skip
    except forms.FormError:
        return False
    return True


@pytest.mark.parametrize(
    ("field", "value"),
    [("disbursed_percent", "100.01"), ("disbursed_percent", "1.234"), ("events_done", "-1"),
     ("events_done", "1.5"), ("drawdown_closing", "2020-13-01"), ("proposal", "MAYBE"),
     ("donor", "   ")],
)  # fmt: skip
def test_clean_and_the_schema_refuse_the_same(field: str, value: str) -> None:
    values = {**_values(3), field: value}
    with pytest.raises(forms.FormError, match=field):
        forms.clean(3, values)
    assert not _schema_accepts(3, values)
    assert _schema_accepts(3, forms.clean(3, _values(3)))


def test_the_xml_carries_the_consolidating_body_and_validates() -> None:
    xml = forms.build_xml(2, year=2026, treaty="TRT-000002", body="AGENCY:MINECON",
                          values=_values(2), responsible=["AGENCY:MINECON", "AGENCY:MINHEALTH"],
                          consolidating="AGENCY:MINECON", assessment="Good")  # fmt: skip
    root = etree.fromstring(xml)
    ns = {"r": forms.NAMESPACE}
    assert root.xpath("r:responsible/r:body[@consolidating='true']/text()", namespaces=ns) == [
        "AGENCY:MINECON"
    ]
    assert root.xpath("r:mfa_assessment/text()", namespaces=ns) == ["Good"]


def test_every_field_has_a_web_label() -> None:
    from registry.web.treaties import LABELS

    assert set(LABELS) == {f.name for f in forms.FIELDS} | {forms.ASSESSMENT.name}
