"""Appendices 1–5 as data: one field table, from which the XML schemas, the XML
of a return, the web forms and the XLSX sheets are all made.

Each field is a row of the Appendices' tables («Р/с №», «Мәліметтердің
деректемелері», «Мемлекеттік органдардың ақпараты»), with its Kazakh heading
copied from the Decree's Kazakh text (registry/rules_text/decree-1037-rules.kk.txt,
App.1–5; the stray "," and "." of
App.3 rows 4–5 dropped) and its row number in each form that has it. The
schemas in xml_schemas/appendix-N.xsd are rendered from this table
(``python -m registry.services.treaties.forms``; a test fails when they are
stale), so a return validated against its schema and a web form built from the
table check the same things.

Readings (docs/rules.md): App.3 row 18(3) is a count and its reasons (two
fields); row 19(1) «20__ж.__ ____ жағдай бойынша … игерілді» is a date and an
amount (two fields); rows 20(2)–(3) (MINFIN's and the Supreme Audit Chamber's
external assessments) may be empty by 10 January. The foreign-policy assessment
row is MFA's and is absent from a body's return; the responsible-body row comes
from the treaty register, the consolidating body marked.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Final
from xml.sax.saxutils import escape

from lxml import etree

from signing.xmlparse import parse_xml

SCHEMA_DIR: Final = Path(__file__).resolve().parents[3] / "xml_schemas"
NAMESPACE: Final = "urn:arna:treaty-return:1"
FORMS: Final = (1, 2, 3, 4, 5)


class FieldType(StrEnum):
    TEXT = "text"
    DATE = "date"
    COUNT = "count"  # a non-negative whole number
    PERCENT = "percent"  # 0–100, two decimals
    PROPOSAL = "proposal"  # one of Proposal
    BODIES = "bodies"  # the responsible bodies, from the register


class Proposal(StrEnum):
    """The last row of App.1–3: «мына іс-қимылдардың біреуін көрсету»."""

    CONTINUE = "CONTINUE"  # 1) орындауды жалғастыру
    SUSPEND = "SUSPEND"  # 2) іс-қимылды тоқтата тұру
    TERMINATE = "TERMINATE"  # 3) іс-қимылды тоқтату
    EXTEND = "EXTEND"  # 4) іс-қимылды ұзарту
    OTHER = "OTHER"  # 5) өзге (көрсету)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    heading: str  # the Kazakh heading (xs:documentation, the XLSX's column B)
    type: FieldType
    rows: Mapping[int, str]  # form -> its row number there
    required: bool = True
    #: Where a form words the heading differently (App.2's «Қазақстан тарапының»).
    headings: Mapping[int, str] | None = None

    def heading_in(self, form: int) -> str:
        return (self.headings or {}).get(form, self.heading)


_ALL = dict.fromkeys(FORMS)
_DOMESTIC_ACTS = (
    "халықаралық шарттың күшіне енуі үшін қажетті мемлекетішілік рәсімдердің орындалуы туралы "
    "нормативтік құқықтық актілер (атауы, күні мен нөмірі)"
)
_PROCEDURE_PROBLEMS = (
    "Халықаралық шарттың күшіне енуі үшін қажетті мемлекетішілік рәсімдерді орындауға "
    "байланысты проблемалық мәселелердің болуы"
)

# fmt: off
FIELDS: Final[tuple[Field, ...]] = (
    Field("title", "Халықаралық шарттың толық, ресми атауы",
          FieldType.TEXT, {f: "1" for f in _ALL}),
    Field("concluded_on", "Халықаралық шартты жасасу күні", FieldType.DATE, {f: "2" for f in _ALL}),
    Field("signing_acts",
          "Халықаралық шартқа қол қою туралы нормативтік құқықтық актілер (атауы, күні мен "
          "нөмірі)", FieldType.TEXT,
          {f: "3" for f in _ALL}),
    Field("in_force_on", "Халықаралық шарттың күшіне ену күні",
          FieldType.DATE, {1: "4", 2: "4", 3: "4"}),
    Field("in_force_conditions", "Халықаралық шарттың күшіне ену талаптары",
          FieldType.TEXT, {5: "4"}),
    Field("domestic_acts", "Х" + _DOMESTIC_ACTS[1:],
          FieldType.TEXT,
          {1: "5", 2: "5", 3: "5"}, headings={2: "Қазақстан тарапының " + _DOMESTIC_ACTS}),
    Field("counterparty_notice",
          "Халықаралық шарттың күшіне енуі үшін қажетті мемлекетішілік рәсімдердің орындалуы "
          "туралы контрагент хабарламасының болуы (атауы, күні мен нөмірі)",
          FieldType.TEXT, {4: "4"}),
    Field("depositary_notice",
          "Контрагенттердің халықаралық шарттың күшіне енуі үшін қажетті мемлекетішілік "
          "рәсімдерді орындауы туралы депозитарий хабарламасының болуы (атауы, күні мен нөмірі)",
          FieldType.TEXT, {5: "5"}),
    Field("term", "Қолданылу мерзімі (қолданылу мерзімінің аяқталу күні)",
          FieldType.TEXT, {1: "6", 2: "6", 3: "6"}),
    Field("implementation_periods", "Іске асыру мерзімдері (соның ішінде кезеңдері бойынша)",
          FieldType.TEXT, {3: "7"}),
    Field("drawdown_closing", "Қарыз қаражатын алуды жабу күні", FieldType.DATE, {3: "8"}),
    Field("responsible",
          "Халықаралық шарттың іске асырылуына жауапты, оның реттеу нысанасы құзыретіне кіретін "
          "орталық мемлекеттік орган (бірнеше орталық мемлекеттік орган болған кезде "
          "жинақтаушыны белгілеп, барлығын көрсету)",
          FieldType.BODIES,
          {1: "7", 2: "7", 3: "9", 4: "5", 5: "6"}),
    Field("subject", "Халықаралық шарттың реттеу нысанасы",
          FieldType.TEXT, {1: "8", 2: "8", 4: "6", 5: "7"}),
    Field("states_parties", "Халықаралық шартқа қатысушы мемлекеттер",
          FieldType.TEXT, {2: "9", 5: "8"}),
    Field("donor", "Донор", FieldType.TEXT, {3: "10"}),
    Field("loan_amount", "Қарыз сомасы", FieldType.TEXT, {3: "11"}),
    Field("cofinancing_amount", "Бірлесіп қаржыландыру сомасы", FieldType.TEXT, {3: "12"}),
    Field("provision_terms", "Ұсыну шарттары", FieldType.TEXT, {3: "13"}),
    Field("restructuring",
          "Қайта құрылымдау күнін көрсете отырып, қарызды қайта құрылымдау (бар болған кезде)",
          FieldType.TEXT, {3: "14"}, required=False),
    Field("hedging",
          "Мәмілелер күнін көрсете отырып, хеджиринг бойынша мәмілелер (бар болған кезде)",
          FieldType.TEXT, {3: "15"}, required=False),
    Field("project", "Қарыз қаражатынан қаржыландырылатын инвестициялық жобаның атауы",
          FieldType.TEXT, {3: "16"}),
    Field("project_goals",
          "Жобаның мақсаттары, есепті кезеңде қойылған мақсаттарға қол жеткізу",
          FieldType.TEXT, {3: "17"}),
    Field("events_planned", "есепті кезеңде жоспарланған іс-шаралардың саны",
          FieldType.COUNT, {3: "18.1"}),
    Field("events_done", "іс жүзінде орындалған іс-шаралардың саны", FieldType.COUNT, {3: "18.2"}),
    Field("events_not_done", "іс жүзінде орындалмаған іс-шаралардың саны",
          FieldType.COUNT, {3: "18.3"}),
    Field("events_not_done_reasons", "(себептерін көрсете отырып)",
          FieldType.TEXT, {3: "18.3"}, required=False),
    Field("disbursed_as_of", "20__ж.__ ____ жағдай бойынша", FieldType.DATE, {3: "19.1"}),
    Field("disbursed", "қарыз қаражаты игерілді", FieldType.TEXT,
          {3: "19.1"}),
    Field("disbursed_since_start",
          "қарыз қолданыла бастағаннан бері (қаржыландыру көздері бойынша бөле отырып)",
          FieldType.TEXT, {3: "19.2"}),
    Field("disbursed_percent", "игеру пайызы", FieldType.PERCENT,
          {3: "19.3"}),
    Field("planned_in_period",
          "есепті кезеңде жоспарланған игеру (қаржыландыру көздері бойынша бөле отырып)",
          FieldType.TEXT, {3: "19.4"}),
    Field("actual_in_period",
          "мақсатты пайдаланылуын талдай отырып есепті кезең ішінде олардың нақты игерілгені "
          "(қаржыландыру көздері бойынша бөле отырып), (болған кезде - уәкілетті органның ден "
          "қою нәтижелерін көрсете отырып, қаражаттың мақсатсыз пайдаланылған мөлшері)",
          FieldType.TEXT, {3: "19.5"}),
    Field("actual_percent", "игеру пайызы",
          FieldType.PERCENT, {3: "19.6"}),
    Field("undisbursed", "игерілмеген сома (себептерді қысқаша талдау)",
          FieldType.TEXT, {3: "19.7"}),
    Field("schedule_comparison", "нақты игеруді игеру кестесінде көзделгенмен салыстыру",
          FieldType.TEXT, {3: "19.8"}),
    Field("internal_assessment",
          "қарыз туралы шартты іске асыру барысының тиімділігін ішкі бағалау (әзірлеуші "
          "мемлекеттік орган жүзеге асырады)",
          FieldType.TEXT,
          {3: "20.1"}),
    Field("minfin_assessment",
          "қарыз туралы шартты іске асыру барысының тиімділігін сыртқы бағалау (уәкілетті орган "
          "– Қазақстан Республикасының Қаржы министрлігі жүзеге асырады)",
          FieldType.TEXT, {3: "20.2"},
          required=False),
    Field("audit_assessment",
          "қарыз туралы шартты іске асыру барысының тиімділігін сыртқы бағалау (Қазақстан "
          "Республикасының Жоғары аудиторлық палатасы жүзеге асырады)",
          FieldType.TEXT, {3: "20.3"},
          required=False),
    Field("analysis",
          "Есепті кезең ішіндегі халықаралық шартты іске асыру барысын талдау (статистика, "
          "халықаралық шартты орындау шеңберіндегі іс-шараларды жүзеге асыру, контрагенттің өз "
          "міндеттемелерін орындауы)",
          FieldType.TEXT, {1: "9", 2: "10"}),
    Field("problems",
          "Халықаралық шартты іске асыруға байланысты проблемалық мәселелердің болуы және "
          "оларды шешу бойынша ұсыныстар", FieldType.TEXT, {1: "10", 2: "11", 3: "21"}),
    Field("procedure_problems", _PROCEDURE_PROBLEMS, FieldType.TEXT, {4: "7", 5: "9"}),
    Field("not_in_force_reasons", "Халықаралық шарттың күшіне енбеуінің себептері",
          FieldType.TEXT, {4: "8", 5: "10"}),
    Field("proposal",
          "Халықаралық шарттың ережелерін одан әрі іске асыру жөніндегі ұсыныстар (мына "
          "іс-қимылдардың біреуін көрсету: 1) орындауды жалғастыру; 2) іс-қимылды тоқтата тұру; "
          "3) іс-қимылды тоқтату; 4) іс-қимылды ұзарту; 5) өзге (көрсету))",
          FieldType.PROPOSAL,
          {1: "12", 2: "13", 3: "23"}),
    Field("proposal_other", "5) өзге (көрсету)", FieldType.TEXT,
          {1: "12", 2: "13", 3: "23"}, required=False),
)
# fmt: on

#: MFA's row of App.1–3 (a second author; absent from a body's return).
ASSESSMENT: Final = Field(
    "mfa_assessment",
    "Халықаралық шартты іске асыру тиімділігін сыртқы саяси бағалау (Қазақстан Республикасы "
    "Сыртқы істер министрлігі жүзеге асырады)",
    FieldType.TEXT,
    {1: "11", 2: "12", 3: "22"},
    required=False,
)
TITLES: Final[Mapping[int, str]] = {
    1: "Қазақстан Республикасының күшіне енген екіжақты халықаралық шарттары бойынша мәліметтер",
    2: "Қазақстан Республикасының күшіне енген көпжақты халықаралық шарттары бойынша мәліметтер",
    3: "Қазақстан Республикасының күшіне енген қарыз туралы халықаралық шарттары бойынша "
    "мәліметтер",
    4: "Қазақстан Республикасының қол қойылған және күшіне енбеген екіжақты халықаралық "
    "шарттары бойынша мәліметтер",
    5: "Қазақстан Республикасының қол қойылған және күшіне енбеген көпжақты халықаралық "
    "шарттары бойынша мәліметтер",
}


class FormError(ValueError):
    """A return that does not fit its form; ``errors`` names every field at fault."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _row_key(row: str) -> tuple[int, ...]:
    return tuple(int(part) for part in row.split("."))


def fields_of(form: int) -> tuple[Field, ...]:
    """The form's fields in its row order (the body's fields; MFA's row is apart)."""
    if form not in FORMS:
        raise FormError([f"form: {form!r} is not an Appendix 1-5"])
    found = [f for f in FIELDS if form in f.rows]
    return tuple(sorted(found, key=lambda f: _row_key(f.rows[form])))


def entered_fields(form: int) -> tuple[Field, ...]:
    """The fields a body types (the responsible bodies come from the register)."""
    return tuple(f for f in fields_of(form) if f.type is not FieldType.BODIES)


# ----------------------------------------------------------------------------- the schemas

_TYPES: Final = {
    FieldType.TEXT: "r:Text",
    FieldType.DATE: "xs:date",
    FieldType.COUNT: "xs:nonNegativeInteger",
    FieldType.PERCENT: "r:Percent",
    FieldType.PROPOSAL: "r:Proposal",
    FieldType.BODIES: "r:Bodies",
}


def _element(field: Field, form: int, optional: bool = False) -> list[str]:
    occurs = ' minOccurs="0"' if optional or not field.required else ""
    doc = escape(f"{field.rows[form]}. {field.heading_in(form)}")
    return [
        f'      <xs:element name="{field.name}" type="{_TYPES[field.type]}"{occurs}>',
        f'        <xs:annotation><xs:documentation xml:lang="kk">{doc}</xs:documentation>'
        "</xs:annotation>",
        "      </xs:element>",
    ]


def render_schema(form: int) -> str:
    """The XSD of Appendix ``form``, field for field, the Kazakh headings as documentation."""
    body: list[str] = []
    fields = fields_of(form)
    for field in fields:
        if form in ASSESSMENT.rows and field.name == "proposal":
            body += _element(ASSESSMENT, form, optional=True)
        body += _element(field, form)
    proposals = "".join(f'<xs:enumeration value="{p.value}"/>' for p in Proposal)
    title = escape(TITLES[form])
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<!-- Appendix {form} of the Rules (Decree No. 1037): {title}.",
        "     Generated by `python -m registry.services.treaties.forms` from",
        "     registry/services/treaties/forms.py; do not edit. -->",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"',
        f'           xmlns:r="{NAMESPACE}" targetNamespace="{NAMESPACE}"',
        '           elementFormDefault="qualified" version="1">',
        f'  <xs:annotation><xs:documentation xml:lang="kk">{title}</xs:documentation>'
        "</xs:annotation>",
        '  <xs:element name="return">',
        "    <xs:complexType>",
        "      <xs:sequence>",
        *("  " + line for line in body),
        '        <xs:any namespace="http://www.w3.org/2000/09/xmldsig#" processContents="skip"',
        '                minOccurs="0" maxOccurs="unbounded"/>',
        "      </xs:sequence>",
        f'      <xs:attribute name="form" type="xs:integer" use="required" fixed="{form}"/>',
        '      <xs:attribute name="year" type="xs:gYear" use="required"/>',
        '      <xs:attribute name="treaty" type="r:Text" use="required"/>',
        '      <xs:attribute name="body" type="r:Text" use="required"/>',
        "    </xs:complexType>",
        "  </xs:element>",
        '  <xs:simpleType name="Text">',
        '    <xs:restriction base="xs:string"><xs:pattern value="[\\s\\S]*\\S[\\s\\S]*"/>'
        '<xs:maxLength value="20000"/></xs:restriction>',
        "  </xs:simpleType>",
        '  <xs:simpleType name="Percent">',
        '    <xs:restriction base="xs:decimal"><xs:minInclusive value="0"/>'
        '<xs:maxInclusive value="100"/><xs:fractionDigits value="2"/></xs:restriction>',
        "  </xs:simpleType>",
        '  <xs:simpleType name="Proposal">',
        f'    <xs:restriction base="xs:string">{proposals}</xs:restriction>',
        "  </xs:simpleType>",
        '  <xs:complexType name="Bodies">',
        "    <xs:sequence>",
        '      <xs:element name="body" maxOccurs="unbounded">',
        '        <xs:complexType><xs:simpleContent><xs:extension base="r:Text">',
        '          <xs:attribute name="consolidating" type="xs:boolean" default="false"/>',
        "        </xs:extension></xs:simpleContent></xs:complexType>",
        "      </xs:element>",
        "    </xs:sequence>",
        "  </xs:complexType>",
        "</xs:schema>",
        "",
    ]
    return "\n".join(lines)


def schema_path(form: int) -> Path:
    return SCHEMA_DIR / f"appendix-{form}.xsd"


@cache
def _schema(form: int) -> etree.XMLSchema:
    return etree.XMLSchema(parse_xml(schema_path(form).read_bytes()).getroottree())


# ----------------------------------------------------------------------------- values


def clean(form: int, values: Mapping[str, Any]) -> dict[str, str]:
    """The body's values as the schema wants them (text trimmed, empty optional ones
    dropped), or FormError naming every field the schema would refuse and why."""
    errors: list[str] = []
    out: dict[str, str] = {}
    known = {f.name for f in entered_fields(form)}
    for name in sorted(set(values) - known):
        errors.append(f"{name}: not a field of Appendix {form}")
    for field in entered_fields(form):
        raw = values.get(field.name)
        text = "" if raw is None else str(raw).strip()
        if not text:
            if field.required:
                errors.append(f"{field.name}: required (row {field.rows[form]})")
            continue
        problem = _check_value(field, text)
        if problem:
            errors.append(f"{field.name}: {problem}")
        else:
            out[field.name] = text
    if out.get("proposal") == Proposal.OTHER and not out.get("proposal_other"):
        errors.append("proposal_other: state the other proposal (row 5) «өзге (көрсету)»")
    if errors:
        raise FormError(errors)
    return out


def _check_value(field: Field, text: str) -> str | None:
    if field.type is FieldType.DATE:
        try:
            date.fromisoformat(text)
        except ValueError:
            return "not a date (YYYY-MM-DD)"
    elif field.type is FieldType.COUNT:
        if not text.isdigit():
            return "not a whole number of 0 or more"
    elif field.type is FieldType.PERCENT:
        try:
            value = Decimal(text)
        except InvalidOperation:
            return "not a number"
        if (
            not value.is_finite()
            or not 0 <= value <= 100
            or value != value.quantize(Decimal("0.01"))
        ):
            return "not a percentage 0-100 with at most two decimals"
    elif field.type is FieldType.PROPOSAL and text not in {p.value for p in Proposal}:
        return f"not one of {', '.join(p.value for p in Proposal)}"
    elif len(text) > 20000:
        return "longer than 20000 characters"
    return None


def validate_return(root: etree._Element) -> None:
    """Check a return's XML against the schema of the form it names; FormError if not."""
    form = root.get("form", "")
    if not form.isdigit() or int(form) not in FORMS:
        raise FormError([f"form: {form!r} is not an Appendix 1-5"])
    schema = _schema(int(form))
    if not schema.validate(root):
        raise FormError([f"line {e.line}: {e.message}" for e in schema.error_log])


def build_xml(
    form: int,
    *,
    year: int,
    treaty: str,
    body: str,
    values: Mapping[str, str],
    responsible: list[str],
    consolidating: str,
    assessment: str = "",
) -> bytes:
    """The return as XML on its form's schema; FormError if the schema refuses it."""
    ns = f"{{{NAMESPACE}}}"
    root = etree.Element(
        f"{ns}return",
        nsmap={None: NAMESPACE},
        form=str(form),
        year=str(year),
        treaty=treaty,
        body=body,
    )

    def add(field: Field, text: str) -> None:
        etree.SubElement(root, f"{ns}{field.name}").text = text

    for field in fields_of(form):
        if form in ASSESSMENT.rows and field.name == "proposal" and assessment.strip():
            add(ASSESSMENT, assessment.strip())
        if field.type is FieldType.BODIES:
            bodies = etree.SubElement(root, f"{ns}{field.name}")
            for code in responsible:
                element = etree.SubElement(bodies, f"{ns}body")
                element.text = code
                if len(responsible) > 1 and code == consolidating:
                    element.set("consolidating", "true")
        elif field.name in values:
            add(field, values[field.name])
    schema = _schema(form)
    if not schema.validate(root):
        raise FormError([f"line {e.line}: {e.message}" for e in schema.error_log])
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def main() -> int:
    """Write xml_schemas/appendix-1..5.xsd, or with --check say whether they are stale."""
    stale = [
        f
        for f in FORMS
        if not schema_path(f).exists()
        or schema_path(f).read_text(encoding="utf-8") != render_schema(f)
    ]
    if "--check" in sys.argv[1:]:
        for form in stale:
            print(f"{schema_path(form)} is stale", file=sys.stderr)
        return 1 if stale else 0
    for form in FORMS:
        schema_path(form).write_text(render_schema(form), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
