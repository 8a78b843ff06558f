"""Scenario files: what a replay accepts, and how it refuses what it cannot play."""

from __future__ import annotations

import pytest

from phonemfa.core.scenarios import ScenarioError, load_scenario, parse_scenario
from phonemfa.service.replay import bundled_scenarios, scenario_path, wrong_code, wrong_recovery


def test_header_and_requests():
    scenario = parse_scenario(
        '{"scenario": "Tiny", "description": "Two requests."}\n'
        "\n"
        '{"at": 0, "op": "enroll", "user": "u", "phone": "+14155550123", "channel": "voice",'
        ' "ip": "203.0.113.1", "language": "fr", "user_agent": "curl"}\n'
        '{"at": 12.5, "op": "verify", "user": "u", "code": "right"}\n'
    )
    assert (scenario.name, scenario.description, scenario.duration) == (
        "Tiny",
        "Two requests.",
        12.5,
    )
    first, second = scenario.requests
    assert (first.line, first.op, first.channel, first.language) == (3, "enroll", "voice", "fr")
    assert (second.op, second.code, second.at) == ("verify", "right", 12.5)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "no requests"),
        ("not json", "Line 1: not JSON"),
        ("[1]", "Line 1: a request is a JSON object"),
        ('{"at": -1, "op": "enroll", "user": "u", "phone": "+1"}', "Line 1: at must be seconds"),
        ('{"at": true, "op": "enroll", "user": "u", "phone": "+1"}', "at must be seconds"),
        ('{"at": 0, "op": "dance", "user": "u"}', "op must be one of enroll"),
        ('{"at": 0, "op": "enroll", "phone": "+1"}', "every request names its user"),
        ('{"at": 0, "op": "enroll", "user": "u"}', "enroll needs a phone"),
        ('{"at": 0, "op": "verify", "user": "u"}', "verify needs a code"),
        (
            '{"at": 0, "op": "challenge", "user": "u", "channel": "fax"}',
            "channel must be sms or voice",
        ),
        ('{"at": 0, "op": "challenge", "user": "u", "when": 1}', "unknown field when"),
        ('{"at": 0, "op": "challenge", "user": 5}', "user must be a text"),
        (
            '{"at": 5, "op": "challenge", "user": "u"}\n{"at": 1, "op": "challenge", "user": "u"}',
            "Line 2: at=1 goes back in time",
        ),
    ],
)
def test_refusals_name_the_line(text, words):
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text)
    assert words in str(caught.value)


def test_files(tmp_path):
    with pytest.raises(ScenarioError, match="No scenario file"):
        load_scenario(tmp_path / "missing.jsonl")
    (tmp_path / "bad.jsonl").write_bytes(b"\xff\xfe")
    with pytest.raises(ScenarioError, match="cannot be read"):
        load_scenario(tmp_path / "bad.jsonl")
    with pytest.raises(ScenarioError, match="bundled scenarios: code_guessing, normal_day"):
        scenario_path("no_such_scenario")
    for path in bundled_scenarios().values():
        assert load_scenario(path).requests  # every shipped file parses


def test_wrong_codes_are_never_right():
    for right in ("000000", "999999", "123456", "0000"):
        wrong = wrong_code(right, len(right))
        assert len(wrong) == len(right) and wrong != right and wrong.isdigit()
    assert wrong_code(None, 6) == "000000"
    code = "N3BGPZZWJ85JLCNPZBDW6QXC"
    assert wrong_recovery(code) != code and len(wrong_recovery(code)) == 24
