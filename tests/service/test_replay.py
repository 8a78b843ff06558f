"""Replays of the bundled scenarios through the service: the summary figures, simulated events,
the simulated clock, and never a real provider unless asked."""

from __future__ import annotations

import json
import threading

import pytest

from phonemfa.core.scenarios import load_scenario, parse_scenario
from phonemfa.errors import PhoneMfaError
from phonemfa.service.replay import bundled_scenarios, scenario_path
from tests.twilio_support import configure, isolate_env, new_fake


def replay(service, name: str, **kwargs):
    return service.replay(load_scenario(bundled_scenarios()[name]), run_tag="replay-t", **kwargs)


def test_the_bundled_scenarios():
    assert sorted(bundled_scenarios()) == ["code_guessing", "normal_day", "sms_pumping"]
    assert scenario_path("sms_pumping") == bundled_scenarios()["sms_pumping"]


def test_normal_day(demo_service, clock):
    start = clock.now()
    summary = replay(demo_service, "normal_day")
    body = summary.to_json()
    assert body["replayed"] == body["requests"] == 149 and not body["cancelled"]
    assert body["sent"] == {"total": 73, "sms": 73}
    assert body["sent_by_region"] == {"US": 26, "FR": 15, "ES": 14, "GB": 11, "DE": 7}
    assert body["accepted"] == {"enrolled": 24, "logged_in": 47, "recovered": 1}
    assert body["refused"] == {
        "total": 4,
        "code/invalid_otp": 2,
        "phone/invalid_phone_number": 1,
        "transaction/expired": 1,
    }
    assert body["blocked_ips"] == [] and body["provider"] == "simulated"
    assert body["alerts"] == []  # a normal day raises none
    # The simulated clock moved through the day; the service's own clock did not.
    assert 19 * 3600 < summary.simulated_seconds < 20 * 3600 and clock.now() == start
    last = demo_service.store.query_one("SELECT MAX(ts) AS ts FROM events")["ts"]
    assert last == pytest.approx(start + summary.simulated_seconds)


def test_sms_pumping_attack(demo_service):
    body = replay(demo_service, "sms_pumping").to_json()
    assert body["replayed"] == 374
    assert body["sent"] == {"total": 252, "sms": 252}
    assert set(body["sent_by_region"]) == {
        "SL", "GN", "LR", "SO", "TD", "GW", "ML", "KM", "MR", "CU", "TJ", "ZW",
    }  # fmt: skip
    assert body["accepted"] == {}
    assert body["refused"] == {
        "total": 122,
        "number_rules/blocked_number_types": 80,
        "ip/ip_blocked": 36,
        "user_messages/too_many_sms": 4,
        "ip/ip_limit": 2,
    }
    assert body["blocked_ips"] == ["198.51.100.7", "198.51.100.8"]
    assert {b.ip for b in demo_service.blocked_ips()} == {"198.51.100.7", "198.51.100.8"}
    # The alert rules ran on the replay's clock: both blocks and both bursts raised an alert.
    assert [a.split(":")[0] for a in body["alerts"]] == [
        "alr_sms_spike",
        "alr_ip_blocked",
        "alr_ip_blocked",
        "alr_sms_spike",
    ]
    alerts = demo_service.store.query("SELECT simulated FROM events WHERE type = 'alert'")
    assert len(alerts) == 4 and all(a["simulated"] for a in alerts)
    types = [
        r["type"] for r in demo_service.store.query("SELECT type FROM events WHERE simulated = 1")
    ]
    assert types.count("gd_send_sms") == 252 and types.count("limit_mu") == 2
    assert types.count("limit_phone") == 4


def test_code_guessing_attack(demo_service):
    body = replay(demo_service, "code_guessing").to_json()
    assert body["replayed"] == 114
    assert body["sent"] == {"total": 12, "sms": 12}
    assert body["accepted"] == {"enrolled": 1, "logged_in": 2}  # Ana, never the attacker
    assert body["refused"] == {
        "total": 99,
        "wrong_codes/too_many_failures": 75,
        "code/invalid_otp": 13,
        "transaction/expired": 8,
        "user_messages/too_many_sms": 3,
    }
    assert body["blocked_ips"] == [] and body["alerts"] == []
    exceeded = demo_service.store.query(
        "SELECT user_id, ip FROM events WHERE type = 'gd_otp_rate_limit_exceed'"
    )
    assert len(exceeded) == 75 and {e["user_id"] for e in exceeded} == {"replay-t|ana"}


def test_every_event_of_a_replay_is_simulated_and_masks_numbers(demo_service):
    before = demo_service.store.query_one("SELECT MAX(id) AS id FROM events")["id"] or 0
    summary = replay(demo_service, "normal_day")
    rows = demo_service.store.query("SELECT * FROM events WHERE id > ?", (before,))
    assert len(rows) == summary.events == 222  # no alert on a normal day
    assert all(r["simulated"] == 1 for r in rows)
    assert not any("+14155" in r["details"] for r in rows)  # numbers masked in the log
    outbox = demo_service.store.query("SELECT provider, simulated FROM messages")
    assert {(m["provider"], m["simulated"]) for m in outbox} == {("simulated", 1)}


def test_a_replay_spends_nothing_of_the_builtin_allowance(demo_service):
    replay(demo_service, "sms_pumping")
    assert demo_service.builtin_messages_used() == 0
    assert len(demo_service.inbox()) == 252  # on the virtual phones, marked simulated
    assert all(m.simulated for m in demo_service.inbox())


def test_replaying_twice_gives_the_same_figures_except_for_blocked_ips(demo_service):
    first = demo_service.replay(load_scenario(bundled_scenarios()["normal_day"]))
    second = demo_service.replay(load_scenario(bundled_scenarios()["normal_day"]))
    assert first.run != second.run  # each run has its own users
    assert first.to_json()["refused"] == second.to_json()["refused"]
    pumping = replay(demo_service, "sms_pumping")
    again = replay(demo_service, "sms_pumping")
    assert again.already_blocked == pumping.blocked_ips and again.blocked_ips == []
    assert again.refused["ip/ip_blocked"] > pumping.refused["ip/ip_blocked"]


def test_never_a_real_provider_unless_asked(demo_service, monkeypatch):
    isolate_env(monkeypatch)
    with new_fake() as fake:
        configure(demo_service, fake, monkeypatch)
        demo_service.update_settings({"provider": "twilio"}, actor="test")
        scenario = parse_scenario(
            '{"at": 0, "op": "enroll", "user": "u1", "phone": "+14155550123"}\n'
            '{"at": 5, "op": "verify", "user": "u1", "code": "right"}\n'
        )
        simulated = demo_service.replay(scenario)
        assert simulated.total_sent == 1 and simulated.accepted["enrolled"] == 1
        assert fake.requests == []
        real = demo_service.replay(scenario, real_provider=True)
        assert real.provider == "twilio" and real.accepted["enrolled"] == 1
        assert len(fake.messages) == 1  # the code was read from what Twilio was handed


def test_cancel_stops_between_requests(demo_service):
    cancel = threading.Event()
    seen = []

    def progress(step):
        seen.append(step.done)
        if step.done == 5:
            cancel.set()

    summary = demo_service.replay(
        load_scenario(bundled_scenarios()["sms_pumping"]), cancel=cancel, progress=progress
    )
    assert summary.cancelled and summary.done == 5 and seen == [1, 2, 3, 4, 5]


def test_a_paced_replay_can_be_cancelled_while_it_waits(demo_service):
    scenario = parse_scenario(
        '{"at": 0, "op": "enroll", "user": "u1", "phone": "+14155550123"}\n'
        '{"at": 3600, "op": "challenge", "user": "u1"}\n'
    )
    cancel = threading.Event()
    timer = threading.Timer(0.2, cancel.set)
    timer.start()
    summary = demo_service.replay(scenario, speed=1.0, cancel=cancel)  # an hour, at real time
    assert summary.cancelled and summary.done == 1


def test_speed_must_be_positive(demo_service):
    with pytest.raises(PhoneMfaError) as caught:
        demo_service.replay(load_scenario(bundled_scenarios()["normal_day"]), speed=0)
    assert caught.value.code == "invalid_speed"


def test_summary_lines_name_each_rule(demo_service):
    lines = replay(demo_service, "sms_pumping").lines()
    text = "\n".join(lines)
    assert 'Replayed "SMS pumping attack": 374 of 374 requests' in text
    assert "Codes sent: 252 (252 SMS)" in text
    assert "     80  number_rules/blocked_number_types  Premium-rate numbers are refused" in text
    assert "Blocked IPs: 198.51.100.7, 198.51.100.8" in lines
    assert lines[-5] == "Alerts fired: 4" and lines[-4].startswith("  alr_sms_spike: SMS sends")
    assert json.loads(json.dumps(replay(demo_service, "code_guessing").to_json()))


def test_a_country_allowlist_stops_the_whole_attack_and_not_the_normal_day(demo_service):
    demo_service.update_settings(
        {"sms_allowed_regions": ["US", "FR", "ES", "GB", "DE"]}, actor="test"
    )
    attack = replay(demo_service, "sms_pumping").to_json()
    assert attack["sent"] == {"total": 0}
    assert attack["refused"] == {
        "total": 374,
        "number_rules/sms_allowed_regions": 338,
        "number_rules/blocked_number_types": 36,  # premium numbers inside allowed countries
    }
    assert attack["blocked_ips"] == []  # refused before the IP counts a start
    day = demo_service.replay(load_scenario(bundled_scenarios()["normal_day"])).to_json()
    assert day["sent"]["total"] == 73 and day["refused"]["total"] == 4
