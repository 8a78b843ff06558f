"""Tenant settings: every key, its default and the rule that checks it.

One registry serves the console, the CLI (`settings set KEY VALUE`) and the API, so all three accept
and refuse exactly the same values with the same words. Later features add keys with `register()`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from phonemfa.core import template_rules
from phonemfa.core.templates import DEFAULT_ENROLLMENT, DEFAULT_VERIFICATION
from phonemfa.errors import ValidationError

MESSAGE_TYPES = ("sms", "voice")
PROVIDERS = ("auth0", "twilio", "phone-message-hook")
PROVIDER_LABELS = {"auth0": "Built-in", "twilio": "Twilio", "phone-message-hook": "Custom"}
BUILTIN_MESSAGE_LIMIT = 100  # the seed: 100 messages per tenant lifetime, SMS only


@dataclass(frozen=True)
class SettingSpec:
    key: str
    default: Any
    validate: Callable[[Any], Any]  # returns the normalized value or raises ValidationError
    parse_text: Callable[[str], Any]  # CLI text -> raw value (then validated)
    help: str = ""


SPECS: dict[str, SettingSpec] = {}


def register(spec: SettingSpec) -> SettingSpec:
    SPECS[spec.key] = spec
    return spec


def spec_for(key: str) -> SettingSpec:
    try:
        return SPECS[key]
    except KeyError:
        known = ", ".join(sorted(SPECS))
        raise ValidationError(f"Unknown setting '{key}'. Known settings: {known}.") from None


def defaults() -> dict[str, Any]:
    return {key: spec.default for key, spec in SPECS.items()}


def validate_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate every key of a change set; the first bad value refuses the whole set."""
    return {key: spec_for(key).validate(value) for key, value in changes.items()}


# Rules over several keys at once (a template against the locales it must render for): each runs
# on the settings as they would be after a change that touches any of its keys.
CombinedCheck = Callable[[dict[str, Any]], None]
COMBINED_CHECKS: list[tuple[frozenset[str], CombinedCheck]] = []


def register_combined(keys: Iterable[str], check: CombinedCheck) -> None:
    COMBINED_CHECKS.append((frozenset(keys), check))


def check_combined(values: dict[str, Any], changed: Collection[str]) -> None:
    """Raise ValidationError when the settings `values` (current merged with a change set)
    break a rule over several keys that the changed keys take part in."""
    touched = set(changed)
    for keys, check in COMBINED_CHECKS:
        if keys & touched:
            check(values)


# -- parsers for CLI text ------------------------------------------------------------------------


def parse_json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_bool_text(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "on", "yes", "1", "enabled"):
        return True
    if lowered in ("false", "off", "no", "0", "disabled"):
        return False
    return text  # let the validator explain


def parse_list_text(text: str) -> Any:
    stripped = text.strip()
    if stripped.startswith("["):
        return parse_json_or_text(stripped)
    return [part.strip() for part in stripped.split(",") if part.strip()]


def parse_int_text(text: str) -> Any:
    try:
        return int(text.strip())
    except ValueError:
        return text


# -- validators ----------------------------------------------------------------------------------


def check_bool(key: str) -> Callable[[Any], bool]:
    def validate(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValidationError(f"{key} must be true or false.", field=key)
        return value

    return validate


def check_int(key: str, low: int, high: int, unit: str = "") -> Callable[[Any], int]:
    def validate(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"{key} must be a whole number.", field=key)
        if not low <= value <= high:
            suffix = f" {unit}" if unit else ""
            raise ValidationError(f"{key} must be between {low} and {high}{suffix}.", field=key)
        return value

    return validate


def check_message_types(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            'message_types must be a list such as ["sms"], ["voice"] or ["sms", "voice"].',
            field="message_types",
        )
    if not value:
        raise ValidationError(
            "message_types must name at least one of sms, voice.", field="message_types"
        )
    unknown = [v for v in value if v not in MESSAGE_TYPES]
    if unknown:
        raise ValidationError(
            f"message_types accepts only sms and voice, not {', '.join(map(repr, unknown))}.",
            field="message_types",
        )
    if len(set(value)) != len(value):
        raise ValidationError("message_types must not repeat a type.", field="message_types")
    return [t for t in MESSAGE_TYPES if t in value]  # canonical order


def check_provider(value: Any) -> str:
    if value not in PROVIDERS:
        raise ValidationError(
            f"provider must be one of {', '.join(PROVIDERS)} (Built-in, Twilio, Custom).",
            field="provider",
        )
    return value


def check_friendly_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("friendly_name must be a non-empty text.", field="friendly_name")
    if len(value) > 80:
        raise ValidationError(
            "friendly_name must be 80 characters or fewer.", field="friendly_name"
        )
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError(
            "friendly_name must not contain control characters.", field="friendly_name"
        )
    return value.strip()


register(
    SettingSpec(
        "enabled",
        False,
        check_bool("enabled"),
        parse_bool_text,
        "The Phone Message factor on or off.",
    )
)
register(
    SettingSpec(
        "message_types",
        ["sms"],
        check_message_types,
        parse_list_text,
        "Channels users may receive codes on: sms, voice or both.",
    )
)
register(
    SettingSpec(
        "provider",
        "auth0",
        check_provider,
        str.strip,
        "Delivery provider: auth0 (Built-in), twilio, phone-message-hook (Custom).",
    )
)
register(
    SettingSpec(
        "friendly_name",
        "My Company",
        check_friendly_name,
        str,
        "The tenant's name as users see it in messages.",
    )
)
register(
    SettingSpec(
        "otp_length",
        6,
        check_int("otp_length", 4, 10, "digits"),
        parse_int_text,
        "Digits in a one-time code.",
    )
)
register(
    SettingSpec(
        "otp_expiration_time",
        300,
        check_int("otp_expiration_time", 60, 3600, "seconds"),
        parse_int_text,
        "Seconds a code stays valid.",
    )
)


def check_template_text(key: str) -> Callable[[Any], str]:
    # Parses and checks names here; rendering for every locale runs as a combined check below.
    def validate(value: Any) -> str:
        template_rules.parse(key, value)
        return value

    return validate


LOCALE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
MAX_LOCALES = 30


def check_locales(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            'locales must be a non-empty list of language tags, e.g. ["en", "fr"].', field="locales"
        )
    bad = [v for v in value if not LOCALE_TAG.match(v)]
    if bad:
        raise ValidationError(
            f"locales must be language tags such as en, fr or pt-BR, not {bad[0]!r}.",
            field="locales",
        )
    if len(value) > MAX_LOCALES:
        raise ValidationError(f"locales accepts at most {MAX_LOCALES} languages.", field="locales")
    if len({v.lower() for v in value}) != len(value):
        raise ValidationError("locales must not repeat a language.", field="locales")
    return value


register(
    SettingSpec(
        "enrollment_message",
        DEFAULT_ENROLLMENT,
        check_template_text("enrollment_message"),
        str,
        "Liquid template of the enrollment message (SMS and voice).",
    )
)
register(
    SettingSpec(
        "verification_message",
        DEFAULT_VERIFICATION,
        check_template_text("verification_message"),
        str,
        "Liquid template of the verification message (SMS and voice).",
    )
)
register(
    SettingSpec(
        "locales",
        ["en"],
        check_locales,
        parse_list_text,
        "Supported languages of messages; the first is the fallback.",
    )
)


register_combined(
    ("enrollment_message", "verification_message", "locales", "friendly_name", "otp_length"),
    template_rules.check_template_settings,
)


@dataclass(frozen=True)
class FactorSettings:
    """The Phone Message factor as the seed's Dashboard page shows it."""

    enabled: bool
    message_types: tuple[str, ...]
    provider: str
    friendly_name: str
    otp_length: int
    otp_expiration_time: int

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> FactorSettings:
        return cls(
            enabled=values["enabled"],
            message_types=tuple(values["message_types"]),
            provider=values["provider"],
            friendly_name=values["friendly_name"],
            otp_length=values["otp_length"],
            otp_expiration_time=values["otp_expiration_time"],
        )

    @property
    def provider_label(self) -> str:
        return PROVIDER_LABELS[self.provider]

    @property
    def sms_enabled(self) -> bool:
        return "sms" in self.message_types

    @property
    def voice_enabled(self) -> bool:
        """Voice as the engine offers it: the Built-in provider can never send voice."""
        return "voice" in self.message_types and self.provider != "auth0"

    @property
    def offered_channels(self) -> tuple[str, ...]:
        return tuple(t for t in self.message_types if t == "sms" or self.voice_enabled)

    def warnings(self) -> list[str]:
        """Combinations that are accepted (Terraform sets them in any order) but won't work."""
        notes = []
        if "voice" in self.message_types and self.provider == "auth0":
            notes.append(
                "The Built-in provider cannot send voice messages: users will only be offered SMS. "
                "Choose Twilio or Custom to use voice."
            )
        if self.message_types == ("voice",) and self.provider == "auth0":
            notes.append("With only voice enabled and the Built-in provider, no code can be sent.")
        return notes


# -- Twilio (non-secret parts; the auth token and API key secret live in the secrets table) ------


def parse_nullable_text(text: str) -> Any:
    stripped = text.strip()
    return None if stripped.lower() in ("", "null", "none") else stripped


def _register_twilio() -> None:
    from phonemfa.core import twilio

    def keyed(check: Callable[[Any, str], Any], key: str) -> Callable[[Any], Any]:
        return lambda value: check(value, key)

    for key, default, check, words in (
        ("twilio_sid", None, twilio.check_account_sid, "Twilio Account SID (AC…)."),
        ("twilio_from", None, twilio.check_from, "Twilio From number (E.164); voice needs it."),
        ("twilio_messaging_service_sid", None, twilio.check_service_sid,
         "Twilio Messaging Service SID (MG…) for SMS."),
        ("twilio_sms_source", "from", twilio.check_sms_source,
         "How SMS leave: from (the From number) or messaging_service."),
        ("twilio_api_key_sid", None, twilio.check_api_key_sid,
         "Optional Twilio API key SID (SK…) used instead of the auth token."),
        ("twilio_callback_url", None, twilio.check_url,
         "Public URL of POST /twilio/status, sent to Twilio as StatusCallback."),
        ("twilio_base_url", None, twilio.check_url,
         "Twilio API base URL override (PHONEMFA_TWILIO_BASE_URL wins when set)."),
    ):  # fmt: skip
        parse = str.strip if key == "twilio_sms_source" else parse_nullable_text
        register(SettingSpec(key, default, keyed(check, key), parse, words))


_register_twilio()


# The engine's keys (limits, number rules, Custom action) live in their own module.
from phonemfa.core import engine_settings  # noqa: E402,F401
