"""A modal question with a few answers (confirm a reset, leave with unsaved changes, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


@dataclass(frozen=True)
class Choice:
    answer: str  # what dismiss() returns
    label: str
    variant: str = "default"  # Button variant: default, primary, success, warning, error


class ChoiceDialog(ModalScreen[str]):
    """Ask, and dismiss with the chosen answer; Escape answers `cancel_answer`."""

    DEFAULT_CSS = """
    ChoiceDialog {
        align: center middle;
    }
    ChoiceDialog > Vertical {
        width: 64;
        height: auto;
        padding: 1 2;
        border: thick $warning;
        background: $surface;
    }
    ChoiceDialog .dialog-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ChoiceDialog .dialog-question {
        margin-bottom: 1;
    }
    ChoiceDialog Horizontal {
        height: auto;
        align-horizontal: right;
    }
    ChoiceDialog Button {
        margin-left: 2;
    }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(
        self, title: str, question: str, choices: list[Choice], *, cancel_answer: str
    ) -> None:
        super().__init__()
        self.title_text = title
        self.question = question
        self.choices = choices
        self.cancel_answer = cancel_answer

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield Static(self.question, classes="dialog-question", markup=False)
            with Horizontal():
                for choice in self.choices:
                    yield Button(choice.label, id=f"answer-{choice.answer}", variant=choice.variant)

    def on_mount(self) -> None:
        # Focus the harmless answer, so a stray Enter never discards work.
        self.query_one(f"#answer-{self.cancel_answer}", Button).focus()

    @on(Button.Pressed)
    def _answered(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.dismiss(event.button.id.removeprefix("answer-"))

    def action_cancel(self) -> None:
        self.dismiss(self.cancel_answer)
