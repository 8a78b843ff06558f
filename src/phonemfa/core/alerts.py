"""Alert rules on the tenant log: the signs of SMS pumping and toll fraud, as pure decisions.

Kinds:
- `spike`: sends of some event types in the last `window` seconds exceed `threshold` times their
  usual rate (the average per window over the `baseline` seconds before) and at least `min_count`.
- `count`: at least `threshold` events of the types within `window` (e.g. any `limit_mu`).
- `failure_ratio`: failed sends over `threshold` percent of all sends in `window`, once there are at
  least `min_count` sends.
- `usage_day`: messages since midnight UTC reach `threshold`.
- `usage_country`: messages to one destination country since midnight UTC reach `threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from phonemfa.core.events import EVENT_TYPES
from phonemfa.errors import ValidationError

KINDS = ("spike", "count", "failure_ratio", "usage_day", "usage_country")
SEND_TYPES = ("gd_send_sms", "gd_send_voice")
FAILURE_TYPES = ("gd_send_sms_failure", "gd_send_voice_failure")
DAY = 86400


@dataclass(frozen=True)
class AlertRule:
    id: str
    name: str
    kind: str
    types: tuple[str, ...] = ()
    threshold: float = 1
    window: int = 300
    min_count: int = 0
    baseline: int = DAY
    enabled: bool = True
    webhook_url: str | None = None
    webhook_authorization_hint: str | None = None  # the mask; the value is stored encrypted

    def describe(self) -> str:
        types = ", ".join(self.types)
        minutes = _duration(self.window)
        if self.kind == "spike":
            return (
                f"{types} over {self.threshold:g}× the usual rate in {minutes} "
                f"(at least {self.min_count})"
            )
        if self.kind == "count":
            return f"{int(self.threshold)} or more {types} in {minutes}"
        if self.kind == "failure_ratio":
            return (
                f"failed sends over {self.threshold:g}% in {minutes} (once {self.min_count} sends)"
            )
        if self.kind == "usage_day":
            return f"{int(self.threshold)} messages in a day (UTC)"
        return f"{int(self.threshold)} messages to one country in a day (UTC)"


@dataclass(frozen=True)
class Observation:
    """What the store counted for one rule (and one key, e.g. a country)."""

    observed: float
    expected: float | None = None
    sends: int = 0
    key: str = ""
    real: int = 1  # events not marked simulated among those counted


@dataclass(frozen=True)
class Firing:
    rule: AlertRule
    observation: Observation
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def simulated(self) -> bool:
        return self.observation.real == 0


def decide(rule: AlertRule, seen: Observation) -> Firing | None:
    """Whether `seen` breaks `rule`; the message says what was seen against what was allowed."""
    if rule.kind == "spike":
        expected = seen.expected or 0.0
        limit = max(float(rule.min_count), rule.threshold * expected)
        if seen.observed >= rule.min_count and seen.observed > rule.threshold * expected:
            return _fire(
                rule,
                seen,
                f"{int(seen.observed)} {', '.join(rule.types)} in {_duration(rule.window)}; "
                f"usually {expected:.1f} (limit {limit:.0f})",
            )
        return None
    if rule.kind == "count":
        if seen.observed >= rule.threshold:
            return _fire(
                rule,
                seen,
                f"{int(seen.observed)} {', '.join(rule.types)} in {_duration(rule.window)}",
            )
        return None
    if rule.kind == "failure_ratio":
        if seen.sends >= max(rule.min_count, 1) and seen.observed > rule.threshold:
            return _fire(
                rule,
                seen,
                f"{seen.observed:.0f}% of {seen.sends} sends failed in {_duration(rule.window)} "
                f"(limit {rule.threshold:g}%)",
            )
        return None
    if rule.kind in ("usage_day", "usage_country"):
        if seen.observed >= rule.threshold:
            country = seen.key.rsplit(":", 1)[-1]
            where = f" to {country}" if rule.kind == "usage_country" else ""
            return _fire(
                rule,
                seen,
                f"{int(seen.observed)} messages{where} today (limit {int(rule.threshold)})",
            )
        return None
    raise ValidationError(f"Unknown alert kind {rule.kind!r}.")


def _fire(rule: AlertRule, seen: Observation, message: str) -> Firing:
    details: dict[str, Any] = {
        "rule_id": rule.id,
        "rule_name": rule.name,
        "kind": rule.kind,
        "types": list(rule.types),
        "threshold": rule.threshold,
        "window": rule.window,
        "observed": seen.observed,
    }
    if seen.expected is not None:
        details["expected"] = round(seen.expected, 3)
    if rule.kind == "failure_ratio":
        details["sends"] = seen.sends
    if seen.key:
        details["key"] = seen.key
    return Firing(rule, seen, f"{rule.name}: {message}", details)


def _duration(seconds: int) -> str:
    if seconds % 3600 == 0 and seconds >= 3600:
        hours = seconds // 3600
        return "1 hour" if hours == 1 else f"{hours} hours"
    if seconds % 60 == 0:
        minutes = seconds // 60
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    return f"{seconds} seconds"


def validate(rule: AlertRule) -> AlertRule:
    """Refuse rules that could never fire or would fire on everything."""
    if rule.kind not in KINDS:
        raise ValidationError(f"kind must be one of {', '.join(KINDS)}.", field="kind")
    if not rule.name.strip() or len(rule.name) > 120:
        raise ValidationError("name must be 1 to 120 characters.", field="name")
    unknown = [t for t in rule.types if t not in EVENT_TYPES]
    if unknown:
        raise ValidationError(f"Unknown event type {', '.join(unknown)}.", field="types")
    if rule.kind in ("spike", "count") and not rule.types:
        raise ValidationError("A spike or count rule needs at least one event type.", field="types")
    if not 10 <= rule.window <= 7 * DAY:
        raise ValidationError("window must be between 10 seconds and 7 days.", field="window")
    if rule.threshold <= 0:
        raise ValidationError("threshold must be above zero.", field="threshold")
    if rule.kind == "failure_ratio" and rule.threshold >= 100:
        raise ValidationError(
            "A failure ratio threshold is a percentage below 100.", field="threshold"
        )
    if rule.min_count < 0:
        raise ValidationError("min_count must not be negative.", field="min_count")
    if rule.kind == "spike" and rule.baseline <= rule.window:
        raise ValidationError("baseline must be longer than the window.", field="baseline")
    return replace(rule, name=rule.name.strip())


DEFAULT_RULES = (
    AlertRule("alr_sms_spike", "SMS sends spike", "spike", ("gd_send_sms",), 3, 300, 20),
    AlertRule(
        "alr_sms_fail_spike", "SMS failures spike", "spike", ("gd_send_sms_failure",), 3, 300, 10
    ),
    AlertRule("alr_voice_spike", "Voice calls spike", "spike", ("gd_send_voice",), 3, 300, 10),
    AlertRule(
        "alr_voice_fail_spike",
        "Voice failures spike",
        "spike",
        ("gd_send_voice_failure",),
        3,
        300,
        5,
    ),
    AlertRule("alr_ip_blocked", "IP blocked for sign-up flood", "count", ("limit_mu",), 1, 60),
    AlertRule("alr_failure_ratio", "Send failures over 25%", "failure_ratio", (), 25, 900, 20),
    AlertRule("alr_usage_day", "Messages per day", "usage_day", (), 1000, DAY),
    AlertRule("alr_usage_country", "Messages per country per day", "usage_country", (), 300, DAY),
)
