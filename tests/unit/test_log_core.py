"""Pure pieces of the log features: how events read, the q parser, stream bodies, alert rules."""

import json
import sqlite3

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import streamformat as fmt
from phonemfa.core.alerts import DEFAULT_RULES, AlertRule, Observation, decide, validate
from phonemfa.core.events import Event
from phonemfa.core.eventview import (
    EventFilter,
    event_channel,
    event_country,
    event_reason,
    summary,
)
from phonemfa.core.logquery import InvalidQuery, compile_query
from phonemfa.errors import ValidationError


def event(type="gd_send_sms", **details):
    return Event(
        id=7,
        date="2026-01-01T10:11:12.000Z",
        type=type,
        description="MFA SMS sent",
        user_id="auth0|alice",
        details=details,
    )


def test_channel_country_and_reason_from_the_engines_details():
    engine_style = event(
        "gd_start_enroll_failed",
        authenticator={
            "type": "voice",
            "phone_number": "+4\u2022\u2022\u2022\u2022\u2022\u2022\u20226789",
        },
        failure_details={"errorCode": "invalid_phone_number", "message": "Refused."},
        trail=[{"step": "phone", "ok": True, "detail": "...", "data": {"region": "de"}}],
    )
    assert event_channel(engine_style) == "voice"
    assert event_country(engine_style) == "DE"
    assert event_reason(engine_style) == "gd_start_enroll_failed · invalid_phone_number"
    assert event_channel(event("gd_send_voice_failure")) == "voice"
    assert event_country(event(region="fr")) == "FR"
    assert event_reason(event("limit_mu")) == "limit_mu"


def test_summary_keeps_the_scanned_columns_first():
    line = summary(
        event(
            region="US",
            delivery_method="sms",
            phone_number="+1\u2022\u2022\u2022\u2022\u2022\u2022\u20220123",
        )
    )
    assert line.startswith("10:11:12 SENT     gd_send_sms            auth0|alice      US sms")
    assert line.endswith("MFA SMS sent +1\u2022\u2022\u2022\u2022\u2022\u2022\u20220123")


def test_filter_matches_each_field():
    sms = event(region="US", provider_error={"errorCode": "30007", "message": "Carrier filtered"})
    assert EventFilter().matches(sms) and not EventFilter().active
    assert EventFilter(kind="sent").matches(sms)
    assert EventFilter(kind="gd_send_sms").matches(sms)
    assert not EventFilter(kind="failed").matches(sms)
    assert EventFilter(user="ALICE").matches(sms)
    assert EventFilter(country="us").matches(sms) and not EventFilter(country="FR").matches(sms)
    assert EventFilter(channel="sms").matches(sms) and not EventFilter(channel="voice").matches(sms)
    assert EventFilter(text="carrier").matches(sms) and not EventFilter(text="nope").matches(sms)


@given(st.text(max_size=80))
def test_any_query_either_compiles_or_is_refused_in_words(q):
    try:
        condition = compile_query(q)
    except InvalidQuery as exc:
        assert exc.code == "invalid_query_string" and exc.message.startswith("Invalid query string")
        return
    # What compiles is valid SQL over the events table.
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE events (id, ts, type, user_id, ip, user_name, client_id, client_name, description)"
    )
    conn.execute(f"SELECT id FROM events WHERE {condition.sql}", condition.params)


def test_query_parameters_never_become_sql():
    condition = compile_query('user_id:"x\' OR 1=1 --"')
    assert condition.sql == "user_id = ?" and condition.params == ("x' OR 1=1 --",)


def test_bodies_per_format():
    events = [
        event(),
        Event(id=8, date="2026-01-01T10:11:13.000Z", type="limit_mu", description="d"),
    ]
    lines = fmt.bodies(events, "JSONLINES")
    assert len(lines) == 1 and [json.loads(x)["log_id"] for x in lines[0].splitlines()] == [
        "900000000000000000000007",
        "900000000000000000000008",
    ]
    [array] = fmt.bodies(events, "JSONARRAY")
    assert [r["data"]["type"] for r in json.loads(array)] == ["gd_send_sms", "limit_mu"]
    objects = fmt.bodies(events, "JSONOBJECT")
    assert [json.loads(b)["log_id"] for b in objects] == [
        "900000000000000000000007",
        "900000000000000000000008",
    ]


def test_stream_filters():
    filters = fmt.filters_from_names(["failed", "limit_mu", "failed"])
    assert [f.to_json() for f in filters] == [
        {"type": "category", "name": "failed"},
        {"type": "type", "name": "limit_mu"},
    ]
    assert fmt.accepts(filters, event("limit_mu")) and not fmt.accepts(filters, event())
    with pytest.raises(ValidationError):
        fmt.parse_filters([{"type": "category", "name": "auth.login.fail"}])
    with pytest.raises(ValidationError):
        fmt.parse_filters("sent")


def test_spike_decision_against_the_usual_rate():
    rule = DEFAULT_RULES[0]
    assert decide(rule, Observation(observed=19, expected=0)) is None  # under the minimum
    assert decide(rule, Observation(observed=30, expected=12)) is None  # under 3× usual
    fired = decide(rule, Observation(observed=37, expected=12))
    assert fired.message == "SMS sends spike: 37 gd_send_sms in 5 minutes; usually 12.0 (limit 36)"
    assert fired.details["expected"] == 12


def test_every_default_rule_is_valid():
    for rule in DEFAULT_RULES:
        assert validate(rule) == rule
    with pytest.raises(ValidationError):
        validate(AlertRule("alr_x", "x", "failure_ratio", (), 100, 300))
