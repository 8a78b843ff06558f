"""The decision trail of one attempt: every check the engine made, in order, and why. A refusal
points at the rule that refused it, with the text the user would see beside it."""

from __future__ import annotations

from typing import Any

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from phonemfa.core.trail import USER_TEXTS

STEP_LABELS = {
    "factor": "Factor, channel",
    "user": "User",
    "phone": "Number parsed",
    "number_rules": "Country, type",
    "user_messages": "User's messages",
    "ip": "IP address",
    "template": "Template",
    "provider": "Provider",
    "transaction": "Transaction",
    "code_format": "Code format",
    "wrong_codes": "Wrong codes",
    "code": "Code",
    "recovery_code": "Recovery code",
    "wrong_recovery": "Wrong recoveries",
    "result": "Result",
}


def step_label(step: str) -> str:
    return STEP_LABELS.get(step, step.replace("_", " ").capitalize())


def trail_table(decisions: list[dict[str, Any]]) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=1, no_wrap=True)
    table.add_column(width=16, no_wrap=True)
    table.add_column(ratio=1)
    for decision in decisions:
        ok = decision.get("ok", False)
        mark = Text("✓", style="bold green") if ok else Text("✗", style="bold red")
        label = Text(step_label(decision.get("step", "")), style="bold" if not ok else "")
        table.add_row(mark, label, Text(decision.get("detail", "")))
        if not ok:
            key = decision.get("key") or ""
            data = decision.get("data") or {}
            rule = data.get("rule")
            refused_by = f"Refused by {step_label(decision.get('step', '')).lower()}"
            refused_by += f" (rule {rule})" if rule else ""
            table.add_row("", "", Text(refused_by + ".", style="bold red"))
            if key:
                said = USER_TEXTS.get(key, "")
                line = Text.assemble(
                    ("The user sees ", "dim"),
                    (key, "bold yellow"),
                    (": ", "dim"),
                    (f"“{said}”" if said else "", "italic"),
                )
                table.add_row("", "", line)
    return table


class DecisionTrail(VerticalScroll):
    DEFAULT_CSS = """
    DecisionTrail {
        border: heavy $panel-lighten-2;
        border-title-style: bold;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        height: 1fr;
    }
    DecisionTrail #trail-body { height: auto; }
    DecisionTrail .-empty { color: $text-muted; }
    """

    def compose(self):  # noqa: ANN201
        yield Static(
            "Enroll, log in or verify a code: every check the engine makes shows here, in order.",
            id="trail-body",
            classes="-empty",
        )

    def on_mount(self) -> None:
        self.border_title = "Decision trail"

    def show_attempt(self, title: str, decisions: list[dict[str, Any]], outcome: str = "") -> None:
        self.border_title = f"Decision trail · {title}"
        self.border_subtitle = outcome
        body = self.query_one("#trail-body", Static)
        body.remove_class("-empty")
        body.update(trail_table(decisions))
        self.scroll_home(animate=False)

    def show_text(self, title: str, text: RenderableType, outcome: str = "") -> None:
        """Anything that is not an attempt: a replay's progress and summary, an unenrollment."""
        self.border_title = title
        self.border_subtitle = outcome
        body = self.query_one("#trail-body", Static)
        body.remove_class("-empty")
        body.update(text)
