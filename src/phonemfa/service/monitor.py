"""What the live log's side panels show: traffic per minute, failures and refusals by reason,
users at or near their message limit (the engine's buckets), and today's messages by destination
country. Blocked IPs and unblocking are the engine's (`blocked_ips`, `unblock_ip`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from phonemfa.core import limits
from phonemfa.core.engine_settings import bucket_rules
from phonemfa.core.events import CATEGORIES
from phonemfa.service.base import ServiceBase
from phonemfa.store import monitor_repo

# "Near" the limit: at most this fraction of the per-user message bucket left.
NEAR_FRACTION = 0.2


@dataclass(frozen=True)
class Traffic:
    """Messages per minute, oldest first, ending with the current minute."""

    sms: list[int]
    voice: list[int]
    start: float


@dataclass(frozen=True)
class ReasonCount:
    type: str
    code: str | None
    count: int
    category: str
    last_ts: float

    @property
    def label(self) -> str:
        return f"{self.type} · {self.code}" if self.code else self.type


@dataclass(frozen=True)
class CountryUsage:
    region: str
    messages: int
    segments: int
    sms: int
    voice: int
    failed: int


@dataclass(frozen=True)
class LimitedUser:
    user_id: str
    sent_last_hour: int
    limited: bool
    refill_at: float | None  # when the next message is allowed again (limited users)
    remaining: int  # whole messages left in the bucket
    capacity: int


def start_of_day(ts: float) -> float:
    day = datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def parse_time(value: object) -> float | None:
    """An ISO 8601 date or epoch seconds (event details, startFrom)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()
    return None


class MonitorMixin(ServiceBase):
    def traffic_per_minute(self, minutes: int = 60) -> Traffic:
        now = self.now()
        start = (now // 60 + 1) * 60 - minutes * 60
        series = monitor_repo.sends_per_minute(self.store, since=start, minutes=minutes)
        return Traffic(sms=series["sms"], voice=series["voice"], start=start)

    def failure_reasons(self, hours: int = 24) -> list[ReasonCount]:
        rows = monitor_repo.failure_reasons(self.store, since=self.now() - hours * 3600)
        category = {t: c for c, types in CATEGORIES.items() for t in types}
        return [
            ReasonCount(
                type=r["type"],
                code=None if r["code"] in (None, "") else str(r["code"]),
                count=int(r["n"]),
                category=category.get(r["type"], "other"),
                last_ts=float(r["last_ts"]),
            )
            for r in rows
        ]

    def country_usage_today(self) -> list[CountryUsage]:
        rows = monitor_repo.country_usage(self.store, since=start_of_day(self.now()))
        return [
            CountryUsage(
                region=r["region"],
                messages=int(r["messages"]),
                segments=int(r["segments"] or 0),
                sms=int(r["sms"] or 0),
                voice=int(r["voice"] or 0),
                failed=int(r["failed"] or 0),
            )
            for r in rows
        ]

    def limited_users(self) -> list[LimitedUser]:
        """Users whose message bucket is empty (limited, with the time of the next message)
        or nearly so (at most 20% left), most constrained first."""
        now = self.now()
        rule = bucket_rules(self.settings_values())["user_messages"]  # type: ignore[attr-defined]
        near_at = max(1, int(rule.capacity * NEAR_FRACTION))
        sent = monitor_repo.sends_by_user(self.store, since=now - 3600)
        found = []
        for user_id, state in monitor_repo.user_message_buckets(self.store):
            peeked = limits.peek(rule, state, now)
            if peeked.remaining > near_at:
                continue
            found.append(
                LimitedUser(
                    user_id=user_id,
                    sent_last_hour=sent.get(user_id, 0),
                    limited=not peeked.allowed,
                    refill_at=now + peeked.retry_after if not peeked.allowed else None,
                    remaining=peeked.remaining,
                    capacity=rule.capacity,
                )
            )
        return sorted(found, key=lambda u: (u.remaining, u.refill_at or 0, u.user_id))
