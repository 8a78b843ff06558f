"""Limits at a glance: the simulated user's message and wrong-code buckets and the simulated IP's
enrollment starts, as bars that refill while you watch."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from phonemfa.service.results import BucketStatus
from phonemfa.store.limits_repo import BlockedIp

BAR = 12


def wait_words(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def bar(tokens: int, capacity: int, blocked: bool = False) -> Text:
    filled = 0 if blocked else round(BAR * tokens / capacity) if capacity else 0
    ratio = 0 if blocked else tokens / capacity if capacity else 0
    style = "green" if ratio > 0.5 else "yellow" if ratio > 0 else "red"
    return Text.assemble(("█" * filled, style), ("░" * (BAR - filled), "dim"))


@dataclass(frozen=True)
class Limits:
    messages: BucketStatus | None
    wrong_codes: BucketStatus | None
    ip: str | None
    ip_starts: BucketStatus | None
    blocked: BlockedIp | None


def refill_words(bucket: BucketStatus) -> str:
    if bucket.tokens >= bucket.capacity:
        return "full"
    return f"+1 in {wait_words(bucket.next_token_in)}, full in {wait_words(bucket.full_in)}"


class LimitGauges(Static):
    DEFAULT_CSS = """
    LimitGauges {
        border: heavy $panel-lighten-2;
        border-title-style: bold;
        border-title-color: $text;
        padding: 0 1;
        height: auto;
    }
    """

    def on_mount(self) -> None:
        self.border_title = "Limits"

    def show(self, limits: Limits) -> None:
        rows: list[Text] = []
        for label, bucket in (("Messages", limits.messages), ("Wrong codes", limits.wrong_codes)):
            if bucket is None:
                rows.append(_row(label, bar(0, 0), Text("no user", style="dim")))
                continue
            rows.append(
                _row(
                    label,
                    bar(bucket.tokens, bucket.capacity),
                    Text(f"{bucket.tokens}/{bucket.capacity} left · {refill_words(bucket)}"),
                )
            )
        if not limits.ip:
            rows.append(_row("IP", bar(0, 0), Text("none: per-IP limits do not apply", "dim")))
        elif limits.blocked is not None:
            rows.append(
                _row(
                    "IP",
                    bar(0, 1, blocked=True),
                    Text(f"{limits.ip} BLOCKED ({limits.blocked.reason})", style="bold red"),
                )
            )
        elif limits.ip_starts is not None:
            starts = limits.ip_starts
            rows.append(
                _row(
                    "IP",
                    bar(starts.tokens, starts.capacity),
                    Text(f"{limits.ip}: {starts.tokens}/{starts.capacity} enrollment starts/min"),
                )
            )
        self.update(Text("\n").join(rows))


def _row(label: str, gauge: Text, words: Text) -> Text:
    return Text.assemble((f"{label:<12}", "bold"), gauge, " ", words)
