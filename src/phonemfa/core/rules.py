"""Where codes may be sent: per-channel region allow/deny lists and refused number types.

Pure: the engine passes the parsed number and the settings, and gets back a verdict naming the
rule, so refusals can say which setting stopped them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from phonemfa.core.phones import TYPE_LABELS, PhoneNumber

# Toll-fraud-prone types refused by default (SMS pumping / international revenue share fraud).
DEFAULT_BLOCKED_TYPES = [
    "premium_rate",
    "shared_cost",
    "personal_number",
    "uan",
    "pager",
    "voicemail",
]


@dataclass(frozen=True)
class RuleVerdict:
    ok: bool
    rule: str  # the setting or rule that decided, e.g. "sms_denied_regions"
    detail: str


def check_destination(number: PhoneNumber, channel: str, values: dict[str, Any]) -> RuleVerdict:
    label = "SMS" if channel == "sms" else "Voice calls"
    allowed = values.get(f"{channel}_allowed_regions") or []
    denied = values.get(f"{channel}_denied_regions") or []
    region = number.region
    if allowed and region not in allowed:
        return RuleVerdict(
            False,
            f"{channel}_allowed_regions",
            f"{label} are only sent to {', '.join(allowed)}; {region} is not on the allowlist "
            f"({channel}_allowed_regions).",
        )
    if region in denied:
        return RuleVerdict(
            False,
            f"{channel}_denied_regions",
            f"{label} to {region} are refused ({channel}_denied_regions).",
        )
    kind = number.number_type
    if kind in (values.get("blocked_number_types") or []):
        return RuleVerdict(
            False,
            "blocked_number_types",
            f"{TYPE_LABELS.get(kind, kind).capitalize()} numbers are refused "
            "(blocked_number_types).",
        )
    if channel == "sms" and kind == "fixed_line":
        return RuleVerdict(
            False,
            "sms_to_fixed_line",
            "This is a fixed line, which cannot receive SMS: choose voice or another number.",
        )
    where = f"{region} is allowed" + (" (allowlist)" if allowed else "")
    return RuleVerdict(True, "", f"{where}; {TYPE_LABELS.get(kind, kind)} numbers are accepted.")
