"""Settings of the MFA engine: rate limits, country and number rules, the Custom action.

Registered into the one settings registry (core/settings.py imports this module), so the console,
the CLI and the API accept and refuse them with the same words. Limits default to the seed's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from phonemfa.core.limits import BucketRule
from phonemfa.core.phones import REGIONS, TYPE_NAMES
from phonemfa.core.rules import DEFAULT_BLOCKED_TYPES
from phonemfa.core.settings import (
    SettingSpec,
    check_int,
    parse_int_text,
    parse_list_text,
    register,
)
from phonemfa.errors import ValidationError

DAY = 86400


def check_regions(key: str) -> Callable[[Any], list[str]]:
    def validate(value: Any) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError(
                f'{key} must be a list of country codes, e.g. ["US", "FR"].', field=key
            )
        upper = [v.strip().upper() for v in value]
        unknown = [v for v in upper if v not in REGIONS]
        if unknown:
            raise ValidationError(
                f"{key}: unknown country code {', '.join(unknown)} (use ISO codes such as US, FR).",
                field=key,
            )
        return list(dict.fromkeys(upper))

    return validate


def check_number_types(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            'blocked_number_types must be a list, e.g. ["premium_rate", "shared_cost"].',
            field="blocked_number_types",
        )
    unknown = [v for v in value if v not in TYPE_NAMES]
    if unknown:
        raise ValidationError(
            f"blocked_number_types: unknown type {', '.join(unknown)}; "
            f"known types: {', '.join(TYPE_NAMES)}.",
            field="blocked_number_types",
        )
    return list(dict.fromkeys(value))


def check_default_region(value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(
            "default_region must be a country code or empty.", field="default_region"
        )
    upper = value.strip().upper()
    if upper and upper not in REGIONS:
        raise ValidationError(
            f"default_region: unknown country code {upper!r} (use ISO codes such as US, FR, "
            "or empty to accept only international numbers).",
            field="default_region",
        )
    return upper


_ACTION_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def check_custom_action(value: Any) -> str:
    """`package.module:function`, or a path to a .py file (optionally `path.py:function`)."""
    if not isinstance(value, str) or len(value) > 500 or any(ord(c) < 32 for c in value):
        raise ValidationError(
            "custom_action must be module:function or a path to a .py file.", field="custom_action"
        )
    text = value.strip()
    file_part = text.rsplit(":", 1)[0] if text.count(":") and ".py:" in text else text
    if text and not _ACTION_REF.match(text) and not file_part.endswith(".py"):
        raise ValidationError(
            "custom_action must be module:function (e.g. phonemfa.actions.webhook:"
            "on_execute_send_phone_message) or a path to a .py file.",
            field="custom_action",
        )
    return text


def _int(key: str, default: int, low: int, high: int, unit: str, help: str) -> None:
    register(SettingSpec(key, default, check_int(key, low, high, unit), parse_int_text, help))


# -- rate limits (reference §5) --------------------------------------------------------------------
_int(
    "limit_user_messages_burst",
    10,
    1,
    10_000,
    "messages",
    "SMS and voice messages a user can get at once.",
)
_int(
    "limit_user_messages_refill_seconds",
    3600,
    1,
    7 * DAY,
    "seconds",
    "A user regains one message every N seconds.",
)
_int(
    "limit_wrong_codes_burst",
    10,
    1,
    10_000,
    "codes",
    "Wrong codes a user may enter before checks stop.",
)
_int(
    "limit_wrong_codes_refill_seconds",
    360,
    1,
    7 * DAY,
    "seconds",
    "A user regains one wrong-code attempt every N seconds.",
)
_int(
    "limit_wrong_recovery_burst",
    10,
    1,
    10_000,
    "codes",
    "Wrong recovery codes a user may enter before checks stop.",
)
_int(
    "limit_wrong_recovery_refill_seconds",
    360,
    1,
    7 * DAY,
    "seconds",
    "A user regains one wrong-recovery-code attempt every N seconds.",
)
_int(
    "limit_ip_enroll_per_minute",
    50,
    1,
    100_000,
    "starts",
    "Enrollment starts per IP per minute; one more blocks the IP.",
)

# -- where codes may go -----------------------------------------------------------------------------
for _channel in ("sms", "voice"):
    for _kind, _what in (
        ("allowed", "only these countries (empty: all)"),
        ("denied", "never these countries"),
    ):
        _key = f"{_channel}_{_kind}_regions"
        register(
            SettingSpec(
                _key, [], check_regions(_key), parse_list_text, f"{_channel.upper()}: {_what}."
            )
        )
register(
    SettingSpec(
        "blocked_number_types",
        DEFAULT_BLOCKED_TYPES,
        check_number_types,
        parse_list_text,
        "Number types refused for both channels (toll-fraud-prone types by default).",
    )
)
register(
    SettingSpec(
        "default_region",
        "US",
        check_default_region,
        str,
        "Country assumed for numbers typed without +country code (empty: international only).",
    )
)

# -- the Custom provider ------------------------------------------------------------------------------
register(
    SettingSpec(
        "custom_action",
        "",
        check_custom_action,
        str,
        "The Send Phone Message action: module:function or a .py file path.",
    )
)
_int(
    "custom_action_timeout",
    10,
    1,
    120,
    "seconds",
    "Seconds the Custom action may run before the send fails.",
)


def bucket_rules(values: dict[str, Any]) -> dict[str, BucketRule]:
    """The engine's buckets from the current settings, by bucket kind."""
    return {
        "user_messages": BucketRule(
            values["limit_user_messages_burst"], 1, values["limit_user_messages_refill_seconds"]
        ),
        "wrong_codes": BucketRule(
            values["limit_wrong_codes_burst"], 1, values["limit_wrong_codes_refill_seconds"]
        ),
        "wrong_recovery": BucketRule(
            values["limit_wrong_recovery_burst"], 1, values["limit_wrong_recovery_refill_seconds"]
        ),
        "ip_enroll": BucketRule(
            values["limit_ip_enroll_per_minute"], values["limit_ip_enroll_per_minute"], 60
        ),
    }
