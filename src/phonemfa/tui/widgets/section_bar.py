"""The strip of section names at the top of every screen; the current one stands out."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from phonemfa.tui.sections import SECTIONS


class SectionBar(Static):
    DEFAULT_CSS = """
    SectionBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, current: str, tenant: str = "") -> None:
        super().__init__()
        self.current = current
        self.tenant = tenant

    def render(self) -> Text:
        text = Text()
        text.append(" phonemfa ", style="bold reverse")
        if self.tenant:
            text.append(f" {self.tenant} ", style="bold")
        text.append("  ")
        for section in SECTIONS:
            label = f" {section.key.upper()} {section.title} "
            if section.mode == self.current:
                text.append(label, style="bold reverse")
            else:
                text.append(label)
            text.append(" ")
        return text
