"""Alert rules fed with events directly (a replayed scenario does the same through the engine)."""

import pytest

from phonemfa.errors import ValidationError
from phonemfa.testing.traffic import record_ip_block, record_phone_limit, record_send
from phonemfa.testing.webhook_server import FakeWebhook
from tests.logstream.conftest import fast_loop

COUNTRIES = ["US", "FR", "DE", "GB", "ES"]


def normal_day(service, clock, *, hours=24):
    """Steady traffic: about 3 messages every 5 minutes, a failure now and then, one user who
    hits their limit. Alerts are evaluated every 5 minutes, as the loop would."""
    fired = []
    for step in range(hours * 12):
        for i in range(2 + step % 3):
            n = step * 3 + i
            record_send(
                service,
                user_id=f"auth0|user{n % 40}",
                phone=f"+1415555{n % 10000:04d}",
                region=COUNTRIES[n % len(COUNTRIES)],
                ok=n % 23 != 0,
                error_code="30003" if n % 23 == 0 else None,
            )
        if step % 60 == 30:
            record_phone_limit(service, user_id="auth0|user7")
        clock.advance(300)
        fired += service.evaluate_alerts()
    return fired


def pumping_attack(service, *, simulated=False):
    """SMS pumping: many new numbers on one premium-rate prefix abroad, from two IPs, in
    five minutes; many sends fail, and the sign-up flood gets one IP blocked."""
    for n in range(80):
        record_send(
            service,
            user_id=f"auth0|bot{n}",
            phone=f"+8823{n:06d}",
            region="XK" if n % 2 else "LV",
            ok=n % 3 != 0,
            error_code="30007" if n % 3 == 0 else None,
            ip="192.0.2.66" if n % 2 else "192.0.2.67",
            simulated=simulated,
        )
    record_ip_block(service, ip="192.0.2.66")


def test_a_normal_day_raises_no_alert(service, clock):
    assert normal_day(service, clock) == []
    assert service.open_alerts() == []


def test_pumping_after_a_normal_day_fires_the_fraud_alerts(service, clock):
    normal_day(service, clock, hours=6)
    pumping_attack(service)
    clock.advance(30)
    fired = {f.rule_id: f for f in service.evaluate_alerts()}
    assert set(fired) == {
        "alr_sms_spike",
        "alr_sms_fail_spike",
        "alr_ip_blocked",
        "alr_failure_ratio",
    }
    assert "SMS sends spike: " in fired["alr_sms_spike"].message
    alerts = [e for e in service.recent_events(50) if e.type == "alert"]
    assert len(alerts) == 4
    spike = next(e for e in alerts if e.details["rule_id"] == "alr_sms_spike")
    assert spike.details["observed"] >= 53 and spike.details["expected"] < 5
    assert not spike.simulated
    # Evaluating again in the same window does not repeat them.
    clock.advance(30)
    assert service.evaluate_alerts() == []
    assert len(service.open_alerts()) == 4


def test_acknowledging_closes_the_banner(service, clock):
    record_ip_block(service, ip="192.0.2.1")
    [firing] = service.evaluate_alerts()
    assert [a.id for a in service.open_alerts()] == [firing.id]
    assert service.acknowledge_alerts([firing.id], actor="console") == 1
    assert service.open_alerts() == []
    acknowledged = service.recent_alerts()[0]
    assert acknowledged.acknowledged_by == "console" and not acknowledged.open


def test_count_rule_fires_again_only_after_its_window(service, clock):
    record_ip_block(service, ip="192.0.2.1")
    assert len(service.evaluate_alerts()) == 1
    clock.advance(30)
    record_ip_block(service, ip="192.0.2.2")
    assert service.evaluate_alerts() == []
    clock.advance(31)
    assert [f.rule_id for f in service.evaluate_alerts()] == ["alr_ip_blocked"]


def test_usage_triggers_per_day_and_per_country(service, clock):
    service.update_alert_rule("alr_usage_day", threshold=12)
    service.update_alert_rule("alr_usage_country", threshold=8)
    for n in range(12):
        record_send(
            service, user_id=f"auth0|u{n}", phone=f"+3361234{n:04d}", region="FR" if n < 9 else "BE"
        )
    fired = service.evaluate_alerts()
    assert sorted(f.key for f in fired) == ["2026-01-01", "2026-01-01:FR"]
    country = next(f for f in fired if f.rule_id == "alr_usage_country")
    assert country.message == "Messages per country per day: 9 messages to FR today (limit 8)"
    clock.advance(3600)
    assert service.evaluate_alerts() == []  # once per day
    clock.advance(86400)
    for n in range(12):
        record_send(service, user_id=f"auth0|u{n}", phone=f"+3361234{n:04d}", region="FR")
    assert sorted(f.key for f in service.evaluate_alerts()) == ["2026-01-02", "2026-01-02:FR"]


def test_failure_ratio_needs_enough_sends(service):
    for n in range(10):
        record_send(service, user_id="auth0|u", phone="+14155550100", region="US", ok=n % 2 == 0)
    assert service.evaluate_alerts() == []  # 50% failed but only 10 sends (minimum 20)
    for n in range(10):
        record_send(service, user_id="auth0|u", phone="+14155550100", region="US", ok=False)
    fired = {f.rule_id: f for f in service.evaluate_alerts()}
    assert set(fired) == {"alr_failure_ratio", "alr_sms_fail_spike"}  # 15 failures: a spike too
    assert "75% of 20 sends failed" in fired["alr_failure_ratio"].message


def test_simulated_traffic_raises_simulated_alerts(service, clock):
    pumping_attack(service, simulated=True)
    service.update_alert_rule("alr_ip_blocked", enabled=False)
    fired = service.evaluate_alerts()
    assert fired and all(f.simulated for f in fired)
    assert all(e.simulated for e in service.recent_events(10) if e.type == "alert")


def test_disabled_rules_stay_quiet(service):
    for rule in service.alert_rules():
        service.update_alert_rule(rule.id, enabled=False)
    pumping_attack(service)
    assert service.evaluate_alerts() == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"threshold": 0}, "threshold"),
        ({"window": 5}, "window"),
        ({"types": ["gd_send_fax"]}, "Unknown event type"),
        ({"types": []}, "at least one event type"),
        ({"baseline": 60}, "baseline"),
        ({"colour": "red"}, "Cannot change"),
        ({"webhook_url": "ftp://x"}, "webhook_url"),
    ],
)
def test_bad_rule_changes_are_refused_and_change_nothing(service, changes, message):
    before = service.alert_rule("alr_sms_spike")
    with pytest.raises(ValidationError, match=message):
        service.update_alert_rule("alr_sms_spike", **changes)
    assert service.alert_rule("alr_sms_spike") == before


def test_a_firing_notifies_its_webhook_with_the_configured_authorization(service):
    with FakeWebhook() as hook:
        rule = service.update_alert_rule(
            "alr_ip_blocked",
            webhook_url=hook.url,
            webhook_authorization="Bearer pager-0123456789abcdef",
        )
        assert rule.webhook_authorization_hint == "\u2022" * 8 + "cdef"
        record_ip_block(service, ip="192.0.2.66")
        loop = fast_loop(service, alerts=True)
        loop.tick()
        [request] = hook.accepted
        assert request.headers["authorization"] == "Bearer pager-0123456789abcdef"
        [body] = request.records()
        assert body["alert"]["rule_id"] == "alr_ip_blocked"
        assert body["event"]["type"] == "alert"
        assert service.recent_alerts()[0].notify_state == "sent"
        loop.tick()
        assert len(hook.accepted) == 1  # told once


def test_the_authorization_is_not_in_the_database_in_clear(service, db_path):
    service.update_alert_rule(
        "alr_ip_blocked",
        webhook_url="http://127.0.0.1:9/x",
        webhook_authorization="Bearer pager-secret-XYZ",
    )
    service.create_stream(
        name="s", endpoint="http://127.0.0.1:9/y", authorization="Bearer stream-secret-XYZ"
    )
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob("phonemfa.db*"))
    assert b"pager-secret" not in raw and b"stream-secret" not in raw
