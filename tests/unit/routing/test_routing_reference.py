"""docs/rules.md is generated from the rules table and must be current."""

from __future__ import annotations

import re

from routing.kinds import KINDS
from routing.reference import DOC_PATH, main, render
from routing.rules import RULES

PARAGRAPH = re.compile(r"¶\d+(-\d+)?")


def test_docs_rules_md_is_up_to_date() -> None:
    assert DOC_PATH.read_text(encoding="utf-8") == render(), "run: python -m routing.reference"


def test_check_mode_reports_up_to_date() -> None:
    assert main(["--check"]) == 0


def test_every_kind_and_rule_is_in_the_reference() -> None:
    text = render()
    for name in KINDS:
        assert f"## `{name}`" in text
    for rule in RULES:
        assert rule.summary in text


def test_every_rule_cites_paragraphs_of_the_rules() -> None:
    for rule in RULES:
        assert rule.rules
        cited = [*rule.rules, *(s.rule for s in rule.steps), *(c.rule for c in rule.checks)]
        if rule.direct is not None:
            cited.append(rule.direct.rule)
        for ref in cited:
            assert PARAGRAPH.fullmatch(ref), (rule.kind, ref)
