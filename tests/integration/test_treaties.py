"""Chapter 1 on a real database: one full reporting year (2026) of treaty returns.

Three agencies owe returns (MINHEALTH, MINECON, MOJ); MOJ's comes late. MFA's
Appendix 6 is generated from the returns and its figures are compared with
them; the cycle's deadlines are counted by hand on the Kazakhstan calendar:
Friday 1 January 2027 (New Year), Monday 4 January (2 January carried over),
Thursday 7 January (Orthodox Christmas), Monday 8 March, Monday 15 March
(Constitution Day from 2027) and Monday 22 – Wednesday 24 March (Nauryz) are days off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from custody.event import decode_leaf
from registry.db import utcnow
from registry.permissions import Principal
from registry.services import rule_files, treaties
from registry.services.custody import letter_entries
from registry.services.errors import Conflict, Forbidden, Invalid
from registry.services.pki import trust_store
from registry.services.treaties import forms, xlsx
from registry.services.unit_of_work import act
from routing.duties import DutyState
from signing.verify import verify_letter

from .conftest import SIGNING_PASSPHRASE

D = date.fromisoformat
HEALTH, ECON, MOJ = "AGENCY:MINHEALTH", "AGENCY:MINECON", "MOJ"
SAMPLE = {
    forms.FieldType.TEXT: "Мәтін / text",
    forms.FieldType.DATE: "2019-06-14",
    forms.FieldType.COUNT: "12",
    forms.FieldType.PERCENT: "47.50",
    forms.FieldType.PROPOSAL: "CONTINUE",
}


def sample_values(form: int, **overrides: str) -> dict[str, str]:
    """Every field a body types on Appendix ``form``, filled."""
    values = {
        f.name: f"{SAMPLE[f.type]} ({f.name})" if f.type is forms.FieldType.TEXT else SAMPLE[f.type]
        for f in forms.entered_fields(form)
    }
    values.pop("proposal_other", None)
    return {**values, **overrides}


def _register(session: Session, mfa: Principal) -> dict[str, str]:
    rows = {
        "health": ("Agreement on health cooperation", "bilateral", "in-force", [HEALTH], None),
        "trade": ("Convention on trade", "multilateral", "in-force", [ECON, HEALTH], ECON),
        "loan": ("Loan agreement for roads", "loan", "in-force", [ECON], None),
        "justice": ("Treaty on legal assistance", "bilateral", "signed", [MOJ], None),
    }  # fmt: skip
    numbers = {}
    for key, (title, kind, status, responsible, lead) in rows.items():
        treaty = act(
            treaties.register_treaty,
            session,
            mfa,
            title=title,
            kind=kind,
            status=status,
            concluded_on=D("2019-06-14"),
            responsible=responsible,
            consolidating=lead,
        )
        numbers[key] = treaty.number
    return numbers


def test_a_full_reporting_year(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    mfa, health, econ, moj = (
        principal(u) for u in ("clerk.mfa", "officer.minhealth", "officer.minecon", "officer.moj")
    )
    auditor = principal("auditor")
    n = _register(s, mfa)
    cycle = act(treaties.open_cycle, s, mfa, 2026)
    assert cycle.number.startswith("TRC-2027-")
    assert cycle.facts == {"year": 2026, "bodies": [ECON, HEALTH, MOJ]}
    with pytest.raises(Conflict):
        act(treaties.open_cycle, s, mfa, 2026)

    def file(who: Principal, key: str, form: int, day: str, **over: str) -> None:
        act(
            treaties.file_return,
            s,
            who,
            year=2026,
            treaty_number=n[key],
            values=sample_values(form, **over),
            day=D(day),
        )

    file(health, "health", 1, "2027-01-05", proposal="EXTEND")
    file(econ, "trade", 2, "2027-01-06")
    view = rule_files.get_file(s, mfa, cycle.number)
    # MINECON has filed one of its two returns: its duty is not done yet.
    assert view.events == {f"returns:{HEALTH}": D("2027-01-05")}
    file(econ, "loan", 3, "2027-01-08", proposal="OTHER", proposal_other="Refinance")
    file(moj, "justice", 4, "2027-01-12")  # late
    with pytest.raises(Conflict, match="already filed"):
        file(moj, "justice", 4, "2027-01-12")

    for key in ("health", "trade", "loan"):
        act(treaties.assess, s, mfa, year=2026, treaty_number=n[key], text=f"Assessment {key}")
    with pytest.raises(Invalid, match="no foreign-policy assessment"):
        act(treaties.assess, s, mfa, year=2026, treaty_number=n["justice"], text="x")

    # GO's and PA's steps, recorded by MFA.
    act(rule_files.record_event, s, mfa, cycle.number, "to-go", D("2027-02-10"))
    act(rule_files.record_event, s, mfa, cycle.number, "to-pa", D("2027-02-25"))
    view = rule_files.get_file(s, auditor, cycle.number)
    duties = {d.key: d for d in view.duties}
    today = D("2027-03-01")
    # ¶2 «10 қаңтардан кешіктірмей»: Sunday 10 January 2027 → Friday 8 January.
    for body in (HEALTH, ECON, MOJ):
        assert duties[f"returns:{body}"].due == D("2027-01-08")
    assert duties[f"returns:{HEALTH}"].state(today) is DutyState.DONE
    assert duties[f"returns:{ECON}"].done == D("2027-01-08")
    assert duties[f"returns:{ECON}"].state(today) is DutyState.DONE
    assert duties[f"returns:{MOJ}"].state(today) is DutyState.DONE_LATE
    # ¶4 10 February 2027 (Wednesday); ¶5 25 February 2027 (Thursday).
    assert duties["to-go"].due == D("2027-02-10")
    assert duties["to-pa"].due == D("2027-02-25")
    # ¶6 15 wd from 25 February: 26 Feb, 1-5 Mar, 9-12 Mar, 16-19 Mar, 25 Mar (8, 15, 22-24 off).
    assert duties["to-president"].due == D("2027-03-25")
    assert duties["to-president"].state(D("2027-03-26")) is DutyState.LATE

    # Appendix 6, generated: its figures are the returns'.
    summary = treaties.consolidation(s, mfa, 2026, today)
    returns = treaties.returns_of(s, mfa, 2026)
    assert len(returns) == 4
    assert summary.total == 4
    assert summary.in_force == 3
    assert summary.signed_not_in_force == 1
    assert summary.by_form == {1: 1, 2: 1, 3: 1, 4: 1}
    assert summary.proposals == {"CONTINUE": 1, "EXTEND": 1, "OTHER": 1}
    assert summary.missing == []
    rows = {r["treaty"]: r for r in summary.in_force_rows}
    assert rows[n["trade"]]["counterparty"] == returns[1].fields["states_parties"]
    assert rows[n["loan"]]["counterparty"] == returns[2].fields["donor"]
    assert rows[n["health"]]["assessment"] == "Assessment health"
    assert {p["treaty"]: p["problems"] for p in summary.problems} == {
        r.treaty.number: r.fields.get("problems") or r.fields["procedure_problems"] for r in returns
    }
    late = {entry.body: entry.late for entry in summary.lateness}
    assert late == {ECON: False, HEALTH: False, MOJ: True}
    # MFA's own parts of Appendix 6 (1.3 and ¶4's attachments); a body may not write them.
    with pytest.raises(Forbidden):
        act(treaties.conclude, s, health, year=2026, conclusions="x", recommendations="")
    act(treaties.conclude, s, mfa, year=2026, conclusions="Implementation is on track.",
        recommendations="WHO recommendation of 2026")  # fmt: skip
    concluded = treaties.consolidation(s, mfa, 2026, today)
    assert concluded.conclusions == "Implementation is on track."
    assert concluded.recommendations == "WHO recommendation of 2026"
    # Who was late is visible to auditors too; an agency sees only its own returns.
    assert treaties.consolidation(s, auditor, 2026, today).lateness == concluded.lateness
    with pytest.raises(Forbidden):
        treaties.consolidation(s, health, 2026, today)
    assert [r.body for r in treaties.returns_of(s, health, 2026)] == [HEALTH]

    # The XML of a return is the form's; MFA's row is kept beside it, not in what the body signs.
    xml = returns[0].xml
    assert 'form="1"' in xml
    assert "mfa_assessment" not in xml
    assert "<proposal>EXTEND</proposal>" in xml
    # The body signs its return as letters are signed; the verifier passes it.
    with pytest.raises(Forbidden):
        act(treaties.sign_return, s, econ, year=2026, treaty_number=n["health"],
            passphrase=SIGNING_PASSPHRASE)  # fmt: skip
    signed = act(treaties.sign_return, s, health, year=2026, treaty_number=n["health"],
                 passphrase=SIGNING_PASSPHRASE)  # fmt: skip
    assert signed.signed_by
    assert signed.signed_by[0]["agency"] == HEALTH
    result = verify_letter(signed.xml.encode(), trust_store(s), at=utcnow())
    assert result.passed
    assert "urn:arna:treaty-return:1" in signed.xml
    # Every action is in the custody log, the refused one too.
    actions = [decode_leaf(leaf).action for _i, leaf in letter_entries(s, n["health"])]
    assert actions == [
        "treaty:registered",
        "treaty:return-filed",
        "treaty:assessed",
        "treaty:return-signed-refused",  # MINECON's attempt
        "treaty:return-signed",
    ]


def test_returns_are_checked_as_the_schema_checks_them(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    mfa, health, econ = (
        principal("clerk.mfa"),
        principal("officer.minhealth"),
        principal("officer.minecon"),
    )
    n = _register(s, mfa)
    with pytest.raises(Conflict, match="not opened"):
        act(treaties.file_return, s, health, year=2026, treaty_number=n["health"],
            values=sample_values(1), day=D("2027-01-05"))  # fmt: skip
    act(treaties.open_cycle, s, mfa, 2026)
    bad = sample_values(3, disbursed_percent="120", events_done="-1", proposal="OTHER")
    del bad["donor"]
    with pytest.raises(Invalid) as refused:
        act(treaties.file_return, s, econ, year=2026, treaty_number=n["loan"], values=bad,
            day=D("2027-01-05"))  # fmt: skip
    details = " | ".join(refused.value.details)
    for fault in ("donor: required", "disbursed_percent:", "events_done:", "proposal_other:"):
        assert fault in details
    with pytest.raises(Forbidden, match="filed by AGENCY:MINECON"):
        act(treaties.file_return, s, health, year=2026, treaty_number=n["trade"],
            values=sample_values(2), day=D("2027-01-05"))  # fmt: skip
    with pytest.raises(Forbidden):
        act(treaties.register_treaty, s, health, title="x", kind="bilateral", status="signed",
            concluded_on=D("2020-01-01"), responsible=[HEALTH])  # fmt: skip
    with pytest.raises(Invalid, match="consolidating"):
        act(treaties.register_treaty, s, mfa, title="x", kind="bilateral", status="signed",
            concluded_on=D("2020-01-01"), responsible=[HEALTH, ECON])  # fmt: skip


def test_xlsx_round_trip_loses_no_field(
    service_session: Session, principal: Callable[[str], Principal]
) -> None:
    s = service_session
    mfa, econ = principal("clerk.mfa"), principal("officer.minecon")
    n = _register(s, mfa)
    act(treaties.open_cycle, s, mfa, 2026)
    values = {
        "trade": sample_values(2, analysis="Көп жолды\nмәтін; «тырнақша»", proposal="OTHER",
                               proposal_other="Protocol to amend"),
        "loan": sample_values(3, restructuring="2024-03-01: rescheduled", hedging="—"),
    }  # fmt: skip
    for key, form_values in values.items():
        act(treaties.file_return, s, econ, year=2026, treaty_number=n[key], values=form_values,
            day=D("2027-01-06"))  # fmt: skip
    exported = xlsx.export_returns(treaties.returns_of(s, econ, 2026))
    sheets = xlsx.import_returns(exported)
    assert [(sh.treaty, sh.year, sh.form, sh.body) for sh in sheets] == [
        (n["trade"], 2026, 2, ECON),
        (n["loan"], 2026, 3, ECON),
    ]
    for sheet, key in zip(sheets, values, strict=True):
        assert sheet.values == values[key]
    # Imported into another year's cycle, the same workbook files the same returns.
    act(treaties.open_cycle, s, mfa, 2027)
    again = xlsx.export_returns(treaties.returns_of(s, econ, 2026))
    relabelled = [
        xlsx.SheetReturn(sh.treaty, 2027, sh.form, sh.body, sh.values)
        for sh in xlsx.import_returns(again)
    ]
    for sheet in relabelled:
        act(treaties.file_return, s, econ, year=sheet.year, treaty_number=sheet.treaty,
            values=sheet.values, day=D("2028-01-05"))  # fmt: skip
    assert [r.fields for r in treaties.returns_of(s, econ, 2027)] == list(values.values())
    with pytest.raises(Invalid, match="workbook"):
        act(treaties.import_returns, s, econ, b"not a workbook", D("2028-01-05"))
