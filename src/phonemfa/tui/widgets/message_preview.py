"""The message a user would receive, drawn for the operator: SMS text with the characters that force
UCS-2 highlighted and its cost in segments, or the voice script with its pauses marked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from phonemfa.core.segments import SmsCost, describe_char, gsm7_septets
from phonemfa.core.template_rules import SMS_MAX_CHARS, VOICE_MAX_CHARS, Preview

FORCED_STYLE = "bold reverse $error"
PAUSE_STYLE = "bold reverse $accent"


def _shown(char: str) -> str:
    """A forcing character as drawn: invisible ones (no-break space, zero width) get a name."""
    return char if char.isprintable() and not char.isspace() else f"<U+{ord(char):04X}>"


def sms_content(text: str) -> Content:
    parts: list[str | tuple[str, str]] = []
    run = []
    for char in text:
        if gsm7_septets(char) is None:
            if run:
                parts.append("".join(run))
                run = []
            parts.append((_shown(char), FORCED_STYLE))
        else:
            run.append(char)
    if run:
        parts.append("".join(run))
    return Content.assemble(*parts)


def voice_content(preview: Preview) -> Content:
    assert preview.rendered is not None
    parts: list[str | tuple[str, str]] = []
    for index, part in enumerate(preview.rendered.voice_parts):
        if index:
            parts.append(" ")
        if part.kind == "pause":
            parts.append((f"[pause {part.seconds}s]", PAUSE_STYLE))
        else:
            parts.append(part.text)
    return Content.assemble(*parts)


def cost_line(cost: SmsCost, characters: int) -> Content:
    segments = f"{cost.segments} segment" + ("s" if cost.segments != 1 else "")
    unit = "characters" if cost.encoding == "GSM-7" else "UTF-16 units"
    style = "bold $success" if cost.encoding == "GSM-7" and cost.segments <= 1 else "bold $warning"
    return Content.assemble(
        (f"{cost.encoding} · {segments}", style),
        f"\n{cost.units} of {cost.capacity} {unit} used · {characters}/{SMS_MAX_CHARS} characters",
    )


def ucs2_warning(cost: SmsCost) -> Content:
    if not cost.forced_by:
        return Content("")
    names = ", ".join(describe_char(ch) for ch in cost.forced_by)
    lines = [
        f"⚠ UCS-2: {names} {'is' if len(cost.forced_by) == 1 else 'are'} not in GSM-7, so a "
        "segment holds 70 characters (67 when split) instead of 160 (153)."
    ]
    for char, better in cost.suggestions().items():
        lines.append(f"  Replace {_shown(char)} with {better!r} to stay in GSM-7.")
    return Content("\n".join(lines))


class MessagePreview(Vertical):
    DEFAULT_CSS = """
    MessagePreview {
        height: auto;
    }
    MessagePreview #preview-text {
        border: round $primary;
        border-title-color: $text-muted;
        padding: 0 1;
        min-height: 5;
        height: auto;
    }
    MessagePreview #preview-cost {
        height: auto;
        margin-top: 1;
    }
    MessagePreview #preview-warning {
        color: $warning;
        height: auto;
        margin-top: 1;
    }
    MessagePreview #preview-error {
        color: $error;
        text-style: bold;
        height: auto;
        margin-top: 1;
    }
    """

    def compose(self) -> ComposeResult:
        text = Static("", id="preview-text", markup=False)
        text.border_title = "What the user receives"
        yield text
        yield Static("", id="preview-cost", markup=False)
        yield Static("", id="preview-warning", markup=False)
        yield Static("", id="preview-error", markup=False)

    def show(self, preview: Preview) -> None:
        rendered = preview.rendered
        if rendered is None:
            text = Content.styled("(no message: the template cannot be rendered)", "dim")
        elif preview.channel == "voice":
            text = voice_content(preview)
        else:
            text = sms_content(rendered.text)
        cost = warning = Content("")
        if preview.cost is not None and rendered is not None:
            cost = cost_line(preview.cost, len(rendered.text))
            warning = ucs2_warning(preview.cost)
        elif rendered is not None:
            pauses = sum(1 for part in rendered.voice_parts if part.kind == "pause")
            cost = Content.assemble(
                ("Voice call", "bold $success"),
                f"\n{len(rendered.text)}/{VOICE_MAX_CHARS} characters · {pauses} "
                f"pause{'s' if pauses != 1 else ''}",
            )
        error = Content(f"✗ {preview.error.message}" if preview.error else "")
        self.query_one("#preview-text", Static).update(text)
        for name, content in (("cost", cost), ("warning", warning), ("error", error)):
            widget = self.query_one(f"#preview-{name}", Static)
            widget.update(content)
            widget.display = bool(content.plain)
