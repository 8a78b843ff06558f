from phonemfa.clock import FakeClock, iso
from phonemfa.core.masking import is_masked, mask_phone, mask_secret


def test_phone_mask_keeps_country_digit_and_last_four():
    assert mask_phone("+14155550123") == "+1•••••••0123"
    assert mask_phone("+4915123456789") == "+4•••••••6789"
    assert mask_phone(None) is None


def test_secret_mask_shows_at_most_last_four():
    token = "f" * 28 + "3f9a"
    assert mask_secret(token) == "••••••••3f9a"
    assert mask_secret("short") == "••••••••"
    assert is_masked(mask_secret(token))
    assert not is_masked(token)


def test_fake_clock_moves_only_when_told():
    clock = FakeClock(0)
    assert clock.now() == 0
    clock.advance(3600)
    assert clock.now() == 3600
    assert iso(0) == "1970-01-01T00:00:00.000Z"
