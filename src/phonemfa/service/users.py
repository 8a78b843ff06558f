"""Users known to the tenant (demo users, users created by enrollments or the simulator)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from phonemfa.errors import NotFoundError, ValidationError
from phonemfa.service.base import ServiceBase


@dataclass(frozen=True)
class User:
    user_id: str
    email: str | None = None
    name: str | None = None
    phone_number: str | None = None
    locale: str | None = None
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)


def _to_user(row: dict[str, Any]) -> User:
    return User(
        user_id=row["user_id"],
        email=row["email"],
        name=row["name"],
        phone_number=row["phone_number"],
        locale=row["locale"],
        app_metadata=json.loads(row["app_metadata"]),
        user_metadata=json.loads(row["user_metadata"]),
    )


class UsersMixin(ServiceBase):
    def list_users(self) -> list[User]:
        return [_to_user(r) for r in self.store.query("SELECT * FROM users ORDER BY user_id")]

    def get_user(self, user_id: str) -> User:
        row = self.store.query_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        if row is None:
            raise NotFoundError(f"The user {user_id!r} does not exist.", code="user_not_found")
        return _to_user(row)

    def find_user(self, user_id: str) -> User | None:
        row = self.store.query_one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return _to_user(row) if row else None

    def save_user(self, user: User) -> User:
        if not user.user_id or len(user.user_id) > 200 or any(ord(c) < 32 for c in user.user_id):
            raise ValidationError("user_id must be 1 to 200 printable characters.", field="user_id")
        with self.store.transaction():
            self.store.execute(
                "INSERT INTO users(user_id, email, name, phone_number, locale, app_metadata, "
                "user_metadata, created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(user_id) DO UPDATE "
                "SET email=excluded.email, name=excluded.name, phone_number=excluded.phone_number, "
                "locale=excluded.locale, app_metadata=excluded.app_metadata, "
                "user_metadata=excluded.user_metadata",
                (
                    user.user_id,
                    user.email,
                    user.name,
                    user.phone_number,
                    user.locale,
                    json.dumps(user.app_metadata),
                    json.dumps(user.user_metadata),
                    self.now(),
                ),
            )
        return user
