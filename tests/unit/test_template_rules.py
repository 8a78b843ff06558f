"""The checks a template passes before it is saved; hypothesis: no input crashes them."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from phonemfa.core import template_rules
from phonemfa.core.template_rules import TemplateError, check_template, preview
from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION

LOCALES = ["en", "fr", "es"]


def check(source, key="enrollment_message", locales=LOCALES, **kw):
    return check_template(key, source, locales=locales, friendly_name="Acme", **kw)


def refused(source, **kw) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        check(source, **kw)
    return info.value


def test_defaults_pass():
    assert check(DEFAULT_ENROLLMENT) == DEFAULT_ENROLLMENT
    assert check(DEFAULT_VERIFICATION, key="verification_message") == DEFAULT_VERIFICATION


def test_a_typo_names_the_template_the_line_and_a_fix():
    error = refused("Hello\n{{cod}} is your code")
    assert error.message == (
        "Invalid enrollment_message template: line 2: 'cod' is undefined (did you mean code?)."
    )
    assert error.line == 2 and error.key == "enrollment_message"
    assert error.code == "invalid_body" and error.status == 400


def test_a_typo_on_a_branch_no_locale_takes_is_still_found():
    source = '{{code}}\n{% if locale == "de" %}\n{{ tenant.friendly }}\n{% endif %}'
    error = refused(source)
    assert "line 3: tenant.friendly is undefined" in error.message
    assert "tenant.friendly_name" in error.message


@pytest.mark.parametrize(
    ("source", "line", "words"),
    [
        ("{{code}}\n{% if locale %}", 2, "expected tag endif"),
        ("{{code}} {{ code", 1, "expected '}}'"),
        ("{{code}}\n{% endif %}", 2, "unexpected tag 'endif'"),
        ("{{code}}\n\n{{ code | shout }}", 3, "unknown filter 'shout'"),
        ("{{ code.first }}", 1, "code.first is undefined"),
        ("{{ requestInfo.ip }} {{code}}", 1, "requestInfo.ip is undefined"),
        ("{{code}}\n{{ 1 | divided_by: 0 }}", 2, "divided_by: can't divide by 0"),
        ("{{code}}{% for i in (1..100000) %}{% endfor %}", 1, "loop iteration limit"),
        ('{{code}}{% include "other" %}', 1, "templates cannot load other templates"),
    ],
)
def test_liquid_problems_say_what_and_where(source, line, words):
    error = refused(source)
    assert error.message.startswith("Invalid enrollment_message template: ")
    assert error.message.endswith(".")
    assert words in error.message
    assert error.line == line


def test_render_errors_say_for_which_channel_and_locale():
    source = '{{code}}{% if message_type == "voice" and locale == "es" %}{{ 1 | divided_by: 0 }}{% endif %}'
    assert "(rendering VOICE, locale es)" in refused(source).message
    check(source, locales=["en", "fr"])  # the same template is fine without Spanish


def test_the_sms_must_contain_the_code():
    error = refused('{% if locale == "fr" %}Votre code arrive{% else %}{{code}}{% endif %}')
    assert error.message == (
        "Invalid enrollment_message template: the SMS for locale fr does not contain the code "
        "({{code}})."
    )


def test_the_voice_message_must_say_the_code():
    error = refused('{% if message_type == "voice" %}Hello{% else %}{{code}}{% endif %}')
    assert "the voice message for locale en does not say the code" in error.message
    # Digits spoken with other separators still say the code.
    check(
        '{% if message_type == "voice" %}{{ code | split: "." | join: ", " }}'
        "{% else %}{{code}}{% endif %}"
    )


def test_the_code_is_checked_at_the_configured_length():
    check("{{code}}", otp_length=10)
    assert template_rules.sample_code(10) == "1234567890"


def test_sms_and_voice_length_limits():
    long_sms = "{{code}} " + "a" * 1600
    assert (
        "the SMS for locale en is 1607 characters; the limit is 1600" in refused(long_sms).message
    )
    check("{{code}} " + "a" * 1593)  # 1600 exactly
    long_voice = '{{code}}{% if message_type == "voice" %}' + "b" * 4000 + "{% endif %}"
    assert "the voice message for locale en is 4011 characters" in refused(long_voice).message


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("", "non-empty text"),
        ("   \n", "non-empty text"),
        (None, "non-empty text"),
        (42, "non-empty text"),
        ("{{code}}" + " " * 10_000, "the limit is 10000"),
        ("{{code}}\x00", "NUL"),
    ],
)
def test_not_a_template(source, words):
    assert words in refused(source).message


def test_preview_never_raises_and_carries_the_cost():
    ok = preview(
        "verification_message",
        "{{code}} es su código",
        channel="sms",
        locale="es",
        friendly_name="Acme",
        code="123456",
    )
    assert ok.ok and ok.rendered.text == "123456 es su código"
    assert ok.cost.encoding == "UCS-2" and ok.cost.forced_by == ("ó",)
    bad = preview(
        "verification_message",
        "{{cod}}",
        channel="voice",
        locale="es",
        friendly_name="Acme",
        code="123456",
    )
    assert not bad.ok and bad.rendered is None and "line 1" in bad.error.message
    no_code = preview(
        "verification_message",
        "hello",
        channel="sms",
        locale="en",
        friendly_name="Acme",
        code="123456",
    )
    assert no_code.rendered.text == "hello" and "does not contain the code" in no_code.error.message


LIQUID_BITS = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        " if ",
        " endif ",
        " for ",
        " in ",
        " endfor ",
        " else ",
        "code",
        "pause",
        "locale",
        "message_type",
        "tenant.",
        "friendly_name",
        "requestInfo.lang",
        "|",
        " upcase ",
        " size ",
        ":",
        "'",
        '"',
        "(1..3)",
        " assign ",
        " = ",
        " capture ",
        "endcapture",
        " raw ",
        " comment ",
        " == ",
        " contains ",
        "\n",
        "x",
        "é",
        "😀",
        ".",
        "[",
        "]",
        "-",
    ]
)


@given(st.one_of(st.text(max_size=200), st.lists(LIQUID_BITS, max_size=40).map("".join)))
def test_any_text_is_accepted_or_refused_with_a_message(source):
    try:
        check(source)
    except TemplateError as exc:
        assert exc.message.startswith("Invalid enrollment_message template: ")
        assert exc.message.endswith(".")
    for channel in ("sms", "voice"):
        result = preview(
            "enrollment_message",
            source,
            channel=channel,
            locale="fr",
            friendly_name="Acme",
            code="123456",
        )
        assert result.ok or result.error.message
