"""How one tenant log event reads to an operator: its channel, country, reason, one-line summary,
and the filter of the live log. Pure functions over `Event`, shared by the console and the CLI.

The engine writes the details; these readers accept the names it uses (`delivery_method`,
`region`/`country`, `provider_error`, `failure_details`, `reason`) and fall back to the type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from phonemfa.core.events import CATEGORIES, EVENT_TYPES, Event

CHANNELS = ("sms", "voice")

CATEGORY_LABELS = {
    "sent": "SENT",
    "failed": "FAILED",
    "limited": "LIMITED",
    "blocked": "BLOCKED",
    "settings": "SETTINGS",
    "flow": "FLOW",
    "alert": "ALERT",
    "other": "OTHER",
}


def event_channel(event: Event) -> str | None:
    """sms or voice when the event concerns one message channel."""
    if event.type.startswith("gd_send_sms"):
        return "sms"
    if event.type.startswith("gd_send_voice"):
        return "voice"
    details = event.details
    for key in ("delivery_method", "channel", "message_type"):
        value = details.get(key)
        if isinstance(value, str) and value.lower() in CHANNELS:
            return value.lower()
    authenticator = details.get("authenticator")
    if isinstance(authenticator, dict):
        kind = str(authenticator.get("type") or authenticator.get("oob_channel") or "").lower()
        if kind in CHANNELS:
            return kind
    return None


def event_country(event: Event) -> str | None:
    """ISO 3166 region of the destination number, when the event carries one."""
    details = event.details
    for key in ("region", "country", "phone_region"):
        value = details.get(key)
        if isinstance(value, str) and 2 <= len(value) <= 3:
            return value.upper()
    # The engine's decision trail names the region where the number was parsed.
    trail = details.get("trail")
    if isinstance(trail, list):
        for step in trail:
            data = step.get("data") if isinstance(step, dict) else None
            region = data.get("region") if isinstance(data, dict) else None
            if isinstance(region, str) and 2 <= len(region) <= 3:
                return region.upper()
    return None


def event_phone(event: Event) -> str | None:
    """The (already masked) phone number the event is about."""
    details = event.details
    value = details.get("phone_number")
    if isinstance(value, str):
        return value
    authenticator = details.get("authenticator")
    if isinstance(authenticator, dict) and isinstance(authenticator.get("phone_number"), str):
        return authenticator["phone_number"]
    return None


def event_error_code(event: Event) -> str | None:
    """The provider's or the engine's code for a failure or refusal, if any."""
    details = event.details
    for key in ("provider_error", "failure_details"):
        value = details.get(key)
        if isinstance(value, dict) and value.get("errorCode") not in (None, ""):
            return str(value["errorCode"])
    for key in ("error_code", "reason", "rule"):
        value = details.get(key)
        if isinstance(value, str | int) and value != "":
            return str(value)
    return None


def event_reason(event: Event) -> str:
    """What a failure or refusal panel groups by: the type, and the code when there is one."""
    code = event_error_code(event)
    return f"{event.type} · {code}" if code else event.type


def event_message(event: Event) -> str:
    """The most telling text: a provider's error message, else the description."""
    for key in ("provider_error", "failure_details"):
        value = event.details.get(key)
        if isinstance(value, dict) and value.get("message"):
            return f"{event.description}: {value['message']}"
    return event.description


def clock_time(event: Event) -> str:
    """HH:MM:SS of the event's ISO date (UTC, as stored)."""
    return event.date[11:19] if len(event.date) >= 19 else event.date


def summary(event: Event, *, with_date: bool = False) -> str:
    """One line per event, aligned columns, for the live log and `phonemfa logs`."""
    when = event.date[:19].replace("T", " ") if with_date else clock_time(event)
    label = CATEGORY_LABELS.get(event.category, "OTHER")
    who = event.user_id or (f"ip {event.ip}" if event.ip else "-")
    where = " ".join(part for part in (event_country(event), event_channel(event)) if part)
    phone = event_phone(event)
    tail = event_message(event) + (f" {phone}" if phone else "")
    simulated = " [simulated]" if event.simulated else ""
    # The columns an operator scans first fit in about 70 characters; the rest may scroll.
    return f"{when} {label:<8} {event.type:<22} {_cut(who, 16):<16} {where:<8} {tail}{simulated}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- the live log's filter ------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """Empty fields match everything. `kind` is a category name or an event type."""

    kind: str | None = None
    user: str | None = None
    country: str | None = None
    channel: str | None = None
    text: str | None = None

    @property
    def active(self) -> bool:
        return any((self.kind, self.user, self.country, self.channel, self.text))

    def matches(self, event: Event) -> bool:
        if self.kind:
            if self.kind in CATEGORIES or self.kind == "other":
                if event.category != self.kind:
                    return False
            elif event.type != self.kind:
                return False
        if self.user and self.user.lower() not in (event.user_id or "").lower():
            return False
        if self.country and (event_country(event) or "") != self.country.strip().upper():
            return False
        if self.channel and event_channel(event) != self.channel:
            return False
        if self.text:
            needle = self.text.lower()
            haystack = (summary(event) + " " + _details_text(event.details)).lower()
            if needle not in haystack:
                return False
        return True

    def describe(self) -> str:
        parts = []
        if self.kind:
            parts.append(f"kind={self.kind}")
        if self.user:
            parts.append(f"user~{self.user}")
        if self.country:
            parts.append(f"country={self.country.upper()}")
        if self.channel:
            parts.append(f"channel={self.channel}")
        if self.text:
            parts.append(f'text~"{self.text}"')
        return ", ".join(parts) if parts else "none"


def _details_text(details: dict[str, Any]) -> str:
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


def kind_choices() -> list[tuple[str, str]]:
    """(label, value) pairs for a type-or-category picker: categories first, then every type."""
    choices = [(f"Category: {name}", name) for name in CATEGORIES]
    choices += [(f"{code} ({text})", code) for code, text in EVENT_TYPES.items()]
    return choices
