"""Render docs/rules.md, the human-readable rules reference, from the rules table.

    python -m routing.reference           # rewrite docs/rules.md
    python -m routing.reference --check   # exit 1 if docs/rules.md is stale

The reference is generated so that what an MFA lawyer reviews is exactly what
the planner applies; tests/unit/routing fails when the file is out of date.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from routing.calendar_data import KURBAN_AIT, TRANSFER_YEARS, TRANSFERS
from routing.chain_rules import CHAINS, DAY_OFF_READING
from routing.high_level import PARAGRAPH_27_READING
from routing.history import HISTORY
from routing.kinds import KINDS
from routing.rules import (
    ANY,
    ANY_RECIPIENT,
    CENTRAL,
    EXEMPT,
    RECIPIENT,
    RULES,
    SENDER,
    STATE,
    URGENT_DAYS,
    DirectPolicy,
    RouteRule,
    StepRule,
    paragraph_order,
)

DOC_PATH: Final = Path(__file__).resolve().parent.parent / "docs" / "rules.md"
SENDERS: Final = {
    ANY: "any body the kind admits",
    CENTRAL: "a central state body of ¶1 (MFA, MOJ, MTI, AGENCY:<ID>; not SUPREME_COURT)",
    EXEMPT: "PA or GO (¶50: Chapter 6 does not apply)",
    STATE: "a central state body, PA or GO (not SUPREME_COURT)",
}
#: Where this service reads the Kazakh text one way among several: for an MFA lawyer to confirm.
READINGS: Final = (
    "Point in time: the seed holds only the current wording, so each paragraph is modelled "
    "from its latest «Ескерту» note (new wording, addition or amendment); an amendment "
    "(«өзгеріс енгізілді») may have left the routing unchanged, in which case the modelled "
    "period could start earlier (¶36 from 18.05.2015, ¶40 from 27.02.2021, ¶50 from "
    "14.01.2016).",
    "Decree No. 195 of 13.04.2023 takes effect «алғашқы ресми жарияланған күнінен бастап» "
    "(from its first official publication); the publication day is not in the text, so "
    "13.04.2023 stands for it (¶40, ¶50).",
    "¶1 (the definition of central state bodies) is applied on every date; its wording of "
    "13.04.2023 is taken as not changing who is a central state body.",
    "¶37 part 2 / ¶40 part 2: MFA's own reply or application to the EAEU Court also goes to "
    "MOJ («Әділет министрлігіне жіберіледі», whoever prepared it): MFA → MOJ → MFA → Court.",
    "¶38: the Supreme Court's judicial-practice reply travels as ¶37 part 1 says (through "
    "MFA), with no MOJ leg even for the EAEU Court; ¶38 itself names no route.",
    "¶40: the initiator's 20 wd to obtain agreement has no start in the text; counted from "
    "the draft application's date (the envelope's `date`).",
    "¶36: the addressees' 10 wd has no start in the text; counted from each one's receipt.",
    "¶44: a ratified treaty is not a basis unless it is in force («күшіне енген … "
    "халықаралық шарттарында»); record such a treaty as `treaty-in-force`.",
    "¶44 and incoming mail: official correspondence is an exchange, so a foreign body's note "
    "or letter reaches a central state body through MFA; the Rules give no deadline for "
    "passing it on or answering it.",
    "¶14-8: «хабарламалардың … тілінде» is read as the language, so a reply tagged `en-GB` "
    "answers a communication in `en`.",
    "¶1 / ¶44: the Supreme Court's letters to foreign bodies other than courts are routed by "
    "no paragraph; the plan allows them as addressed, citing nothing, with a note.",
    "A letter dated before its rule was in force (or while only an earlier wording not held "
    "in the text applied) is allowed as addressed with a note, not refused: the Rules did "
    "not forbid it.",
    "¶14-8 publication: the 10 wd run from OHCHR's publication of each communication and "
    "each reply (the chain API in routing/special_procedure.py), not from MFA's reply.",
    "Chains of Chapters 2, 4 and 6 keep the wording in force on the day the chain started "
    "(MFA's receipt of the decision, the event's end, the report's trigger) for every later "
    "step, as a letter keeps the Rules of its date; the text does not say whether a chain "
    "under way moves to an amended wording.",
    "¶10, ¶30: no «Ескерту» note, so their wording is taken as the original of 12.08.2010.",
    "¶32-1: Decree No. 429 of 03.01.2024 takes effect after its first publication (date "
    "not in the text, 03.01.2024 stands for it); Decree No. 779, signed 12.02.2025, takes "
    "effect from 06.01.2025 («06.01.2025 бастап қолданысқа енгізіледі»), so the modelled "
    "wording applies from 06.01.2025.",
    "¶2: one return per treaty (not one table for all), on the Appendix its kind and status "
    "give, made by the responsible body marked consolidating; a loan treaty signed and not in "
    "force is reported on Appendix 4 (one lender). The reporting year is the year reported "
    "on: the returns on 2026 are due 10 January 2027.",
    "Chapter 3: «кемінде N … бұрын» (at least N before E) makes E − N the latest lawful day; "
    "working days before E are counted backwards on the Kazakhstan calendar; E is the "
    "event's first day, and «кейін» (after) counts from its last day.",
    "¶25: the Government meetings are anchored to the actual submission of the concept and "
    "the package (to the deadline until then) and are held no later than 1 and 2 wd before "
    "it (at least, not exactly).",
    PARAGRAPH_27_READING,
    "Appendices 1–5 (xml_schemas/appendix-N.xsd, rendered from "
    "registry/services/treaties/forms.py): App.3 row 18(3) is a count and its reasons; row "
    "19(1) «20__ж.__ ____ жағдай бойынша … игерілді» is a date and an amount; rows 20(2)–(3) "
    "(MINFIN's and the Supreme Audit Chamber's external assessments) may be empty on 10 "
    "January; the foreign-policy assessment row is MFA's and absent from a body's return; the "
    "responsible-body row comes from the treaty register, the consolidating body marked.",
    "Appendix 6 is generated from the year's returns: 1.1 the totals and the treaties in force "
    "(date of conclusion, counterparty = states parties or donor, areas = subject of "
    "regulation), 1.2 each return's problems, 1.3 the tally of proposals, 2. every treaty of "
    "the register with its status and whether its return came; MFA adds its assessments.",
)


def _party(code: str) -> str:
    return {SENDER: "sender", RECIPIENT: "recipient", ANY_RECIPIENT: "addressee"}.get(
        code, f"`{code}`"
    )


def _parties(codes: Iterable[str]) -> str:
    return ", ".join(_party(code) for code in codes)


def _route(rule: RouteRule) -> str:
    return " → ".join(["sender", *(_party(v) for v in rule.via), "recipient"])


def _direct(policy: DirectPolicy | None, rule: RouteRule) -> str:
    if not rule.via:
        return "already direct"
    if policy is None:
        return "not available"
    if policy.unconditional:
        return f"on request, no reason needed ({policy.rule})"
    if not policy.legal_bases and not policy.urgent:
        return f"never ({policy.rule})"
    accepted = ", ".join(f"`{kind}`" for kind in sorted(policy.legal_bases))
    text = f"with a recorded legal basis: {accepted}"
    if policy.urgent:
        text += (
            f"; or if the matter is needed within {URGENT_DAYS} calendar days of the "
            "letter's date, MFA then to be notified after sending"
        )
    return f"{text} ({policy.rule})"


def _step(step: StepRule) -> str:
    if step.within_wd is not None:
        origin = "receipt" if step.origin == "receipt" else "sending"
        when = f"within {step.within_wd} wd of {origin}"
    elif step.before_send_wd:
        when = f"at least {step.before_send_wd} wd before sending"
    elif step.before_send_wd == 0:
        when = "before sending"
    else:
        when = f"by the envelope's `{step.due_field}`"
    if step.route_only:
        when += " (when on the route)"
    return f"{_parties(step.by)} → {_parties(step.to)}: {step.what}, {when} ({step.rule})"


def _cell(lines: list[str]) -> str:
    return "<br>".join(lines) if lines else "—"


HEADER: Final = (
    "| recipient | in force | sender | route | direct send | copies | deadlines | conditions | ¶ |",
    "|---|---|---|---|---|---|---|---|---|",
)


def _period(rule: RouteRule) -> str:
    since = f"{rule.since:%d.%m.%Y}"
    return f"{since} – {rule.until:%d.%m.%Y}" if rule.until else f"from {since}"


def _row(rule: RouteRule) -> str:
    summary = f"{rule.summary}; note: {rule.note}" if rule.note else rule.summary
    cells = [
        f"{_parties(rule.recipients)}<br>*{summary}*",
        _period(rule),
        SENDERS[rule.senders],
        _route(rule),
        _direct(rule.direct, rule),
        _parties(rule.copies) if rule.copies else "—",
        _cell([_step(step) for step in rule.steps]),
        _cell([f"{check.what} ({check.rule})" for check in rule.checks]),
        ", ".join(rule.rules),
    ]
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _calendar() -> list[str]:
    lines = [
        "## Working-day calendar",
        "",
        "Working days exclude weekends, public holidays, holidays carried over from a "
        "weekend to the next working day (not Orthodox Christmas or Kurban ait), and the "
        "days off transferred by the executive; a transferred weekend day is worked. "
        "Holidays and carry-overs come from the `holidays` package; the transfers below are "
        "also kept in `routing/calendar_data.py` and a test fails when the two disagree.",
        "",
        "| day off | worked instead | source |",
        "|---|---|---|",
        *(
            f"| {t.day_off.isoformat()} | {t.working_day.isoformat()} | {t.source} |"
            for t in TRANSFERS
        ),
        "",
        *(f"- {year}: {note}" for year, note in sorted(TRANSFER_YEARS.items())),
        *(
            f"- first day of Kurban ait {year}: {day.isoformat()} ({source})"
            for year, (day, source) in sorted(KURBAN_AIT.items())
        ),
        "",
    ]
    return lines


def _history() -> list[str]:
    lines = [
        "## History of the paragraphs applied",
        "",
        "From the «Ескерту» notes of the Kazakh text. The text holds only the current "
        "wording: a paragraph is applied from its last note; before that and after its "
        "addition it stood in a wording not held here (not modelled); before its addition "
        "it did not exist. A letter is planned under the Rules in force on its `date`; "
        "where no rule applied, the plan is allowed, cites no ¶, owes nothing and its "
        "`note` says why (docs/route-plan-additions.md). A chain of Chapters 2, 4 and 6 keeps "
        "the Rules in force on the day it started (MFA's receipt of the decision, the "
        "event's end, the report's trigger): a duty whose ¶ then stood in another wording, "
        "or did not yet exist, keeps no date (open, never late) and its `note` says why "
        "(routing.history.as_of). Paragraphs not listed are applied on every date.",
        "",
        "| ¶ | history | modelled from |",
        "|---|---|---|",
    ]
    for ref in sorted(HISTORY, key=paragraph_order):
        history = HISTORY[ref]
        events = "<br>".join(a.describe() for a in history.amendments)
        lines.append(f"| {ref} | {events} | {history.modelled_from:%d.%m.%Y} |")
    return [*lines, ""]


def _chains() -> list[str]:
    lines = [
        "## Chains of Chapters 1, 2, 3, 4 and 6",
        "",
        "Dated by the chain engines from what happened (services: rule files). " + DAY_OFF_READING,
        "",
    ]
    for title, rules in CHAINS:
        lines += [
            f"### {title}",
            "",
            "| ¶ | who | duty | deadline | the Kazakh text | reading |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.ref} | {r.who} | {r.duty} | {r.deadline} | «{r.phrase}» | {r.reading or '—'} |"
            for r in rules
        ]
        lines.append("")
    return lines


def _readings() -> list[str]:
    return ["## Readings a lawyer should confirm", "", *(f"- {r}" for r in READINGS), ""]


def render() -> str:
    """The whole of docs/rules.md."""
    lines = [
        "# Routing rules reference",
        "",
        "<!-- Generated by `python -m routing.reference` from routing/rules.py; do not edit. -->",
        "",
        "What the planner (`python -m routing plan FILE`) applies, per letter kind and "
        "recipient. ¶ are those of the Rules approved by Decree No. 1037; wd = working "
        'days of the Republic of Kazakhstan. "sender" and "recipient" are the '
        "envelope's; nobody owes a step to itself, and a step with nobody left to "
        "address is dropped. A deadline's date is given in the plan where the "
        "envelope's dates make it known (`date` for receipt by the sender, "
        "`planned_send_date` for sending); a date that falls on a day off moves to a "
        "working day.",
        "",
    ]
    for name, spec in KINDS.items():
        lines += [
            f"## `{name}` ({spec.paragraphs})",
            "",
            spec.title[0].upper() + spec.title[1:] + ".",
            "",
        ]
        lines += [f"Sender: {spec.senders.describe}. Recipient: {spec.recipients.describe}.", ""]
        if spec.incoming:
            lines += [
                "Here the first column names the foreign sender and the sender column the "
                "class of the receiving body.",
                "",
            ]
        if spec.required:
            lines += ["Required fields: " + ", ".join(f"`{f}`" for f in spec.required) + ".", ""]
        lines += [*HEADER, *(_row(rule) for rule in RULES if rule.kind == name), ""]
    lines += _chains()
    lines += _history()
    lines += _readings()
    lines += _calendar()
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write docs/rules.md, or with --check report whether it is up to date."""
    parser = argparse.ArgumentParser(prog="python -m routing.reference", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/rules.md is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
        if current != text:
            print(f"{DOC_PATH} is stale: run python -m routing.reference", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
