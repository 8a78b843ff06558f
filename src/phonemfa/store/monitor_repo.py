"""Read-only aggregates for the live log's panels and the logs API (events and outbox tables)."""

from __future__ import annotations

from typing import Any

from phonemfa.core.events import CATEGORIES, Event
from phonemfa.core.limits import BucketState
from phonemfa.core.logquery import Condition
from phonemfa.store import events_repo
from phonemfa.store.db import Store

# The same order of preference as core.eventview.event_error_code.
_CODE_SQL = (
    "COALESCE(json_extract(details, '$.provider_error.errorCode'),"
    " json_extract(details, '$.failure_details.errorCode'),"
    " json_extract(details, '$.error_code'), json_extract(details, '$.reason'),"
    " json_extract(details, '$.rule'))"
)
REFUSAL_CATEGORIES = ("failed", "limited", "blocked")


def sends_per_minute(store: Store, *, since: float, minutes: int) -> dict[str, list[int]]:
    """Messages handed to a provider per minute and channel, oldest minute first."""
    series = {"sms": [0] * minutes, "voice": [0] * minutes}
    rows = store.query(
        "SELECT channel, CAST((created_at - ?) / 60 AS INTEGER) AS minute, COUNT(*) AS n"
        " FROM messages WHERE created_at >= ? AND created_at < ? GROUP BY channel, minute",
        (since, since, since + minutes * 60),
    )
    for row in rows:
        if row["channel"] in series and 0 <= row["minute"] < minutes:
            series[row["channel"]][row["minute"]] = int(row["n"])
    return series


def failure_reasons(store: Store, *, since: float, limit: int = 30) -> list[dict[str, Any]]:
    """Failures and refusals grouped by type and error code, most frequent first."""
    types = [t for c in REFUSAL_CATEGORIES for t in CATEGORIES[c]]
    marks = ",".join("?" * len(types))
    return store.query(
        f"SELECT type, {_CODE_SQL} AS code, COUNT(*) AS n, MAX(ts) AS last_ts FROM events"
        f" WHERE ts >= ? AND type IN ({marks}) GROUP BY type, code"
        f" ORDER BY n DESC, last_ts DESC LIMIT ?",
        (since, *types, limit),
    )


def country_usage(store: Store, *, since: float) -> list[dict[str, Any]]:
    """Messages and SMS segments (an unknown count as 1) per destination country."""
    return store.query(
        "SELECT COALESCE(region, '??') AS region, COUNT(*) AS messages,"
        " SUM(CASE WHEN channel = 'sms' THEN COALESCE(segments, 1) ELSE 0 END) AS segments, SUM(channel = 'sms') AS sms,"
        " SUM(channel = 'voice') AS voice, SUM(state = 'failed') AS failed FROM messages"
        " WHERE created_at >= ? GROUP BY COALESCE(region, '??') ORDER BY messages DESC, region",
        (since,),
    )


def user_message_buckets(store: Store) -> list[tuple[str, BucketState]]:
    """The engine's per-user message buckets (key `user_messages:<user_id>`), as stored."""
    rows = store.query(
        "SELECT key, tokens, updated_at FROM rate_buckets WHERE key >= ? AND key < ?",
        ("user_messages:", "user_messages;"),
    )
    return [(r["key"].split(":", 1)[1], BucketState(r["tokens"], r["updated_at"])) for r in rows]


def sends_by_user(store: Store, *, since: float) -> dict[str, int]:
    rows = store.query(
        "SELECT user_id, COUNT(*) AS n FROM messages WHERE created_at >= ? AND user_id IS NOT NULL"
        " GROUP BY user_id",
        (since,),
    )
    return {r["user_id"]: int(r["n"]) for r in rows}


def get_event(store: Store, event_id: int) -> Event | None:
    found = _load(store, [event_id])
    return found[0] if found else None


# -- the logs API --------------------------------------------------------------------------------


def search(
    store: Store, condition: Condition, *, ascending: bool, offset: int, limit: int
) -> list[Event]:
    order = "ASC" if ascending else "DESC"
    rows = store.query(
        f"SELECT id FROM events WHERE {condition.sql} ORDER BY id {order} LIMIT ? OFFSET ?",
        (*condition.params, limit, offset),
    )
    return _load(store, [r["id"] for r in rows])


def count(store: Store, condition: Condition) -> int:
    row = store.query_one(
        f"SELECT COUNT(*) AS n FROM events WHERE {condition.sql}", condition.params
    )
    return int(row["n"]) if row else 0


def _load(store: Store, ids: list[int]) -> list[Event]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = store.query(
        f"SELECT id, date, type, description, ip, user_id, user_name, client_id, client_name,"
        f" user_agent, details, simulated FROM events WHERE id IN ({marks})",
        tuple(ids),
    )
    by_id = {r["id"]: events_repo.to_event(r) for r in rows}
    return [by_id[i] for i in ids if i in by_id]
