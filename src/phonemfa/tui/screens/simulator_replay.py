"""The simulator's traffic scenarios: play one in a worker on a simulated clock, show its
progress as it goes (a few frames a second), its summary at the end; Escape cancels."""

from __future__ import annotations

import threading
import time
from typing import Any

from rich.console import Group
from rich.text import Text
from textual import on, work
from textual.message import Message
from textual.widgets import Button, Select

from phonemfa.core.scenarios import ScenarioError, load_scenario
from phonemfa.errors import PhoneMfaError
from phonemfa.service.replay_summary import ReplayProgress, ReplaySummary
from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.widgets.decision_trail import DecisionTrail
from phonemfa.tui.widgets.replay_report import progress_view, summary_view


class ReplayFinished(Message):
    def __init__(self, summary: ReplaySummary | None, error: str | None = None) -> None:
        super().__init__()
        self.summary, self.error = summary, error


class ReplayProgressed(Message):
    def __init__(self, scenario: str, view: Group) -> None:
        super().__init__()
        self.scenario, self.view = scenario, view


def pace_speed(pace: str, duration: float) -> float | None:
    """`max` (no pacing), `real` (1x) or `fit:N` (the whole scenario in about N seconds)."""
    if pace == "max":
        return None
    if pace == "real":
        return 1.0
    return max(duration, 1.0) / float(pace.removeprefix("fit:"))


class SimulatorReplay(SectionScreen):
    """The scenario part of SimulatorScreen (a Screen, so Textual registers its handlers)."""

    replay_cancel: threading.Event | None = None
    refresh_state: Any

    # -- scenarios --------------------------------------------------------------------------------

    @on(Button.Pressed, "#sim-play")
    def play(self) -> None:
        if self.replay_cancel is not None:
            return
        path = self.query_one("#sim-scenario", Select).value
        pace = self.query_one("#sim-speed", Select).value
        if not isinstance(path, str) or not isinstance(pace, str):
            return
        self.replay_cancel = threading.Event()
        self.query_one("#sim-play", Button).disabled = True
        self.run_replay(path, pace, self.replay_cancel)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_replay":
            return self.replay_cancel is not None
        return True

    def action_cancel_replay(self) -> None:
        if self.replay_cancel is not None:
            self.replay_cancel.set()

    def on_replay_progressed(self, message: ReplayProgressed) -> None:
        self.query_one("#sim-trail", DecisionTrail).show_text(
            f"Replaying · {message.scenario}", message.view, "Escape cancels"
        )

    def on_replay_finished(self, message: ReplayFinished) -> None:
        self.replay_cancel = None
        self.query_one("#sim-play", Button).disabled = False
        self.refresh_bindings()
        trail = self.query_one("#sim-trail", DecisionTrail)
        if message.error is not None:
            trail.show_text("Replay", Text(message.error, style="bold red"), "not played")
            self.notify(message.error, title="Replay", severity="error", timeout=8)
            return
        summary = message.summary
        assert summary is not None
        trail.show_text(
            f"Replay · {summary.scenario}",
            summary_view(summary),
            "cancelled" if summary.cancelled else "done: see the live log (F5)",
        )
        self.refresh_state()

    @work(thread=True, exclusive=True, group="sim-replay", exit_on_error=False)
    def run_replay(self, path: str, pace: str, cancel: threading.Event) -> None:
        post = self.post_message
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            post(ReplayFinished(None, str(exc)))
            return
        tally = ReplaySummary(scenario.name, "", len(scenario.requests), "simulated")
        last = [0.0]

        def progress(step: ReplayProgress) -> None:
            tally.count(step.outcome)
            now = time.monotonic()
            if now - last[0] >= 0.2 or step.done == step.total:  # coalesce: a few frames a second
                last[0] = now
                post(ReplayProgressed(scenario.name, progress_view(tally, step, scenario.duration)))

        try:
            summary = self.service.replay(
                scenario,
                speed=pace_speed(pace, scenario.duration),
                cancel=cancel,
                progress=progress,
            )
        except PhoneMfaError as exc:
            post(ReplayFinished(None, exc.message))
            return
        post(ReplayFinished(summary))
