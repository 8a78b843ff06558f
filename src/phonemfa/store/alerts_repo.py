"""Alert rules, their firings, and the counts the rules look at."""

from __future__ import annotations

import json
from typing import Any

from phonemfa.core.alerts import AlertRule
from phonemfa.store.db import Store


def _rule(row: dict[str, Any], hint: str | None) -> AlertRule:
    return AlertRule(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        types=tuple(json.loads(row["types"])),
        threshold=row["threshold"],
        window=row["window_seconds"],
        min_count=row["min_count"],
        baseline=row["baseline_seconds"],
        enabled=bool(row["enabled"]),
        webhook_url=row["webhook_url"],
        webhook_authorization_hint=hint,
    )


def secret_name(rule_id: str) -> str:
    return f"alert_rule:{rule_id}:authorization"


def rules(store: Store) -> list[AlertRule]:
    rows = store.query(
        "SELECT r.*, s.hint FROM alert_rules r LEFT JOIN secrets s"
        " ON s.name = 'alert_rule:' || r.id || ':authorization' ORDER BY r.rowid"
    )
    return [_rule(r, r["hint"]) for r in rows]


def rule(store: Store, rule_id: str) -> AlertRule | None:
    return next((r for r in rules(store) if r.id == rule_id), None)


def save_rule(store: Store, rule: AlertRule, now: float) -> None:
    store.db.execute(
        "INSERT INTO alert_rules(id, name, kind, types, threshold, window_seconds, min_count,"
        " baseline_seconds, enabled, webhook_url, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " kind = excluded.kind, types = excluded.types, threshold = excluded.threshold,"
        " window_seconds = excluded.window_seconds, min_count = excluded.min_count,"
        " baseline_seconds = excluded.baseline_seconds, enabled = excluded.enabled,"
        " webhook_url = excluded.webhook_url, updated_at = excluded.updated_at",
        (
            rule.id,
            rule.name,
            rule.kind,
            json.dumps(list(rule.types)),
            rule.threshold,
            rule.window,
            rule.min_count,
            rule.baseline,
            int(rule.enabled),
            rule.webhook_url,
            now,
            now,
        ),
    )


def delete_rule(store: Store, rule_id: str) -> bool:
    return store.db.execute("DELETE FROM alert_rules WHERE id = ?", (rule_id,)).rowcount > 0


# -- firings ---------------------------------------------------------------------------------------


def last_fired_at(store: Store, rule_id: str, key: str) -> float | None:
    row = store.query_one(
        "SELECT MAX(fired_at) AS at FROM alert_firings WHERE rule_id = ? AND key = ?",
        (rule_id, key),
    )
    return row["at"] if row and row["at"] is not None else None


def insert_firing(
    store: Store,
    *,
    rule_id: str,
    key: str,
    now: float,
    message: str,
    event_id: int,
    simulated: bool,
    notify: bool,
) -> int:
    cursor = store.db.execute(
        "INSERT INTO alert_firings(rule_id, key, fired_at, message, event_id, simulated,"
        " notify_state) VALUES (?,?,?,?,?,?,?)",
        (rule_id, key, now, message, event_id, int(simulated), "pending" if notify else "none"),
    )
    return int(cursor.lastrowid or 0)


def firings(store: Store, *, open_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    where = "WHERE f.acknowledged_at IS NULL" if open_only else ""
    return store.query(
        "SELECT f.*, r.name AS rule_name FROM alert_firings f"
        f" LEFT JOIN alert_rules r ON r.id = f.rule_id {where} ORDER BY f.id DESC LIMIT ?",
        (limit,),
    )


def firing(store: Store, firing_id: int) -> dict[str, Any] | None:
    return store.query_one(
        "SELECT f.*, r.name AS rule_name FROM alert_firings f"
        " LEFT JOIN alert_rules r ON r.id = f.rule_id WHERE f.id = ?",
        (firing_id,),
    )


def acknowledge(store: Store, firing_ids: list[int] | None, *, now: float, actor: str) -> int:
    if firing_ids is None:
        cursor = store.db.execute(
            "UPDATE alert_firings SET acknowledged_at = ?, acknowledged_by = ?"
            " WHERE acknowledged_at IS NULL",
            (now, actor),
        )
    else:
        marks = ",".join("?" * len(firing_ids))
        cursor = store.db.execute(
            f"UPDATE alert_firings SET acknowledged_at = ?, acknowledged_by = ?"
            f" WHERE acknowledged_at IS NULL AND id IN ({marks})",
            (now, actor, *firing_ids),
        )
    return cursor.rowcount


def pending_notifications(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM alert_firings WHERE notify_state = 'pending' ORDER BY id LIMIT 20"
    )


def set_notify_state(store: Store, firing_id: int, state: str, error: str | None) -> None:
    store.db.execute(
        "UPDATE alert_firings SET notify_state = ?, notify_error = ? WHERE id = ?",
        (state, error, firing_id),
    )


# -- what the rules count -----------------------------------------------------------------------


def count_events(
    store: Store, types: tuple[str, ...], *, since: float, until: float
) -> tuple[int, int]:
    """(all, not simulated) events of `types` with since < ts <= until."""
    marks = ",".join("?" * len(types))
    row = store.query_one(
        f"SELECT COUNT(*) AS n, COALESCE(SUM(simulated = 0), 0) AS real FROM events"
        f" WHERE type IN ({marks}) AND ts > ? AND ts <= ?",
        (*types, since, until),
    )
    return (int(row["n"]), int(row["real"])) if row else (0, 0)


def count_messages(store: Store, *, since: float, until: float) -> tuple[int, int]:
    row = store.query_one(
        "SELECT COUNT(*) AS n, COALESCE(SUM(simulated = 0), 0) AS real FROM messages"
        " WHERE created_at >= ? AND created_at <= ?",
        (since, until),
    )
    return (int(row["n"]), int(row["real"])) if row else (0, 0)


def messages_by_country(store: Store, *, since: float, until: float) -> list[tuple[str, int, int]]:
    rows = store.query(
        "SELECT COALESCE(region, '??') AS region, COUNT(*) AS n,"
        " COALESCE(SUM(simulated = 0), 0) AS real FROM messages"
        " WHERE created_at >= ? AND created_at <= ? GROUP BY COALESCE(region, '??')",
        (since, until),
    )
    return [(r["region"], int(r["n"]), int(r["real"])) for r in rows]
