"""`phonemfa templates show|set|preview` as a real subprocess on a real database file."""

import json

import pytest

from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION
from tests.conftest import run_cli

LOCALIZED = (
    '{% if message_type == "voice" %}'
    '{% if locale contains "fr" %}Votre code : {{pause}}{{code}}.'
    "{% else %}Your code: {{pause}}{{code}}.{% endif %}"
    '{% elsif locale contains "es" %}{{code}} es su código de verificación.'
    '{% elsif locale contains "fr" %}{{code}} est votre code.'
    "{% else %}{{code}} is your code for {{tenant.friendly_name}}.{% endif %}"
)


@pytest.fixture
def localized(service, db_path):
    service.save_templates(actor="test", verification_message=LOCALIZED, locales=["en", "fr", "es"])
    return db_path


def test_show_prints_the_api_shape(db_path):
    result = run_cli(db_path, "templates", "show")
    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "enrollment_message": DEFAULT_ENROLLMENT,
        "verification_message": DEFAULT_VERIFICATION,
    }


def test_set_reads_files(db_path, tmp_path):
    enrollment = tmp_path / "enrollment.liquid"
    enrollment.write_text("{{code}} pour vous inscrire à {{tenant.friendly_name}}\n", "utf-8")
    verification = tmp_path / "verification.liquid"
    verification.write_text(LOCALIZED, "utf-8")
    result = run_cli(
        db_path,
        "templates",
        "set",
        "--enrollment",
        str(enrollment),
        "--verification",
        str(verification),
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(run_cli(db_path, "templates", "show").stdout)
    assert shown == json.loads(result.stdout)
    assert shown["verification_message"] == LOCALIZED
    assert shown["enrollment_message"].startswith("{{code}} pour vous inscrire à")


def test_set_one_template_from_stdin(db_path):
    result = run_cli(db_path, "templates", "set", "--verification", "-", input="Code: {{code}}")
    assert result.returncode == 0
    shown = json.loads(run_cli(db_path, "templates", "show").stdout)
    assert shown == {
        "enrollment_message": DEFAULT_ENROLLMENT,
        "verification_message": "Code: {{code}}",
    }


def test_set_refuses_with_one_line_and_changes_nothing(db_path, tmp_path):
    bad = tmp_path / "bad.liquid"
    bad.write_text("Hello\n{{ code | shout }}", "utf-8")
    result = run_cli(db_path, "templates", "set", "--enrollment", str(bad))
    assert result.returncode == 1
    assert result.stderr == (
        "error: Invalid enrollment_message template: line 2: unknown filter 'shout'. "
        "(invalid_body)\n"
    )
    assert json.loads(run_cli(db_path, "templates", "show").stdout)["enrollment_message"] == (
        DEFAULT_ENROLLMENT
    )


def test_set_needs_a_file_and_readable_text(db_path, tmp_path):
    assert run_cli(db_path, "templates", "set").returncode == 2
    missing = run_cli(db_path, "templates", "set", "--enrollment", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    binary = tmp_path / "binary.liquid"
    binary.write_bytes(b"\xff\xfe{{code}}")
    garbled = run_cli(db_path, "templates", "set", "--enrollment", str(binary))
    assert garbled.returncode == 1 and "not UTF-8" in garbled.stderr


def test_preview_sms_prints_text_then_the_cost_line(localized):
    result = run_cli(
        localized, "templates", "preview", "--action", "verification", "--channel", "sms"
    )
    assert result.returncode == 0
    assert result.stdout == ("123456 is your code for My Company.\nencoding=GSM-7 segments=1\n")


def test_preview_names_the_characters_that_force_ucs2(localized):
    result = run_cli(
        localized,
        "templates",
        "preview",
        "--action",
        "verification",
        "--channel",
        "sms",
        "--locale",
        "es",
        "--code",
        "9876543",
    )
    assert result.stdout == (
        "9876543 es su código de verificación.\nencoding=UCS-2 segments=1 ucs2_chars=ó\n"
    )


def test_preview_voice_marks_pauses(localized):
    result = run_cli(
        localized,
        "templates",
        "preview",
        "--action",
        "verification",
        "--channel",
        "voice",
        "--locale",
        "fr",
    )
    assert result.stdout == "Votre code : [pause] 1.2.3.4.5.6.\n"


def test_preview_of_an_unsupported_locale_warns_and_shows_the_fallback(localized):
    result = run_cli(
        localized, "templates", "preview", "--action", "verification", "--locale", "de"
    )
    assert result.returncode == 0
    assert result.stdout.startswith("123456 is your code")
    assert "de is not a supported locale (en, fr, es); users asking for it receive en" in (
        result.stderr
    )


def test_preview_of_a_file_before_setting_it(db_path, tmp_path):
    draft = tmp_path / "draft.liquid"
    draft.write_text("{{cod}}", "utf-8")
    result = run_cli(db_path, "templates", "preview", "--template", str(draft))
    assert result.returncode == 1
    assert "Invalid verification_message template: line 1: 'cod' is undefined" in result.stderr
    bad_code = run_cli(db_path, "templates", "preview", "--code", "12")
    assert bad_code.returncode == 1 and "4 to 10 digits" in bad_code.stderr
