"""Log streams as Auth0 defines them: content formats, record shape, filters. Pure, no I/O.

Each record is `{"log_id": ..., "data": <event>}`. JSONLINES puts one record per line in a body,
JSONARRAY one JSON array per body, JSONOBJECT one record (a single object) per request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from phonemfa.core.events import CATEGORIES, EVENT_TYPES, Event
from phonemfa.errors import ValidationError

FORMATS = ("JSONLINES", "JSONARRAY", "JSONOBJECT")
STATUSES = ("active", "paused", "suspended")
SINK_TYPES = ("http", "file")
DEFAULT_CONTENT_TYPE = "application/json"
FILTER_TYPES = ("category", "type")


def record(event: Event) -> dict[str, Any]:
    return {"log_id": event.log_id, "data": event.to_json()}


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def bodies(events: list[Event], content_format: str) -> list[bytes]:
    """The request bodies carrying `events`, in order: one body, or one per event (JSONOBJECT)."""
    records = [record(e) for e in events]
    if not records:
        return []
    if content_format == "JSONOBJECT":
        return [_dumps(r).encode() for r in records]
    if content_format == "JSONARRAY":
        return [_dumps(records).encode()]
    return ["\n".join(_dumps(r) for r in records).encode() + b"\n"]


def json_line(event: Event) -> str:
    """One line of a file sink."""
    return _dumps(record(event)) + "\n"


@dataclass(frozen=True)
class StreamFilter:
    """Auth0's `{"type": "category", "name": ...}`; phonemfa's categories, or one event type."""

    type: str
    name: str

    def to_json(self) -> dict[str, str]:
        return {"type": self.type, "name": self.name}


def parse_filters(raw: Any) -> tuple[StreamFilter, ...]:
    """Validate a filters list; unknown names are refused so a typo never silences a stream."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValidationError("filters must be a list of {type, name} objects.", field="filters")
    parsed = []
    for item in raw:
        if not isinstance(item, dict) or set(item) - {"type", "name"}:
            raise ValidationError(
                'Each filter must be {"type": "category"|"type", "name": ...}.', field="filters"
            )
        kind, name = item.get("type", "category"), item.get("name")
        if kind not in FILTER_TYPES:
            raise ValidationError(
                f"Unknown filter type {kind!r}: use category or type.", field="filters"
            )
        if kind == "category" and name not in CATEGORIES:
            raise ValidationError(
                f"Unknown category {name!r}. Categories: {', '.join(CATEGORIES)}.",
                field="filters",
            )
        if kind == "type" and name not in EVENT_TYPES:
            raise ValidationError(f"Unknown event type {name!r}.", field="filters")
        parsed.append(StreamFilter(kind, name))
    return tuple(dict.fromkeys(parsed))


def filters_from_names(names: Iterable[str]) -> tuple[StreamFilter, ...]:
    """The CLI's and console's `sent,limit_mu`: each name is a category or an event type."""
    raw = []
    for name in names:
        name = name.strip()
        if not name:
            continue
        raw.append({"type": "category" if name in CATEGORIES else "type", "name": name})
    return parse_filters(raw)


def accepts(filters: tuple[StreamFilter, ...], event: Event) -> bool:
    """No filters means every event."""
    if not filters:
        return True
    return any(
        (f.type == "category" and event.category == f.name)
        or (f.type == "type" and event.type == f.name)
        for f in filters
    )


def check_format(value: Any) -> str:
    if value not in FORMATS:
        raise ValidationError(
            f"httpContentFormat must be one of {', '.join(FORMATS)}.", field="httpContentFormat"
        )
    return value


def check_endpoint(value: Any, field: str = "httpEndpoint") -> str:
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValidationError(f"{field} must be an http:// or https:// URL.", field=field)
    if len(value) > 2000 or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise ValidationError(
            f"{field} must be a URL without spaces, up to 2000 characters.", field=field
        )
    return value


def check_header_value(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value) > 4000 or any(ch in value for ch in "\r\n\0"):
        raise ValidationError(
            f"{field} must be a single-line text of at most 4000 characters.", field=field
        )
    return value


def check_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise ValidationError("name must be 1 to 200 characters.", field="name")
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError("name must not contain control characters.", field="name")
    return value.strip()
