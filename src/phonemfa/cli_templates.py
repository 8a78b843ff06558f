"""`phonemfa templates show|set|preview`: the message templates from the command line."""

from __future__ import annotations

from typing import IO

import click

from phonemfa.cli import Context, emit, fail, pass_ctx
from phonemfa.core.template_rules import Preview
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CLI


@click.group()
def templates() -> None:
    """Show, change and preview the enrollment and verification messages."""


@templates.command("show")
@pass_ctx
def templates_show(obj: Context) -> None:
    """Both templates as JSON (the Management API's shape)."""
    emit(obj.service.message_templates().as_dict())


def _read(handle: IO[str] | None, label: str) -> str | None:
    if handle is None:
        return None
    try:
        return handle.read()
    except UnicodeDecodeError:
        fail(f"the {label} file is not UTF-8 text")


@templates.command("set")
@click.option(
    "--enrollment",
    type=click.File("r", encoding="utf-8"),
    help="File holding the enrollment message template ('-' reads stdin).",
)
@click.option(
    "--verification",
    type=click.File("r", encoding="utf-8"),
    help="File holding the verification message template ('-' reads stdin).",
)
@pass_ctx
def templates_set(obj: Context, enrollment: IO[str] | None, verification: IO[str] | None) -> None:
    """Check and save templates read from files; a refused template changes nothing."""
    if enrollment is None and verification is None:
        raise click.UsageError("give --enrollment FILE, --verification FILE or both")
    try:
        saved = obj.service.save_templates(
            actor=CLI,
            enrollment_message=_read(enrollment, "enrollment"),
            verification_message=_read(verification, "verification"),
        )
    except PhoneMfaError as exc:
        fail(exc)
    emit(saved.as_dict())


@templates.command("preview")
@click.option("--action", type=click.Choice(["enrollment", "verification"]), default="verification")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms")
@click.option("--locale", help="Language of the flow (default: the first supported locale).")
@click.option("--code", help="The code to show (default: 123456, as long as otp_length).")
@click.option(
    "--template",
    "template_file",
    type=click.File("r", encoding="utf-8"),
    help="Preview this file instead of the saved template.",
)
@pass_ctx
def templates_preview(
    obj: Context,
    action: str,
    channel: str,
    locale: str | None,
    code: str | None,
    template_file: IO[str] | None,
) -> None:
    """Print the message a user would receive; for SMS, then `encoding=... segments=...`."""
    service = obj.service
    try:
        preview = service.preview_message(
            action,
            channel,
            locale=locale,
            code=code,
            source=_read(template_file, "template"),
        )
    except PhoneMfaError as exc:
        fail(exc)
    if locale and preview.locale.lower() != locale.lower():
        supported = ", ".join(service.supported_locales())
        click.echo(
            f"warning: {locale} is not a supported locale ({supported}); "
            f"users asking for it receive {preview.locale}.",
            err=True,
        )
    click.echo(render_preview(preview))


def render_preview(preview: Preview) -> str:
    """The message text; voice pauses shown as `[pause]`; for SMS one line of cost after it."""
    rendered = preview.rendered
    assert rendered is not None  # preview_message raises when there is no message
    if rendered.channel == "voice":
        return " ".join(
            part.text if part.kind == "say" else "[pause]" for part in rendered.voice_parts
        )
    cost = preview.cost
    assert cost is not None
    line = cost.summary()
    if cost.forced_by:
        line += " ucs2_chars=" + ",".join(
            ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"
            for ch in cost.forced_by
        )
    return f"{rendered.text}\n{line}"
