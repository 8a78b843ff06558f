"""Twilio's formats, what a configuration lacks, voice language, error meanings (pure core)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import settings as spec
from phonemfa.core import twilio as tw
from phonemfa.errors import ValidationError

SID = "AC" + "0123456789abcdef" * 2


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (tw.check_account_sid, SID, ["AC123", "SK" + "a" * 32, "AC" + "g" * 32, 42]),
        (tw.check_service_sid, "MG" + "A" * 32, ["MG" + "a" * 31, SID]),
        (tw.check_api_key_sid, "SK" + "f" * 32, ["sk" + "f" * 32, "SK"]),
        (
            tw.check_from,
            "+15005550006",
            ["15005550006", "+1 415 555 0123", "+1415", "+1" + "2" * 70],
        ),
    ],
)
def test_formats(check, good, bad):
    assert check(good) == good
    assert check(f"  {good} ") == good  # a pasted SID with stray spaces is fine
    assert check(None) is None and check("") is None
    for value in bad:
        with pytest.raises(ValidationError) as refused:
            check(value)
        assert refused.value.field


def test_error_names_the_field_asked_for():
    with pytest.raises(ValidationError) as refused:
        tw.check_account_sid("AC1", "sid")
    assert refused.value.field == "sid" and "AC followed by 32 hexadecimal" in str(refused.value)


@pytest.mark.parametrize("token", ["abc def", " abc", "abc\n", "tab\there", "é" * 12, ""])
def test_secrets_with_spaces_or_odd_characters_are_refused(token):
    with pytest.raises(ValidationError):
        tw.check_secret(token)


def test_secret_is_kept_as_typed():
    assert tw.check_secret("0123456789abcdef0123456789abcdef") == "0123456789abcdef" * 2


@pytest.mark.parametrize(
    "url",
    ["ftp://x.example/status", "mfa.example.com/twilio/status", "https:///x", "https://a/b#c"],
)
def test_callback_urls_must_be_http(url):
    with pytest.raises(ValidationError):
        tw.check_url(url, "callback_url")


def test_settings_registry_knows_the_twilio_keys():
    assert spec.defaults()["twilio_sms_source"] == "from"
    assert spec.spec_for("twilio_from").parse_text("null") is None
    with pytest.raises(ValidationError) as refused:
        spec.validate_changes({"twilio_sid": "nope"})
    assert refused.value.field == "twilio_sid"


def test_conflicts_refused_at_save():
    voice_no_from = tw.TwilioConfig(
        sid=SID, sms_source="messaging_service", messaging_service_sid="MG" + "a" * 32
    )
    assert [f for f, _ in voice_no_from.conflicts(voice_enabled=True)] == ["from"]
    assert voice_no_from.conflicts(voice_enabled=False) == []
    service_missing = tw.TwilioConfig(sms_source="messaging_service")
    assert [f for f, _ in service_missing.conflicts(voice_enabled=False)] == [
        "messaging_service_sid"
    ]
    key_alone = tw.TwilioConfig(api_key_sid="SK" + "a" * 32)
    assert [f for f, _ in key_alone.conflicts(voice_enabled=False)] == ["api_key_secret"]


def test_missing_pieces_in_plain_words():
    assert tw.TwilioConfig().missing(sms_enabled=True, voice_enabled=True) == [
        "the Account SID",
        "the auth token (or an API key)",
        "the From number",
    ]
    ready = tw.TwilioConfig(sid=SID, from_="+15005550006", auth_token_hint="••••••••abcd")
    assert ready.missing(sms_enabled=True, voice_enabled=True) == []
    service = tw.TwilioConfig(
        sid=SID, auth_token_hint="x", sms_source="messaging_service", messaging_service_sid="MG1"
    )
    assert service.missing(sms_enabled=True, voice_enabled=True) == [
        "the From number (voice calls)"
    ]


def test_every_documented_error_code_has_a_meaning():
    documented = (
        "20003 20404 20429 21211 21212 21210 21408 21606 21659 21660 21610 21611 21612 21614"
    )
    documented += " 21214 21215 21216 21217 30003 30004 30005 30006 30007 30008"
    for code in documented.split():
        assert tw.explain(code) and "see https" not in tw.explain(code), code
    assert tw.explain(21614).startswith("The recipient's number cannot receive SMS")
    assert "twilio.com/docs/errors/29999" in tw.explain("29999")
    assert tw.explain(None) == ""


def test_numbers_in_twilio_messages_are_masked():
    text = "The 'To' number +15005550001 is not a valid phone number."
    assert tw.redact_numbers(text) == "The 'To' number +1•••••••0001 is not a valid phone number."


@given(st.text(alphabet="0123456789", min_size=4, max_size=10))
def test_spoken_code_has_every_digit_on_its_own(code):
    spoken = tw.spoken_code(code)
    assert spoken.split(". ") == list(code)


def test_statuses_only_move_forward():
    assert tw.status_moves_forward("sms", "queued", "sent")
    assert tw.status_moves_forward("sms", None, "delivered")
    assert not tw.status_moves_forward("sms", "delivered", "sent")  # late, out of order
    assert not tw.status_moves_forward("sms", "undelivered", "undelivered")  # a repeat
    assert not tw.status_moves_forward("sms", "queued", "bogus")
    assert tw.status_moves_forward("voice", "ringing", "no-answer")
    assert tw.is_failure("voice", "busy") and not tw.is_failure("sms", "busy")
    assert tw.is_failure("sms", "undelivered")
