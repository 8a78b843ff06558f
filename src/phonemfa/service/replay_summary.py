"""What a replay reports: each request's outcome, the progress, and the summary at the end."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from phonemfa.core.scenarios import Request
from phonemfa.errors import PhoneMfaError


@dataclass(frozen=True)
class Outcome:
    """One request replayed: what happened, or the rule that refused it."""

    request: Request
    ok: bool
    what: str  # sent | enrolled | logged_in | recovered | unenrolled | ... | refused
    channel: str | None = None
    region: str | None = None
    rule: str | None = None  # on refusal: "step/rule", e.g. "number_rules/blocked_number_types"
    detail: str = ""  # on refusal: the refusing decision's words
    key: str | None = None  # on refusal: the user-facing text key

    @classmethod
    def refused(cls, request: Request, exc: PhoneMfaError) -> Outcome:
        trail = exc.details.get("trail") or []
        decision = next((d for d in trail if not d.get("ok")), None) or {}
        step = decision.get("step", "request")
        rule = exc.details.get("reason") or decision.get("data", {}).get("rule") or exc.code
        return cls(
            request,
            False,
            "refused",
            rule=f"{step}/{rule}",
            detail=decision.get("detail", exc.message),
            key=exc.details.get("key"),
        )

    def line(self) -> str:
        r = self.request
        head = f"{r.at:>9.1f}s {r.op:<9} {r.user}"
        if self.ok:
            where = f" {self.channel} to {self.region}" if self.channel else ""
            return f"{head}: {self.what}{where}"
        return f"{head}: refused by {self.rule}: {self.detail}"


@dataclass(frozen=True)
class ReplayProgress:
    done: int
    total: int
    at: float  # scenario seconds of the request just replayed
    outcome: Outcome


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def duration_words(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@dataclass
class ReplaySummary:
    scenario: str
    run: str  # the prefix of this run's user ids
    requests: int
    provider: str  # "simulated", or the tenant's provider with real_provider
    done: int = 0
    cancelled: bool = False
    simulated_seconds: float = 0.0
    sent: Counter[str] = field(default_factory=Counter)  # channel -> codes sent
    sent_by_region: Counter[str] = field(default_factory=Counter)
    accepted: Counter[str] = field(default_factory=Counter)  # enrolled | logged_in | recovered
    refused: Counter[str] = field(default_factory=Counter)  # "step/rule" -> count
    examples: dict[str, str] = field(default_factory=dict)  # "step/rule" -> first detail
    other: Counter[str] = field(default_factory=Counter)  # unenrolled, ...
    blocked_ips: list[str] = field(default_factory=list)  # newly blocked by this replay
    already_blocked: list[str] = field(default_factory=list)  # the scenario's IPs blocked before
    events: int = 0  # simulated events written meanwhile
    alerts: list[str] = field(default_factory=list)  # "rule_id: message" of each alert fired

    def count(self, outcome: Outcome) -> None:
        self.done += 1
        if not outcome.ok:
            assert outcome.rule is not None
            self.refused[outcome.rule] += 1
            self.examples.setdefault(outcome.rule, outcome.detail)
        elif outcome.what == "sent":
            self.sent[outcome.channel or "sms"] += 1
            self.sent_by_region[outcome.region or "ZZ"] += 1
        elif outcome.what in ("enrolled", "logged_in", "recovered"):
            self.accepted[outcome.what] += 1
        else:
            self.other[outcome.what] += 1

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())

    @property
    def total_refused(self) -> int:
        return sum(self.refused.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "run": self.run,
            "requests": self.requests,
            "replayed": self.done,
            "cancelled": self.cancelled,
            "simulated_seconds": round(self.simulated_seconds, 3),
            "provider": self.provider,
            "sent": {"total": self.total_sent, **dict(sorted(self.sent.items()))},
            "sent_by_region": dict(self.sent_by_region.most_common()),
            "accepted": dict(sorted(self.accepted.items())),
            "refused": {"total": self.total_refused, **dict(self.refused.most_common())},
            "other": dict(sorted(self.other.items())),
            "blocked_ips": self.blocked_ips,
            "already_blocked": self.already_blocked,
            "events": self.events,
            "alerts": self.alerts,
        }

    def lines(self) -> list[str]:
        """The summary in plain words, as `phonemfa replay` prints it."""
        where = (
            "the simulated phone (virtual inbox); nothing left this machine"
            if self.provider == "simulated"
            else f"the tenant's provider ({self.provider})"
        )
        state = " (cancelled)" if self.cancelled else ""
        lines = [
            f'Replayed "{self.scenario}"{state}: {self.done} of {self.requests} requests over '
            f"{duration_words(self.simulated_seconds)} of simulated time, users {self.run}|….",
            f"Sends went to {where}; {self.events} events written, marked simulated.",
        ]
        channels = ", ".join(f"{n} {c.upper() if c == 'sms' else c}" for c, n in self.sent.items())
        regions = ", ".join(f"{r} {n}" for r, n in self.sent_by_region.most_common(8))
        lines.append(
            f"Codes sent: {self.total_sent}"
            + (f" ({channels}); to {regions}" if self.total_sent else "")
            + ("…" if len(self.sent_by_region) > 8 else "")
        )
        lines.append(
            f"Codes accepted: {self.accepted['enrolled'] + self.accepted['logged_in']} "
            f"({plural(self.accepted['enrolled'], 'enrollment')}, "
            f"{plural(self.accepted['logged_in'], 'login')}); "
            f"recovery codes used: {self.accepted['recovered']}"
        )
        lines.append(f"Refused: {self.total_refused}")
        width = max((len(rule) for rule in self.refused), default=0)
        for rule, count in self.refused.most_common():
            lines.append(f"  {count:>5}  {rule:<{width}}  {self.examples[rule]}")
        lines.append(
            "Blocked IPs: " + (", ".join(self.blocked_ips) if self.blocked_ips else "none")
        )
        if self.already_blocked:
            lines.append("Already blocked before this replay: " + ", ".join(self.already_blocked))
        lines.append(f"Alerts fired: {len(self.alerts)}" if self.alerts else "Alerts fired: none")
        lines.extend(f"  {alert}" for alert in self.alerts)
        return lines
