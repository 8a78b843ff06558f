"""Phone parsing (E.164, regions, types) and the country / number-type rules."""

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import settings as spec
from phonemfa.core.phones import PhoneParseError, parse_phone
from phonemfa.core.rules import check_destination


@pytest.mark.parametrize(
    ("text", "region", "e164", "where", "kind"),
    [
        ("+14155550123", None, "+14155550123", "US", "fixed_line_or_mobile"),
        ("(415) 555-0123", "US", "+14155550123", "US", "fixed_line_or_mobile"),
        ("06 12 34 56 78", "FR", "+33612345678", "FR", "mobile"),
        ("+33 1 42 68 53 00", "US", "+33142685300", "FR", "fixed_line"),
        ("+1 900 555 1234", None, "+19005551234", "US", "premium_rate"),
        ("+44 70 1123 4567", None, "+447011234567", "GB", "personal_number"),
    ],
)
def test_parse_gives_e164_region_and_type(text, region, e164, where, kind):
    number = parse_phone(text, region)
    assert (number.e164, number.region, number.number_type) == (e164, where, kind)
    assert number.masked.endswith(e164[-4:]) and e164 not in number.masked


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "invalid-phone-format"),
        ("hello", "invalid-phone-format"),
        ("4155550123", "invalid-phone-format"),  # national without a default region
        ("+1 415 555", "invalid-phone"),
        ("+999 1234567", "invalid-phone-format"),
        ("+1" + "5" * 80, "invalid-phone-format"),
        ("+1415555\x000123", "invalid-phone-format"),
    ],
)
def test_bad_numbers_are_refused_with_a_key(text, key):
    with pytest.raises(PhoneParseError) as caught:
        parse_phone(text, None)
    assert caught.value.key == key


@given(st.one_of(st.text(max_size=40), st.from_regex(r"\+?[0-9 ()\-.]{0,20}", fullmatch=True)))
def test_any_text_parses_or_is_refused_cleanly(text):
    try:
        number = parse_phone(text, "US")
    except PhoneParseError as exc:
        assert exc.key in ("invalid-phone", "invalid-phone-format") and str(exc)
        return
    # What we accept is a valid E.164 number that parses back to itself.
    assert number.e164.startswith("+")
    again = phonenumbers.parse(number.e164)
    assert phonenumbers.is_valid_number(again)
    assert parse_phone(number.e164).e164 == number.e164


@given(st.sampled_from(["US", "FR", "DE", "GB", "ES", "IN", "BR", "JP"]), st.data())
def test_example_numbers_of_each_region_round_trip(region, data):
    kind = data.draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, kind)
    national = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
    number = parse_phone(national, region)
    assert number.region == region
    assert number.e164 == phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def rules(**changes):
    return {**spec.defaults(), **changes}


def test_rules_name_the_setting_that_refuses():
    fr_mobile = parse_phone("+33612345678")
    fr_fixed = parse_phone("+33142685300")
    assert check_destination(fr_mobile, "sms", rules()).ok
    denied = check_destination(fr_mobile, "sms", rules(sms_denied_regions=["FR"]))
    assert not denied.ok and denied.rule == "sms_denied_regions" and "FR" in denied.detail
    assert check_destination(fr_mobile, "voice", rules(sms_denied_regions=["FR"])).ok
    allow = check_destination(fr_mobile, "voice", rules(voice_allowed_regions=["US", "DE"]))
    assert not allow.ok and allow.rule == "voice_allowed_regions"
    assert check_destination(fr_mobile, "voice", rules(voice_allowed_regions=["FR"])).ok
    fixed = check_destination(fr_fixed, "sms", rules())
    assert not fixed.ok and fixed.rule == "sms_to_fixed_line"
    assert check_destination(fr_fixed, "voice", rules()).ok
    premium = check_destination(parse_phone("+19005551234"), "voice", rules())
    assert not premium.ok and premium.rule == "blocked_number_types"
    assert check_destination(
        parse_phone("+19005551234"), "voice", rules(blocked_number_types=[])
    ).ok


def test_rule_settings_are_validated():
    assert spec.validate_changes({"sms_denied_regions": ["fr", "NG"]}) == {
        "sms_denied_regions": ["FR", "NG"]
    }
    for bad in (
        {"sms_denied_regions": ["XX"]},
        {"voice_allowed_regions": "FR"},
        {"blocked_number_types": ["premium"]},
        {"default_region": "Mars"},
        {"limit_user_messages_burst": 0},
        {"custom_action": "not a reference"},
    ):
        with pytest.raises(Exception) as caught:
            spec.validate_changes(bad)
        assert caught.value.code == "invalid_body"
    assert spec.validate_changes({"default_region": ""}) == {"default_region": ""}
    assert spec.validate_changes({"custom_action": "/tmp/action.py"})
    assert spec.validate_changes({"custom_action": "pkg.mod:func"})
