"""The live log's side panels: traffic, limits, countries. Each shows one `PanelData` snapshot
loaded by the screen in a worker; tables are only rewritten when their rows change, so a
selection survives the periodic refresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, DataTable, Sparkline, Static

from phonemfa.clock import iso

if TYPE_CHECKING:
    from phonemfa.core.alerts import AlertRule
    from phonemfa.service.alerts import AlertFiring
    from phonemfa.service.monitor import (
        CountryUsage,
        LimitedUser,
        ReasonCount,
        Traffic,
    )
    from phonemfa.service.streams import LogStream
    from phonemfa.store.limits_repo import BlockedIp


@dataclass(frozen=True)
class PanelData:
    now: float
    traffic: Traffic
    reasons: list[ReasonCount]
    limited: list[LimitedUser]
    blocked: list[BlockedIp]
    countries: list[CountryUsage]
    streams: list[tuple[LogStream, int]] = field(default_factory=list)  # with events behind
    alerts: list[AlertFiring] = field(default_factory=list)
    rules: list[AlertRule] = field(default_factory=list)


def relative(ts: float | None, now: float) -> str:
    if ts is None:
        return "-"
    delta = ts - now
    minutes = round(abs(delta) / 60)
    if abs(delta) < 60:
        text = "now" if abs(delta) < 1 else f"{int(abs(delta))} s"
    elif minutes < 120:
        text = f"{minutes} min"
    else:
        text = f"{minutes // 60} h {minutes % 60:02d}"
    if text == "now":
        return text
    return f"in {text}" if delta > 0 else f"{text} ago"


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def clock(ts: float) -> str:
    return iso(ts)[11:16]


class SyncedTable(DataTable):
    """A small table refreshed from snapshots; keeps the cursor on the same row key."""

    DEFAULT_CSS = """
    SyncedTable { height: auto; max-height: 12; }
    """

    def __init__(self, *columns: str, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self._columns = columns
        self._rows: list[tuple[str, tuple[Any, ...]]] = []

    def on_mount(self) -> None:
        self._ensure_columns()

    def _ensure_columns(self) -> None:
        if not self.columns:
            self.add_columns(*self._columns)

    def sync(self, rows: list[tuple[str, tuple[Any, ...]]]) -> None:
        self._ensure_columns()  # a snapshot may arrive before this table's own mount
        if rows == self._rows:
            return
        selected = self.selected_key
        self._rows = rows
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        if selected in keys:
            self.move_cursor(row=keys.index(selected), animate=False)

    @property
    def selected_key(self) -> str | None:
        if not self._rows or self.cursor_row < 0 or self.cursor_row >= len(self._rows):
            return None
        return self._rows[self.cursor_row][0]


class PanelTitle(Static):
    DEFAULT_CSS = """
    PanelTitle { text-style: bold; color: $accent; margin-top: 1; }
    """


class Note(Static):
    DEFAULT_CSS = """
    Note { color: $text-muted; }
    """


class TrafficPanel(VerticalScroll):
    DEFAULT_CSS = """
    TrafficPanel Sparkline { height: 3; margin-bottom: 0; }
    TrafficPanel #spark-voice > .sparkline--max-color { color: $secondary; }
    """

    def compose(self) -> ComposeResult:
        yield PanelTitle("SMS/min · last hour", id="sms-title")
        yield Sparkline([0] * 60, id="spark-sms")
        yield PanelTitle("Voice/min · last hour", id="voice-title")
        yield Sparkline([0] * 60, id="spark-voice")
        yield PanelTitle("Failures and refusals · 24 h")
        yield SyncedTable("Reason", "Count", "Last", id="reasons")
        yield Note("", id="reasons-note")

    def show(self, data: PanelData) -> None:
        for channel, series in (("sms", data.traffic.sms), ("voice", data.traffic.voice)):
            self.query_one(f"#spark-{channel}", Sparkline).data = series
            label = "SMS" if channel == "sms" else "Voice"
            self.query_one(f"#{channel}-title", PanelTitle).update(
                f"{label}/min · last hour  [dim]{sum(series)} sent · peak {max(series)} · "
                f"now {series[-1]}[/]"
            )
        self.query_one("#reasons", SyncedTable).sync(
            [
                (
                    r.label,
                    (cut(r.label.removeprefix("gd_"), 26), r.count, relative(r.last_ts, data.now)),
                )
                for r in data.reasons
            ]
        )
        self.query_one("#reasons-note", Note).update(
            "" if data.reasons else "No failures or refusals in the last 24 hours."
        )


class LimitsPanel(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield PanelTitle("Users at or near their message limit")
        yield SyncedTable("User", "Left", "Sent/h", "Next message", id="limited")
        yield Note("", id="limited-note")
        yield PanelTitle("Blocked IPs")
        yield SyncedTable("IP", "Rule", "Blocked", id="blocked")
        yield Note("", id="blocked-note")
        with Horizontal(classes="panel-buttons"):
            yield Button("Unblock IP…", id="unblock", variant="warning", disabled=True)
            yield Button("Reset user…", id="reset-user", disabled=True)

    def show(self, data: PanelData) -> None:
        self.query_one("#limited", SyncedTable).sync(
            [
                (
                    u.user_id,
                    (
                        cut(u.user_id, 18),
                        f"{u.remaining}/{u.capacity}",
                        u.sent_last_hour,
                        Text(relative(u.refill_at, data.now), style="bold red")
                        if u.limited
                        else Text("now"),
                    ),
                )
                for u in data.limited
            ]
        )
        self.query_one("#limited-note", Note).update(
            "" if data.limited else "No user is at or near their message limit."
        )
        self.query_one("#reset-user", Button).disabled = not data.limited
        self.query_one("#blocked", SyncedTable).sync(
            [(b.ip, (b.ip, b.reason, relative(b.blocked_at, data.now))) for b in data.blocked]
        )
        self._blocked = {b.ip: b for b in data.blocked}
        self.query_one("#unblock", Button).disabled = not data.blocked
        self.refresh_detail()

    def refresh_detail(self) -> None:
        blocked = getattr(self, "_blocked", {})
        chosen = blocked.get(self.selected_ip or "")
        note = "No IP is blocked." if not blocked else (chosen.detail if chosen else "")
        self.query_one("#blocked-note", Note).update(note)

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_detail()

    @property
    def selected_ip(self) -> str | None:
        return self.query_one("#blocked", SyncedTable).selected_key

    @property
    def selected_user(self) -> str | None:
        return self.query_one("#limited", SyncedTable).selected_key


class CountriesPanel(VerticalScroll):
    def compose(self) -> ComposeResult:
        yield PanelTitle("Messages by destination country · today (UTC)")
        yield SyncedTable("Country", "Msgs", "SMS", "Voice", "Segments", "Failed", id="countries")
        yield Note("", id="countries-note")

    def show(self, data: PanelData) -> None:
        rows = data.countries
        self.query_one("#countries", SyncedTable).sync(
            [(c.region, (c.region, c.messages, c.sms, c.voice, c.segments, c.failed)) for c in rows]
        )
        if rows:
            note = (
                f"{sum(c.messages for c in rows)} messages, {sum(c.segments for c in rows)} "
                f"estimated SMS segments, {len(rows)} countries."
            )
        else:
            note = "No message sent today."
        self.query_one("#countries-note", Note).update(note)
