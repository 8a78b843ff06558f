"""The seed's limits: messages per user, wrong codes, enrollment starts per IP, Built-in's 100."""

import pytest

from phonemfa.errors import PhoneMfaError
from tests.engine.conftest import ALICE, enrolled, events_of, last_code


def test_eleventh_message_in_an_hour_is_refused_then_allowed_an_hour_later(mfa, clock):
    enrolled(mfa)  # message 1
    for _ in range(9):  # messages 2..10
        clock.advance(60)
        mfa.challenge("auth0|alice")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.challenge("auth0|alice")
    error = caught.value
    assert error.code == "too_many_sms" and error.status == 429
    assert error.details["key"] == "too-many-sms"
    assert error.details["trail"][-1]["step"] == "user_messages"
    assert 0 < error.details["retry_after"] <= 3600
    limit = events_of(mfa, "limit_phone")[0]
    assert limit["details"]["delivery_method"] == "sms" and "reset_time" in limit["details"]
    assert mfa.store.query("SELECT COUNT(*) AS n FROM messages")[0]["n"] == 10
    clock.advance(error.details["retry_after"])
    mfa.challenge("auth0|alice")  # one token came back
    with pytest.raises(PhoneMfaError):
        mfa.challenge("auth0|alice")
    assert mfa.bucket_status("user_messages", "auth0|alice").tokens == 0


def test_voice_refusal_says_voice(mfa, tmp_path):
    action = tmp_path / "act.py"
    action.write_text("def on_execute_send_phone_message(event, api):\n    return {}\n")
    mfa.update_settings(
        {
            "message_types": ["sms", "voice"],
            "provider": "phone-message-hook",
            "custom_action": str(action),
            "limit_user_messages_burst": 1,
        },
        actor="t",
    )
    mfa.start_enrollment("u", ALICE, "voice")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("u", ALICE, "voice")
    assert caught.value.details["key"] == "too-many-voice"
    assert "voice calls" in caught.value.message


def test_eleventh_wrong_code_is_refused_even_when_right(mfa, clock):
    enrolled(mfa)
    login = mfa.challenge("auth0|alice")
    right = last_code(mfa, ALICE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(10):
        with pytest.raises(PhoneMfaError) as caught:
            mfa.verify(login.transaction_id, wrong)
        assert caught.value.code == "invalid_otp"
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(login.transaction_id, right)
    assert caught.value.code == "too_many_failures" and caught.value.status == 429
    assert caught.value.details["key"] == "too-many-failures"
    assert len(events_of(mfa, "gd_otp_rate_limit_exceed")) == 1
    assert len(events_of(mfa, "gd_auth_failed")) == 10
    clock.advance(200)  # one attempt comes back every 6 minutes, the code lives 5
    login = mfa.challenge("auth0|alice")
    with pytest.raises(PhoneMfaError) as caught:
        mfa.verify(login.transaction_id, last_code(mfa, ALICE))
    assert caught.value.code == "too_many_failures"
    clock.advance(160)
    mfa.verify(login.transaction_id, last_code(mfa, ALICE))
    attempts = mfa.store.query(
        "SELECT attempts FROM transactions WHERE id = ?", (login.transaction_id,)
    )[0]["attempts"]
    assert attempts == 1


def test_wrong_recovery_codes_are_limited(mfa):
    sent = enrolled(mfa)
    for _ in range(10):
        with pytest.raises(PhoneMfaError):
            mfa.use_recovery_code("auth0|alice", "Z" * 24)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.use_recovery_code("auth0|alice", sent.recovery_code)
    assert caught.value.code == "too_many_failures"
    assert events_of(mfa, "gd_recovery_rate_limit_exceed")


def test_fifty_first_enrollment_start_from_one_ip_blocks_it(mfa, clock):
    ip = "198.51.100.7"
    enrolled(mfa, ip="192.0.2.200")
    for n in range(50):
        mfa.start_enrollment(f"user{n}", ALICE, ip=ip)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("user50", ALICE, ip=ip)
    assert caught.value.code == "too_many_attempts"
    assert caught.value.details["trail"][-1]["step"] == "ip"
    assert mfa.blocked_ip(ip).reason == "limit_mu"
    blocked = events_of(mfa, "limit_mu")
    assert len(blocked) == 1 and blocked[0]["ip"] == ip
    # The block outlives the minute, and covers challenges too.
    clock.advance(3600)
    for attempt in (
        lambda: mfa.start_enrollment("user51", ALICE, ip=ip),
        lambda: mfa.challenge("auth0|alice", ip=ip),
    ):
        with pytest.raises(PhoneMfaError) as caught:
            attempt()
        assert caught.value.code == "too_many_attempts"
    mfa.start_enrollment("user52", ALICE, ip="198.51.100.8")  # other IPs are not affected
    mfa.unblock_ip(ip, actor="test")
    assert mfa.blocked_ip(ip) is None
    mfa.start_enrollment("user53", ALICE, ip=ip)
    with pytest.raises(PhoneMfaError) as caught:
        mfa.unblock_ip(ip, actor="test")
    assert caught.value.code == "not_blocked"


def test_starts_spread_over_minutes_do_not_block(mfa, clock, quiet_action):
    for n in range(120):
        mfa.start_enrollment(f"user{n}", ALICE, ip="192.0.2.1")
        clock.advance(1.3)
    assert mfa.blocked_ips() == []


def test_hundred_and_first_builtin_message_is_refused(mfa, clock):
    mfa.update_settings({"limit_user_messages_burst": 101}, actor="t")
    assert not mfa.builtin_trial_expired()
    for n in range(100):
        mfa.start_enrollment("auth0|alice", ALICE)
    assert mfa.builtin_messages_used() == 100 and mfa.builtin_trial_expired()
    with pytest.raises(PhoneMfaError) as caught:
        mfa.start_enrollment("auth0|alice", ALICE)
    assert caught.value.code == "too_many_sms_per_tenant"
    assert caught.value.details["trail"][-1]["step"] == "provider"
    assert len(mfa.inbox(ALICE)) == 100


def test_builtin_allowance_is_enforced_by_the_provider_itself(mfa):
    """Even a send that passed the engine's pre-check cannot deliver the 101st message."""
    from phonemfa.delivery.base import OutgoingMessage

    mfa.store.db.execute(
        "INSERT INTO tenant_counters(name, value) VALUES ('builtin_messages', 100)"
    )
    mfa.store.db.conn.commit()
    provider = mfa.provider_for("auth0")
    result = provider.send(
        OutgoingMessage("msg_x", "sms", "enrollment", ALICE, "123456 is your code", "123456", "en")
    )
    assert not result.ok and result.error_code == "too_many_sms_per_tenant"
    assert mfa.inbox() == []


def test_limits_are_tunable(mfa, clock):
    mfa.set_setting_text("limit_user_messages_burst", "2", actor="t")
    mfa.set_setting_text("limit_user_messages_refill_seconds", "60", actor="t")
    enrolled(mfa)
    mfa.challenge("auth0|alice")
    with pytest.raises(PhoneMfaError):
        mfa.challenge("auth0|alice")
    clock.advance(60)
    mfa.challenge("auth0|alice")
    mfa.reset_user_limits("auth0|alice", actor="t")
    assert mfa.bucket_status("user_messages", "auth0|alice").tokens == 2
