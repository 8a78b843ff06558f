"""Twilio as phonemfa configures it: credential formats, what a configuration lacks, the language
a voice call speaks, and what Twilio's error codes mean in plain words. Pure: no I/O, no SDK.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from phonemfa.core.masking import mask_phone
from phonemfa.errors import ValidationError

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
API_KEY_SID = re.compile(r"^SK[0-9a-fA-F]{32}$")
SMS_SOURCES = ("from", "messaging_service")
SMS_SOURCE_LABELS = {"from": "Use From", "messaging_service": "Use Messaging Services"}
MAX_FROM = 64  # Auth0's limit on the `from` field
MAX_SECRET = 256
BASE_URL_ENV = "PHONEMFA_TWILIO_BASE_URL"


# -- field checks: each returns the normalized value or raises ValidationError naming the field --


def _text_or_none(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{field} must be a text or null.", field=field)
    return value.strip() or None


def _check_sid(value: Any, field: str, pattern: re.Pattern[str], what: str) -> str | None:
    sid = _text_or_none(value, field)
    if sid is not None and not pattern.match(sid):
        raise ValidationError(f"{field} must be {what}.", field=field)
    return sid


def check_account_sid(value: Any, field: str = "sid") -> str | None:
    return _check_sid(
        value,
        field,
        ACCOUNT_SID,
        "AC followed by 32 hexadecimal characters (the Account SID on the Twilio Console's "
        "dashboard)",
    )


def check_service_sid(value: Any, field: str = "messaging_service_sid") -> str | None:
    return _check_sid(
        value,
        field,
        SERVICE_SID,
        "MG followed by 32 hexadecimal characters (a Messaging Service SID, under Messaging > "
        "Services on the Twilio Console)",
    )


def check_api_key_sid(value: Any, field: str = "api_key_sid") -> str | None:
    return _check_sid(
        value, field, API_KEY_SID, "SK followed by 32 hexadecimal characters (an API key SID)"
    )


def parse_e164(value: Any, field: str) -> str:
    """A phone number written in E.164 (`+` country code and number) that phonenumbers accepts."""
    text = value.strip() if isinstance(value, str) else value
    hint = "written in E.164 form, e.g. +14155550123"
    if not isinstance(text, str) or not text.startswith("+") or len(text) > MAX_FROM:
        raise ValidationError(f"{field} must be a phone number {hint}.", field=field)
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"{field} must be a phone number {hint}.", field=field) from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if e164 != text or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            f"{field} {text!r} is not a valid phone number: it must be {hint}.", field=field
        )
    return e164


def check_from(value: Any, field: str = "from") -> str | None:
    if _text_or_none(value, field) is None:
        return None
    return parse_e164(value, field)


def check_sms_source(value: Any, field: str = "sms_source") -> str:
    if value not in SMS_SOURCES:
        raise ValidationError(
            f"{field} must be 'from' (Use From) or 'messaging_service' (Use Messaging Services).",
            field=field,
        )
    return value


def check_secret(value: Any, field: str = "auth_token") -> str:
    """A secret as typed: refused (not trimmed) when it holds spaces, so a paste slip shows."""
    if not isinstance(value, str) or not value:
        raise ValidationError(f"{field} must be a non-empty text.", field=field)
    if any(ch.isspace() for ch in value):
        raise ValidationError(
            f"{field} must not contain spaces or line breaks: copy it again from the Twilio "
            "Console.",
            field=field,
        )
    if not value.isprintable() or not value.isascii():
        raise ValidationError(f"{field} must contain only printable ASCII characters.", field=field)
    if len(value) > MAX_SECRET:
        raise ValidationError(f"{field} must be {MAX_SECRET} characters or fewer.", field=field)
    return value


def check_url(value: Any, field: str) -> str | None:
    url = _text_or_none(value, field)
    if url is None:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.fragment:
        raise ValidationError(
            f"{field} must be an http:// or https:// URL, e.g. https://mfa.example.com/twilio/status.",
            field=field,
        )
    if len(url) > 2000 or any(ch.isspace() for ch in url):
        raise ValidationError(f"{field} must be a URL without spaces.", field=field)
    return url


# -- the configuration as a whole ---------------------------------------------------------------


@dataclass(frozen=True)
class TwilioConfig:
    """The stored Twilio configuration; secrets appear only as their masks."""

    sid: str | None = None
    from_: str | None = None
    messaging_service_sid: str | None = None
    sms_source: str = "from"
    api_key_sid: str | None = None
    callback_url: str | None = None
    base_url: str | None = None
    auth_token_hint: str | None = None  # `••••••••` + last 4, None when no token is stored
    api_key_secret_hint: str | None = None

    @property
    def sms_sender(self) -> dict[str, str] | None:
        """What identifies the SMS sender to Twilio: {"From": …} or {"MessagingServiceSid": …}."""
        if self.sms_source == "messaging_service":
            return (
                {"MessagingServiceSid": self.messaging_service_sid}
                if self.messaging_service_sid
                else None
            )
        return {"From": self.from_} if self.from_ else None

    def conflicts(self, *, voice_enabled: bool) -> list[tuple[str, str]]:
        """Combinations refused at save, as (field, reason)."""
        found = []
        if self.sms_source == "messaging_service" and not self.messaging_service_sid:
            found.append(
                (
                    "messaging_service_sid",
                    "messaging_service_sid is required when the SMS source is Use Messaging "
                    "Services.",
                )
            )
        if voice_enabled and not self.from_:
            found.append(
                (
                    "from",
                    "from is required because voice is enabled: Twilio places calls from a "
                    "phone number, even when SMS go through a Messaging Service.",
                )
            )
        if self.api_key_sid and not self.api_key_secret_hint:
            found.append(("api_key_secret", "api_key_secret is required with an API key SID."))
        if self.api_key_secret_hint and not self.api_key_sid:
            found.append(("api_key_sid", "api_key_sid is required with an API key secret."))
        return found

    def missing(self, *, sms_enabled: bool, voice_enabled: bool) -> list[str]:
        """What still stops sends, in plain words (accepted at save: Terraform sets fields in turn)."""
        notes = []
        if not self.sid:
            notes.append("the Account SID")
        if not self.auth_token_hint and not (self.api_key_sid and self.api_key_secret_hint):
            notes.append("the auth token (or an API key)")
        if sms_enabled and self.sms_sender is None:
            notes.append(
                "the From number" if self.sms_source == "from" else "the Messaging Service SID"
            )
        if voice_enabled and not self.from_ and "the From number" not in notes:
            notes.append("the From number (voice calls)")
        return notes


# -- voice language -----------------------------------------------------------------------------

# Tags Twilio's <Say> accepts, and the one a bare language maps to.
SAY_LANGUAGES = {
    "en": "en-US", "fr": "fr-FR", "es": "es-ES", "de": "de-DE", "it": "it-IT", "pt": "pt-BR",
    "nl": "nl-NL", "sv": "sv-SE", "da": "da-DK", "nb": "nb-NO", "no": "nb-NO", "fi": "fi-FI",
    "pl": "pl-PL", "ru": "ru-RU", "tr": "tr-TR", "ja": "ja-JP", "ko": "ko-KR", "zh": "zh-CN",
    "ca": "ca-ES", "is": "is-IS", "ro": "ro-RO", "cy": "cy-GB", "hi": "hi-IN", "ar": "arb",
}  # fmt: skip
SAY_REGIONAL = frozenset({
    "en-US", "en-GB", "en-AU", "en-IN", "en-NZ", "en-ZA", "en-CA", "fr-FR", "fr-CA", "es-ES",
    "es-MX", "es-US", "pt-BR", "pt-PT", "de-DE", "de-AT", "it-IT", "nl-NL", "nl-BE", "sv-SE",
    "da-DK", "nb-NO", "fi-FI", "pl-PL", "ru-RU", "tr-TR", "ja-JP", "ko-KR", "zh-CN", "zh-HK",
    "zh-TW", "ca-ES", "is-IS", "ro-RO", "cy-GB", "hi-IN",
})  # fmt: skip
_REGIONAL_BY_LOWER = {tag.lower(): tag for tag in SAY_REGIONAL}


def say_language(locale: str | None) -> str:
    """The `<Say language>` for a flow's locale: `fr` -> `fr-FR`, `fr-ca` -> `fr-CA`, else en-US."""
    if not locale:
        return "en-US"
    tag = locale.strip().replace("_", "-").lower()
    if tag in _REGIONAL_BY_LOWER:
        return _REGIONAL_BY_LOWER[tag]
    return SAY_LANGUAGES.get(tag.split("-")[0], "en-US")


_NUMBER_IN_TEXT = re.compile(r"\+\d{7,15}\b")


def redact_numbers(text: str) -> str:
    """Twilio's messages quote phone numbers ("The 'To' number +1… is not valid"): mask them."""
    return _NUMBER_IN_TEXT.sub(lambda m: mask_phone(m.group()) or "", text)


def spoken_code(code: str) -> str:
    """`123456` -> `1. 2. 3. 4. 5. 6`: speech reads each digit on its own, with a short stop."""
    return ". ".join(code)


# -- what Twilio's answers mean -----------------------------------------------------------------

ERROR_MEANINGS: dict[str, str] = {
    "20003": "Twilio refused the credentials: check the Account SID and the auth token (or API key).",
    "20404": "Twilio does not know this resource: the Account SID may be wrong.",
    "20429": "Twilio is rate limiting this account (too many requests at once); retried once.",
    "20500": "Twilio had an internal error; retried once.",
    "20503": "Twilio's service was unavailable; retried once.",
    "21201": "No recipient number was given.",
    "21205": "The call had no instructions (TwiML).",
    "21210": "The From number is not a Twilio number or verified caller ID of this account, so it cannot place calls.",
    "21211": "The recipient's number is not a valid phone number.",
    "21212": "The From number is not a valid phone number, short code or sender ID.",
    "21213": "No From number was given: voice calls always need one.",
    "21214": "The recipient's phone cannot be reached by voice.",
    "21215": "This account may not call that country (Geo Permissions for voice).",
    "21216": "Calls to this number are blocked by Twilio.",
    "21217": "The recipient's number does not look valid for a call.",
    "21408": "This account may not send SMS to that country (Geo Permissions for SMS).",
    "21602": "The message had no text.",
    "21603": "Neither a From number nor a Messaging Service was given.",
    "21604": "No recipient number was given.",
    "21606": "The From number cannot send SMS to this destination, or is not owned by the account.",
    "21608": "Trial accounts can only send to verified numbers.",
    "21610": "The recipient replied STOP to this sender: Twilio will not send them SMS until they reply START.",
    "21611": "The From number's queue of messages is full; try again later.",
    "21612": "Twilio cannot route an SMS between this From number and the recipient.",
    "21614": "The recipient's number cannot receive SMS (a landline?). Offer a voice call instead.",
    "21617": "The message is longer than 1,600 characters.",
    "21659": "The From number is not a Twilio number of this account.",
    "21660": "The From number does not belong to this account.",
    "21705": "The Messaging Service SID is not valid for this account.",
    "30003": "The recipient's handset was unreachable (off or out of coverage).",
    "30004": "The message was blocked (by the recipient, their carrier or a filter).",
    "30005": "The recipient's number is unknown to their carrier (it may no longer exist).",
    "30006": "The recipient's number is a landline or its carrier cannot receive SMS.",
    "30007": "The carrier filtered the message as spam.",
    "30008": "The carrier reported an unknown delivery error.",
    "32018": "The voice script is longer than Twilio's 4,000-character TwiML limit.",
    # phonemfa's own codes for failures that never reached a Twilio answer.
    "timeout": "Twilio did not answer in time; the message may or may not have been sent, so it was not retried.",
    "unreachable": "Twilio's API could not be reached (network down or a wrong base URL).",
    "not_configured": "Twilio is not fully configured in phonemfa (Twilio section, F2).",
    "no_from": "Voice calls need a From number: set one in the Twilio section (F2).",
    "busy": "The recipient's line was busy.",
    "no-answer": "Nobody answered the call.",
    "canceled": "The call was canceled before it was answered.",
    "failed": "Twilio could not place the call.",
    "provider_error": "Twilio gave an answer phonemfa could not understand.",
}


def explain(code: str | int | None) -> str:
    """Plain words for a Twilio error code (or one of phonemfa's own)."""
    if code is None or code == "":
        return ""
    key = str(code)
    if key in ERROR_MEANINGS:
        return ERROR_MEANINGS[key]
    return f"Twilio error {key}: see https://www.twilio.com/docs/errors/{key}."


# Outbox statuses only move forward: Twilio may post callbacks out of order.
_MESSAGE_RANK = {
    "accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3,
    "delivered": 4, "undelivered": 4, "failed": 4, "canceled": 4, "read": 5,
}  # fmt: skip
_CALL_RANK = {
    "queued": 1, "initiated": 2, "ringing": 3, "in-progress": 4,
    "completed": 5, "busy": 5, "failed": 5, "no-answer": 5, "canceled": 5,
}  # fmt: skip
MESSAGE_FAILURES = frozenset({"failed", "undelivered"})
CALL_FAILURES = frozenset({"failed", "busy", "no-answer", "canceled"})


def status_moves_forward(channel: str, current: str | None, new: str) -> bool:
    ranks = _CALL_RANK if channel == "voice" else _MESSAGE_RANK
    if new not in ranks:
        return False
    return current not in ranks or ranks[new] > ranks[current]  # type: ignore[index]


def is_failure(channel: str, status: str) -> bool:
    return status in (CALL_FAILURES if channel == "voice" else MESSAGE_FAILURES)
