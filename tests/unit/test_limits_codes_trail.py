"""Token bucket math, codes and recovery codes, the trail's shape."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import codes, limits
from phonemfa.core.trail import Trail

HOURLY = limits.BucketRule(capacity=10, refill_tokens=1, refill_seconds=3600)


def test_burst_then_one_per_hour():
    state, now = None, 1000.0
    for left in range(9, -1, -1):
        taken = limits.take(HOURLY, state, now)
        assert taken.allowed and taken.remaining == left
        state = taken.state
    refused = limits.take(HOURLY, state, now)
    assert not refused.allowed and refused.retry_after == 3600
    assert not limits.take(HOURLY, state, now + 3599).allowed
    back = limits.take(HOURLY, state, now + 3600)
    assert back.allowed and back.remaining == 0
    assert limits.take(HOURLY, None, now).full_at == pytest.approx(now + 3600)


def test_clock_going_back_refills_nothing():
    drained = limits.BucketState(0.0, 5000.0)
    assert not limits.take(HOURLY, drained, 1000.0).allowed


@given(st.lists(st.floats(min_value=0, max_value=7200), min_size=1, max_size=60))
def test_never_more_than_capacity_plus_refill(gaps):
    state, now, allowed = None, 0.0, 0
    for gap in gaps:
        now += gap
        taken = limits.take(HOURLY, state, now)
        allowed += taken.allowed
        state = taken.state
        assert 0 <= state.tokens <= HOURLY.capacity
    assert allowed <= HOURLY.capacity + int(now / 3600)


def test_hotp_codes_and_format():
    secret = codes.new_hotp_secret()
    first, second = codes.hotp_code(secret, 0, 6), codes.hotp_code(secret, 1, 6)
    assert len(first) == 6 and first.isdigit() and len(second) == 6
    assert codes.hotp_code(secret, 0, 6) == first  # the counter alone regenerates the code
    assert len(codes.hotp_code(secret, 7, 10)) == 10
    assert codes.code_format_problem("12345", 6)
    assert codes.code_format_problem("12345a", 6)
    assert codes.code_format_problem("１２３４５６", 6)  # full-width digits are not ASCII
    assert codes.code_format_problem(None, 6)
    assert codes.code_format_problem("123456", 6) is None
    assert codes.codes_match("123456", "123456") and not codes.codes_match("123456", "123457")


def test_recovery_codes():
    code = codes.new_recovery_code()
    assert len(code) == 24 and code.isalnum() and code.upper() == code
    assert codes.normalize_recovery_code(code.lower()[:12] + " - " + code[12:]) == code
    assert codes.normalize_recovery_code("short") is None
    assert codes.normalize_recovery_code(12) is None
    key = b"k" * 32
    assert codes.hash_recovery_code(key, code) != code
    assert codes.hashes_match(
        codes.hash_recovery_code(key, code), codes.hash_recovery_code(key, code)
    )


def test_trail_json():
    trail = Trail()
    trail.allow("phone", "+1•••0123: US, mobile.", region="US")
    trail.refuse("user_messages", "No messages left.", "too-many-sms", retry_after=60)
    assert trail.refusal.step == "user_messages"
    assert trail.to_json() == [
        {"step": "phone", "ok": True, "detail": "+1•••0123: US, mobile.", "data": {"region": "US"}},
        {
            "step": "user_messages",
            "ok": False,
            "detail": "No messages left.",
            "key": "too-many-sms",
            "data": {"retry_after": 60},
        },
    ]
