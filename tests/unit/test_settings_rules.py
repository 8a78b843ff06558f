import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import settings as spec
from phonemfa.core.settings import FactorSettings
from phonemfa.errors import ValidationError


@pytest.mark.parametrize(
    ("value", "expected"),
    [(["sms"], ["sms"]), (["voice"], ["voice"]), (["voice", "sms"], ["sms", "voice"])],
)
def test_message_types_accepts_the_three_seed_values(value, expected):
    assert spec.check_message_types(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ([], "at least one"),
        (["sms", "sms"], "repeat"),
        (["email"], "only sms and voice"),
        ("sms", "list"),
        ([1], "list"),
        (None, "list"),
    ],
)
def test_message_types_refuses_with_a_reason(value, words):
    with pytest.raises(ValidationError, match=words):
        spec.check_message_types(value)


@pytest.mark.parametrize("value", [4, 6, 10])
def test_otp_length_range(value):
    assert spec.validate_changes({"otp_length": value}) == {"otp_length": value}


@pytest.mark.parametrize("value", [3, 11, "6", 6.0, True, None])
def test_otp_length_refuses(value):
    with pytest.raises(ValidationError, match="otp_length"):
        spec.validate_changes({"otp_length": value})


@pytest.mark.parametrize("value", [59, 3601, "300"])
def test_otp_expiration_refuses(value):
    with pytest.raises(ValidationError, match="otp_expiration_time"):
        spec.validate_changes({"otp_expiration_time": value})


def test_unknown_key_names_the_known_ones():
    with pytest.raises(ValidationError, match="Known settings: .*otp_length"):
        spec.validate_changes({"nope": 1})


def test_provider_values_are_the_wire_values():
    for value in ("auth0", "twilio", "phone-message-hook"):
        assert spec.check_provider(value) == value
    with pytest.raises(ValidationError, match="Built-in, Twilio, Custom"):
        spec.check_provider("Twilio")


def _factor(**overrides):
    values = spec.defaults() | overrides
    return FactorSettings.from_values(values)


def test_builtin_never_offers_voice_but_accepts_the_setting():
    factor = _factor(message_types=["sms", "voice"], provider="auth0")
    assert factor.offered_channels == ("sms",)
    assert not factor.voice_enabled
    assert any("cannot send voice" in w for w in factor.warnings())


def test_twilio_offers_both_channels():
    factor = _factor(message_types=["sms", "voice"], provider="twilio")
    assert factor.offered_channels == ("sms", "voice")
    assert factor.warnings() == []


@given(
    st.dictionaries(
        st.sampled_from(sorted(spec.SPECS)),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.text(max_size=20),
            st.lists(st.text(max_size=6), max_size=3),
        ),
    )
)
def test_any_change_set_is_validated_or_refused_never_crashes(changes):
    try:
        clean = spec.validate_changes(changes)
    except ValidationError as exc:
        assert exc.message
    else:
        assert set(clean) == set(changes)


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("enabled", "on", True),
        ("enabled", "false", False),
        ("message_types", "sms,voice", ["sms", "voice"]),
        ("message_types", '["voice"]', ["voice"]),
        ("otp_length", "8", 8),
    ],
)
def test_cli_text_parsing(key, text, expected):
    raw = spec.spec_for(key).parse_text(text)
    assert spec.validate_changes({key: raw}) == {key: expected}
