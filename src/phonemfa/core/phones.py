"""Phone numbers: parse user input once (E.164 for storage), know its region and line type.

phonenumbers' metadata lookups are the expensive part of every enrollment; parsing is cached per
(text, default region) so a replay or a burst of sends reuses the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from phonemfa.core.masking import mask_phone

MAX_INPUT = 64  # longer text is not a phone number; refuse before parsing

NUMBER_TYPES: dict[int, str] = {
    PhoneNumberType.FIXED_LINE: "fixed_line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_line_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal_number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}
TYPE_NAMES = tuple(NUMBER_TYPES.values())
TYPE_LABELS = {
    "fixed_line": "fixed line",
    "mobile": "mobile",
    "fixed_line_or_mobile": "fixed line or mobile",
    "toll_free": "toll-free",
    "premium_rate": "premium-rate",
    "shared_cost": "shared-cost",
    "voip": "VoIP",
    "personal_number": "personal number",
    "pager": "pager",
    "uan": "universal access number",
    "voicemail": "voicemail",
    "unknown": "unknown",
}
REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    region: str  # ISO 3166 alpha-2, e.g. "FR"
    number_type: str  # one of TYPE_NAMES

    @property
    def masked(self) -> str:
        return mask_phone(self.e164) or ""

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.number_type, self.number_type)


class PhoneParseError(ValueError):
    """`key` is the user-facing text key: invalid-phone-format (unreadable) or invalid-phone."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def parse_phone(text: object, default_region: str | None = None) -> PhoneNumber:
    """E.164 input anywhere; national input when `default_region` is set. Raises PhoneParseError."""
    if not isinstance(text, str) or not text.strip():
        raise PhoneParseError("A phone number is required.", "invalid-phone-format")
    if len(text) > MAX_INPUT or any(ord(ch) < 32 for ch in text):
        raise PhoneParseError("That is not a phone number.", "invalid-phone-format")
    return _parse(text.strip(), (default_region or "").upper() or None)


@lru_cache(maxsize=4096)
def _parse(text: str, default_region: str | None) -> PhoneNumber:
    try:
        number = phonenumbers.parse(text, default_region)
    except NumberParseException as exc:
        hint = (
            " Write it in international format, e.g. +14155550123."
            if not text.startswith("+")
            else ""
        )
        raise PhoneParseError(
            f"The phone number cannot be read ({_reason(exc)}).{hint}", "invalid-phone-format"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneParseError(
            "The phone number is not a valid number for any country.", "invalid-phone"
        )
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    kind = NUMBER_TYPES.get(phonenumbers.number_type(number), "unknown")
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return PhoneNumber(e164=e164, region=region, number_type=kind)


def _reason(exc: NumberParseException) -> str:
    return {
        NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
        NumberParseException.NOT_A_NUMBER: "not a number",
        NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
        NumberParseException.TOO_SHORT_NSN: "too short",
        NumberParseException.TOO_LONG: "too long",
    }.get(exc.error_type, "unreadable")
