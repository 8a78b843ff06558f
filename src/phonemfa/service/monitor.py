"""What the live log's side panels show: traffic per minute, failures and refusals by reason,
users at or near their message limit, blocked IPs, and today's messages by destination country."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from phonemfa.core.events import CATEGORIES
from phonemfa.service.base import ServiceBase
from phonemfa.store import monitor_repo

# The reference's per-user message bucket (burst 10, +1 per hour): "near" means 80% spent.
MESSAGE_BURST = 10
NEAR_FRACTION = 0.8


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
    refill_at: float | None  # when the next message is allowed again, if known
    channel: str | None = None


@dataclass(frozen=True)
class BlockedIp:
    ip: str
    reason: str  # limit_mu | limit_wc
    detail: str
    blocked_at: float


def start_of_day(ts: float) -> float:
    day = datetime.fromtimestamp(ts, UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def parse_time(value: object) -> float | None:
    """An ISO 8601 date or epoch seconds from event details."""
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
        """Users refused by their message limit (until its reset time) or close to it.

        Read from the log: `limit_phone` events carry the reset time; messages of the last hour
        show who is close to the burst.
        """
        now = self.now()
        sent = monitor_repo.sends_by_user(self.store, since=now - 3600)
        limited: dict[str, LimitedUser] = {}
        for event in monitor_repo.events_of_types(self.store, ("limit_phone",), since=now - 86400):
            if not event.user_id or event.user_id in limited:
                continue
            reset = parse_time(event.details.get("reset_time"))
            if reset is not None and reset > now:
                limited[event.user_id] = LimitedUser(
                    user_id=event.user_id,
                    sent_last_hour=sent.get(event.user_id, 0),
                    limited=True,
                    refill_at=reset,
                    channel=event.details.get("delivery_method"),
                )
        near = [
            LimitedUser(user_id=user, sent_last_hour=count, limited=False, refill_at=None)
            for user, count in sent.items()
            if user not in limited and count >= MESSAGE_BURST * NEAR_FRACTION
        ]
        ordered = sorted(limited.values(), key=lambda u: (u.refill_at or 0, u.user_id))
        return ordered + sorted(near, key=lambda u: (-u.sent_last_hour, u.user_id))

    def blocked_ips(self) -> list[BlockedIp]:
        """IPs blocked by the sign-up flood or failed-attempt rules, newest first."""
        seen: dict[str, BlockedIp] = {}
        events = monitor_repo.events_of_types(
            self.store, ("limit_mu", "limit_wc"), since=self.now() - 7 * 86400
        )
        for event in events:
            if event.ip and event.ip not in seen:
                seen[event.ip] = BlockedIp(
                    ip=event.ip,
                    reason=event.type,
                    detail=str(event.details.get("reason") or event.description),
                    blocked_at=_ts(event.date),
                )
        return list(seen.values())


def _ts(date: str) -> float:
    return parse_time(date) or 0.0
