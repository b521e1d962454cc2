"""python -m routing (contracts/route-plan.md): output, exit codes 0/3/2, one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from routing.__main__ import main
from routing.envelope import parse_envelope
from routing.planner import plan
from signing.letter import build_letter, letter_to_envelope
from signing.xmlparse import parse_xml

ROOT = Path(__file__).parents[3]
EXAMPLES = sorted((ROOT / "xml_schemas" / "examples").glob("*.xml"))
ENVELOPE: dict[str, Any] = {
    "kind": "foreign-letter",
    "sender": "AGENCY:MINHEALTH",
    "recipient": "DIPLOMATIC_MISSION",
    "date": "2026-03-19",
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_json(tmp_path: Path, data: Any, name: str = "envelope.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_xml_example_plans_like_its_json_envelope(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both ways: the XML letter and its envelope as JSON give the same plan and status."""
    envelope = letter_to_envelope(parse_xml(example.read_bytes()))
    expected = plan(parse_envelope(envelope)).to_dict()
    code_xml, out_xml, err_xml = run(capsys, "plan", str(example))
    code_json, out_json, _ = run(capsys, "plan", write_json(tmp_path, envelope))
    assert err_xml == ""
    assert json.loads(out_xml) == json.loads(out_json) == expected
    assert code_xml == code_json == (0 if expected["allowed"] else 3)


def test_every_example_is_allowed(capsys: pytest.CaptureFixture[str]) -> None:
    """The signing helper's examples are letters the Rules allow (a disagreement is a bug)."""
    for example in EXAMPLES:
        assert run(capsys, "plan", str(example))[0] == 0, example.name


def test_built_letter_round_trips_through_the_planner(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = {**ENVELOPE, "send": "direct"}  # refused: ¶44 needs a reason
    letter = tmp_path / "letter.xml"
    letter.write_bytes(
        build_letter(data, registry_number="MINHEALTH-2026-000001", subject="s", body="b")
    )
    code, out, err = run(capsys, "plan", str(letter))
    assert code == 3
    assert json.loads(out)["refusal"]["rule"] == "¶44"
    assert err == ""


def test_refused_plan_is_printed_with_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "plan", write_json(tmp_path, {**ENVELOPE, "send": "direct"}))
    assert code == 3
    printed = json.loads(out)
    assert printed["allowed"] is False
    assert printed["refusal"]["rule"] == "¶44"


INVALID: list[tuple[str, bytes, str]] = [
    ("unknown-field", json.dumps({**ENVELOPE, "colour": "red"}).encode(), "colour"),
    ("bad-kind", json.dumps({**ENVELOPE, "kind": "memo"}).encode(), "kind"),
    ("bad-date", json.dumps({**ENVELOPE, "date": "2026-02-30"}).encode(), "date"),
    ("date-outside-calendar", json.dumps({**ENVELOPE, "date": "1999-12-31"}).encode(), "date"),
    ("duplicate-field", b'{"kind": "foreign-letter", "kind": "court-reply"}', "kind"),
    ("not-json", b"{kind: foreign-letter}", "envelope"),
    ("not-an-object", b"[]", "envelope"),
    ("not-utf8", b'{"kind": "\xff"}', "envelope"),
]


@pytest.mark.parametrize(("data", "field"), [r[1:] for r in INVALID], ids=[r[0] for r in INVALID])
def test_invalid_json_is_one_line_naming_the_field(
    data: bytes, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    code, out, err = run(capsys, "plan", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert f"{field}: " in err


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"<letter", "XML"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', "XML"),
        (b'<letter xmlns="urn:arna:letter:1" version="1"><header/></letter>', "letter"),
    ],
    ids=["malformed", "dtd", "not-a-letter"],
)
def test_invalid_xml_is_exit_2(
    data: bytes, needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(data)
    code, out, err = run(capsys, "plan", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert needle in err


def test_xml_letter_with_an_invalid_envelope_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The schema admits the text; the planner's envelope check names the field."""
    source = (ROOT / "xml_schemas" / "examples" / "foreign-letter.xml").read_bytes()
    path = tmp_path / "letter.xml"
    path.write_bytes(source.replace(b"<recipient>DIPLOMATIC_MISSION<", b"<recipient>MFA<"))
    code, out, err = run(capsys, "plan", str(path))
    assert code == 2
    assert out == ""
    assert "recipient: " in err


def test_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "plan", str(tmp_path / "absent.json"))
    assert (code, out) == (2, "")
    assert "FILE: " in err


@pytest.mark.parametrize(
    ("argv", "printed"),
    [
        (("add", "2026-03-20", "1"), "2026-03-26"),
        (("add", "2026-03-26", "-1"), "2026-03-20"),
        (("add", "2026-03-21", "0"), "2026-03-21"),
        (("add", "2026-05-04", "-10"), "2026-04-17"),
        (("count", "2026-03-19", "2026-03-31"), "5"),
        (("count", "2026-03-31", "2026-03-19"), "-5"),
    ],
)
def test_workdays(argv: tuple[str, ...], printed: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "workdays", *argv) == (0, printed + "\n", "")


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (("add", "2026-3-20", "1"), "DATE"),
        (("add", "20260320", "1"), "DATE"),
        (("add", "2026-03-20", "one"), "N"),
        (("add", "2060-12-31", "1"), "N"),
        (("count", "2026-03-19", "tomorrow"), "TO"),
        (("count", "1999-12-31", "2026-03-19"), "FROM"),
    ],
)
def test_workdays_invalid(
    argv: tuple[str, ...], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "workdays", *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {field}: ")
    assert err.count("\n") == 1


def test_usage_error_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["workdays", "subtract", "2026-03-19", "1"])
    assert caught.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_as_a_program(tmp_path: Path) -> None:
    """The real entry point, once per exit status."""
    allowed = write_json(tmp_path, ENVELOPE, "allowed.json")
    refused = write_json(tmp_path, {**ENVELOPE, "send": "direct"}, "refused.json")
    invalid = write_json(tmp_path, {**ENVELOPE, "sender": "nobody"}, "invalid.json")
    statuses = []
    for path in (allowed, refused, invalid):
        done = subprocess.run(
            [sys.executable, "-m", "routing", "plan", path],
            capture_output=True,
            cwd=ROOT,
            check=False,
        )
        statuses.append(done.returncode)
        if done.returncode != 2:
            assert "¶44" in json.loads(done.stdout.decode("utf-8"))["rules"]
        else:
            assert done.stdout == b""
            assert done.stderr.decode().startswith("error: sender: ")
    assert statuses == [0, 3, 2]
