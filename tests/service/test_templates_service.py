"""Templates through the service: every door that saves a template runs every check."""

import pytest

from phonemfa.core.template_rules import TemplateError
from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION
from phonemfa.errors import ValidationError
from phonemfa.store import events_repo

GOOD = "{{code}} is your code for {{tenant.friendly_name}}."
# Fine in English and French, broken only when Spanish is supported.
SPANISH_BROKEN = '{{code}}{% if locale == "es" %}{{ 1 | divided_by: 0 }}{% endif %}'


def tenant_updates(service):
    return events_repo.search(service.store, types=["gd_tenant_update"])


def test_defaults_and_default_locale(service):
    templates = service.message_templates()
    assert templates.enrollment_message == DEFAULT_ENROLLMENT
    assert templates.verification_message == DEFAULT_VERIFICATION
    assert service.supported_locales() == ["en"]


def test_save_writes_one_tenant_update(service):
    saved = service.save_templates(actor="cli", verification_message=GOOD, locales=["en", "fr"])
    assert saved.verification_message == GOOD
    assert saved.enrollment_message == DEFAULT_ENROLLMENT
    assert service.supported_locales() == ["en", "fr"]
    [event] = tenant_updates(service)
    assert event.details["actor"] == "cli"
    assert set(event.details["changes"]) == {"verification_message", "locales"}
    service.save_templates(actor="cli", verification_message=GOOD)  # unchanged: no new event
    assert len(tenant_updates(service)) == 1


def test_an_invalid_template_changes_nothing(service):
    with pytest.raises(TemplateError, match=r"^Invalid enrollment_message template: line 1: "):
        service.save_templates(actor="cli", enrollment_message="{{cod}}", verification_message=GOOD)
    assert service.message_templates().verification_message == DEFAULT_VERIFICATION
    assert tenant_updates(service) == []


@pytest.mark.parametrize(
    "door",
    [
        lambda s: s.update_settings({"locales": ["en", "es"]}, actor="api"),
        lambda s: s.set_setting_text("locales", "en,es", actor="cli"),
        lambda s: s.save_templates(actor="console", locales=["en", "es"]),
    ],
)
def test_adding_a_locale_rechecks_the_saved_templates(service, door):
    service.save_templates(actor="cli", enrollment_message=SPANISH_BROKEN)
    with pytest.raises(TemplateError, match="divided_by.*locale es"):
        door(service)
    assert service.supported_locales() == ["en"]


def test_the_settings_door_checks_templates_too(service):
    with pytest.raises(TemplateError, match="does not contain the code"):
        service.set_setting_text("verification_message", "Your code is coming", actor="cli")
    with pytest.raises(TemplateError, match="line 1: unknown filter"):
        service.update_settings({"enrollment_message": "{{ code | nope }}"}, actor="api")


def test_a_longer_code_is_checked_against_the_sms_limit(service):
    service.save_templates(actor="cli", enrollment_message="{{code}}" + "x" * 1594)  # 1600 chars
    with pytest.raises(TemplateError, match="1604 characters"):
        service.update_settings({"otp_length": 10}, actor="cli")
    assert service.factor_settings().otp_length == 6


@pytest.mark.parametrize("locales", [[], ["english"], ["en", "EN"], "en", [1], ["e"]])
def test_bad_locales_are_refused(service, locales):
    with pytest.raises(ValidationError, match="locales"):
        service.save_templates(actor="cli", locales=locales)


def test_reset_templates(service):
    service.save_templates(actor="cli", enrollment_message=GOOD, verification_message=GOOD)
    reset = service.reset_templates(actor="console")
    assert reset.enrollment_message == DEFAULT_ENROLLMENT
    assert reset.verification_message == DEFAULT_VERIFICATION


def test_nothing_to_save(service):
    with pytest.raises(ValidationError, match="Nothing to save"):
        service.save_templates(actor="cli")


def test_preview_of_the_demo_tenant(demo_service):
    fr = demo_service.preview_message("enrollment", "sms", locale="fr-FR")
    assert fr.locale == "fr"
    assert fr.rendered.text.startswith("123456 est votre code de vérification pour Acme Travel.")
    assert fr.cost.summary() == "encoding=GSM-7 segments=1"
    es = demo_service.preview_message("enrollment", "sms", locale="es")
    assert es.cost.encoding == "UCS-2" and es.cost.segments == 2
    assert es.cost.forced_by == ("ó", "ú")
    voice = demo_service.preview_message("verification", "voice", locale="fr", code="4242")
    assert [p.kind for p in voice.rendered.voice_parts] == ["say", "pause", "say", "pause", "say"]
    assert "4.2.4.2" in voice.rendered.text
    fallback = demo_service.preview_message("second-factor-authentication", "sms", locale="de")
    assert fallback.locale == "en"
    assert fallback.rendered.text == "123456 is your verification code for Acme Travel."


def test_preview_of_an_unsaved_source_and_bad_arguments(service):
    assert service.preview_message("enrollment", "sms", source=GOOD).rendered.text == (
        "123456 is your code for My Company."
    )
    with pytest.raises(TemplateError, match="line 1"):
        service.preview_message("enrollment", "sms", source="{{cod}}")
    with pytest.raises(ValidationError, match="action"):
        service.preview_message("login", "sms")
    with pytest.raises(ValidationError, match="channel"):
        service.preview_message("enrollment", "email")
    with pytest.raises(ValidationError, match="4 to 10 digits"):
        service.preview_message("enrollment", "sms", code="12a456")


def test_locale_of_a_real_send_and_rendering_it(demo_service):
    assert demo_service.message_locale("es-MX") == "es"
    assert demo_service.message_locale(None, user_locale="fr") == "fr"
    assert demo_service.message_locale("de", user_locale="de") == "en"
    rendered = demo_service.render_message("verification", "sms", "908172", user_locale="fr")
    assert rendered.text == "908172 est votre code de vérification pour Acme Travel."
    spoken = demo_service.render_message("enrollment", "voice", "908172", request_language="es")
    assert spoken.voice_parts[0].text.startswith("Hola")


def test_demo_tenant_supports_three_locales(demo_service):
    assert demo_service.supported_locales() == ["en", "fr", "es"]
