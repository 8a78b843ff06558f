"""Sections whose feature has not landed yet say so plainly instead of showing an empty screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import Static

from phonemfa.tui.screens.base import SectionScreen
from phonemfa.tui.sections import SECTIONS


class ComingScreen(SectionScreen):
    def compose_body(self) -> ComposeResult:
        section = next(s for s in SECTIONS if s.mode == self.SECTION)
        with Middle(), Center():
            yield Static(
                f"[b]{section.title}[/b]\n\n{section.purpose}.\n\n"
                "[dim]This section is coming in a later release.[/dim]",
                classes="coming",
            )


def coming(mode: str) -> type[ComingScreen]:
    return type(f"Coming_{mode}", (ComingScreen,), {"SECTION": mode})
