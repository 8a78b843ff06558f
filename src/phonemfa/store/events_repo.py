"""The tenant log: append-only events, read by id so pollers and streams never miss one."""

from __future__ import annotations

import json
from typing import Any

from phonemfa.core.events import Event
from phonemfa.store.db import Store

_COLUMNS = (
    "id, date, type, description, ip, user_id, user_name, client_id, client_name, "
    "user_agent, details, simulated"
)


def insert(
    store: Store,
    *,
    ts: float,
    date: str,
    type: str,
    description: str,
    details: dict[str, Any],
    simulated: bool = False,
    **fields: str | None,
) -> int:
    cursor = store.execute(
        "INSERT INTO events(ts, date, type, description, ip, user_id, user_name, client_id, "
        "client_name, user_agent, details, simulated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            ts,
            date,
            type,
            description,
            fields.get("ip"),
            fields.get("user_id"),
            fields.get("user_name"),
            fields.get("client_id"),
            fields.get("client_name"),
            fields.get("user_agent"),
            json.dumps(details, separators=(",", ":")),
            int(simulated),
        ),
    )
    return int(cursor.lastrowid or 0)


def to_event(row: dict[str, Any] | Any) -> Event:
    return Event(
        id=row["id"],
        date=row["date"],
        type=row["type"],
        description=row["description"],
        ip=row["ip"],
        user_id=row["user_id"],
        user_name=row["user_name"],
        client_id=row["client_id"],
        client_name=row["client_name"],
        user_agent=row["user_agent"],
        details=json.loads(row["details"]),
        simulated=bool(row["simulated"]),
    )


def after(store: Store, last_id: int, limit: int = 1000) -> list[Event]:
    """Events with id > last_id, oldest first."""
    rows = store.db.conn.execute(
        f"SELECT {_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?", (last_id, limit)
    )
    return [to_event(dict(zip(_NAMES, r, strict=True))) for r in rows]


def search(
    store: Store,
    *,
    types: list[str] | None = None,
    user_id: str | None = None,
    before_id: int | None = None,
    offset: int = 0,
    limit: int = 50,
    newest_first: bool = True,
) -> list[Event]:
    where, params = [], []
    if types:
        where.append(f"type IN ({','.join('?' * len(types))})")
        params.extend(types)
    if user_id:
        where.append("user_id = ?")
        params.append(user_id)
    if before_id is not None:
        where.append("id < ?" if newest_first else "id > ?")
        params.append(before_id)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    order = "DESC" if newest_first else "ASC"
    rows = store.db.conn.execute(
        f"SELECT {_COLUMNS} FROM events {clause} ORDER BY id {order} LIMIT ? OFFSET ?",
        (*params, limit, offset),
    )
    return [to_event(dict(zip(_NAMES, r, strict=True))) for r in rows]


def last_id(store: Store) -> int:
    row = store.db.conn.execute("SELECT COALESCE(MAX(id), 0) FROM events").fetchone()
    return int(row[0])


_NAMES = tuple(name.strip() for name in _COLUMNS.split(","))
