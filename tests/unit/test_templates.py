"""Liquid rendering of the message templates: every variable, voice code, pauses, locales."""

import pytest

from phonemfa.core import templates
from phonemfa.core.templates import (
    DEFAULT_ENROLLMENT,
    DEFAULT_VERIFICATION,
    render,
    resolve_locale,
)
from phonemfa.delivery.base import VoicePart


def sms(source, **kw):
    args = {"channel": "sms", "code": "123456", "locale": "en", "friendly_name": "Acme"} | kw
    return render(source, **args)


def voice(source, **kw):
    return sms(source, channel="voice", **kw)


def test_defaults_are_the_reference_texts():
    assert DEFAULT_ENROLLMENT == (
        "{{code}} is your verification code for {{tenant.friendly_name}}. "
        "Please enter this code to verify your enrollment."
    )
    assert DEFAULT_VERIFICATION == (
        "{{code}} is your verification code for {{tenant.friendly_name}}"
    )
    assert sms(DEFAULT_VERIFICATION).text == "123456 is your verification code for Acme"


def test_message_type_variable():
    source = "{{code}} {{message_type}}"
    assert sms(source).text == "123456 sms"
    assert voice(source).text == "1.2.3.4.5.6 voice"


def test_voice_code_is_spoken_digit_by_digit():
    assert voice("{{code}}", code="0042").text == "0.0.4.2"
    assert templates.voice_code("987654") == "9.8.7.6.5.4"


def test_locale_and_request_lang():
    assert sms("{{locale}}|{{requestInfo.lang}}", locale="fr").text == "fr|fr"
    raw = "fr-CA,fr;q=0.9"
    assert sms("{{requestInfo.lang}}", locale="fr", request_lang=raw).text == raw


def test_tenant_name_in_both_spellings():
    assert sms("{{tenant.friendly_name}}/{{tenant.friendlyName}}").text == "Acme/Acme"


def test_pause_is_a_voice_pause_and_nothing_in_sms():
    source = "Your code: {{pause}}{{code}}. Again: {{pause}}{{code}}."
    assert sms(source).text == "Your code: 123456. Again: 123456."
    rendered = voice(source)
    assert rendered.voice_parts == (
        VoicePart("say", "Your code:"),
        VoicePart("pause", seconds=1),
        VoicePart("say", "1.2.3.4.5.6. Again:"),
        VoicePart("pause", seconds=1),
        VoicePart("say", "1.2.3.4.5.6."),
    )
    assert rendered.text == "Your code: …1.2.3.4.5.6. Again: …1.2.3.4.5.6."


def test_the_reference_example_branches_on_type_and_locale():
    source = (
        '{% if message_type == "voice" %}{% if locale contains "fr" %}Bonjour {{pause}}{{code}}'
        "{% else %}Hello {{pause}}{{code}}{% endif %}"
        '{% else %}{% if locale contains "fr" %}{{code}} est votre code'
        "{% else %}{{code}} is your code{% endif %}{% endif %}"
    )
    assert sms(source, locale="fr-CA").text == "123456 est votre code"
    assert sms(source).text == "123456 is your code"
    assert voice(source, locale="fr").voice_parts[0] == VoicePart("say", "Bonjour")


def test_template_layout_whitespace_does_not_reach_the_message():
    assert sms("  {{code}}\n\n   is\tyour code  \n").text == "123456 is your code"


@pytest.mark.parametrize(
    ("requested", "user_locale", "expected"),
    [
        ("fr", None, "fr"),
        ("FR", None, "fr"),
        ("fr-CA", None, "fr"),  # base language when the full tag is not supported
        ("pt_BR", None, "pt-BR"),
        ("de-DE,es;q=0.8", None, "es"),  # an Accept-Language list: first supported wins
        ("de", None, "en"),  # unsupported: the first supported locale
        (None, None, "en"),
        ("", None, "en"),
        (None, "es", "es"),  # no request language: the user's stored locale
        ("de", "fr", "fr"),  # unsupported request: the user's stored locale
        ("es", "fr", "es"),  # the request wins over the stored locale
        ("de", "it", "en"),
    ],
)
def test_resolve_locale(requested, user_locale, expected):
    supported = ["en", "fr", "es", "pt-BR"]
    assert resolve_locale(requested, supported, user_locale=user_locale) == expected


def test_resolve_locale_keeps_its_two_argument_form():
    assert resolve_locale("es", ["en", "es"]) == "es"
    assert resolve_locale("xx", []) == "en"


def test_undefined_variables_are_errors():
    from liquid.exceptions import UndefinedError

    with pytest.raises(UndefinedError):
        sms("{{cod}}")
