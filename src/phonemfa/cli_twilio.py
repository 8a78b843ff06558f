"""`phonemfa twilio ...`: credentials (secrets from stdin or a hidden prompt, never arguments),
the stored configuration with masks, and a real test send through Twilio."""

from __future__ import annotations

import sys
from typing import Any

import click

from phonemfa.cli import Context, emit, fail, pass_ctx
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CLI


@click.group()
def twilio() -> None:
    """Twilio credentials, sender and test sends."""


def _read_secrets(want_key_secret: bool) -> dict[str, str]:
    """Line 1: auth token; line 2 (with --api-key-sid): API key secret. Empty keeps the stored."""
    found: dict[str, str] = {}
    names = ["auth_token"] + (["api_key_secret"] if want_key_secret else [])
    if sys.stdin is None:
        return found
    if sys.stdin.isatty():
        prompts = {
            "auth_token": "Twilio auth token (Enter keeps the stored one)",
            "api_key_secret": "Twilio API key secret (Enter keeps the stored one)",
        }
        for name in names:
            value = click.prompt(prompts[name], default="", hide_input=True, show_default=False)
            if value:
                found[name] = value
        return found
    for name in names:
        line = sys.stdin.readline()
        value = line.rstrip("\r\n")  # only the line ending: a space inside is refused, not eaten
        if value:
            found[name] = value
    return found


@twilio.command("set")
@click.option("--sid", help="Account SID (AC + 32 hex).")
@click.option("--from", "from_", help="From number in E.164, e.g. +14155550100 (voice needs it).")
@click.option("--messaging-service", help="Messaging Service SID (MG + 32 hex): SMS go through it.")
@click.option("--use-from", is_flag=True, help="Send SMS from the From number (not the service).")
@click.option("--api-key-sid", help="API key SID (SK + 32 hex) used instead of the auth token.")
@click.option("--callback-url", help="Public URL of POST /twilio/status (StatusCallback).")
@click.option("--base-url", help="Twilio API base URL (sandboxes, tests).")
@click.option("--no-secrets", is_flag=True, help="Do not read a token from stdin or a prompt.")
@pass_ctx
def twilio_set(
    obj: Context,
    sid: str | None,
    from_: str | None,
    messaging_service: str | None,
    use_from: bool,
    api_key_sid: str | None,
    callback_url: str | None,
    base_url: str | None,
    no_secrets: bool,
) -> None:
    """Store Twilio credentials. The auth token is read from stdin (first line) or a hidden
    prompt, never from an argument; with --api-key-sid the key secret follows (second line).
    An empty value keeps the stored secret; `none` as an option value clears a field."""
    if messaging_service and use_from:
        fail("choose either --messaging-service or --use-from")
    changes: dict[str, Any] = {}
    for name, value in (
        ("sid", sid),
        ("from", from_),
        ("messaging_service_sid", messaging_service),
        ("api_key_sid", api_key_sid),
        ("callback_url", callback_url),
        ("base_url", base_url),
    ):
        if value is not None:
            changes[name] = None if value.strip().lower() in ("", "none", "null") else value
    if messaging_service is not None:
        changes["sms_source"] = "messaging_service" if changes["messaging_service_sid"] else "from"
    if use_from:
        changes["sms_source"] = "from"
    if not no_secrets:
        changes.update(_read_secrets(want_key_secret=bool(changes.get("api_key_sid"))))
    try:
        obj.service.save_twilio_config(changes, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    _show(obj)


def _show(obj: Context) -> None:
    service = obj.service
    config = service.twilio_config()
    emit(
        {
            "sid": config.sid,
            "auth_token": config.auth_token_hint,
            "sms_source": config.sms_source,
            "from": config.from_,
            "messaging_service_sid": config.messaging_service_sid,
            "api_key_sid": config.api_key_sid,
            "api_key_secret": config.api_key_secret_hint,
            "callback_url": config.callback_url,
            "base_url": config.base_url,
            "missing": service.twilio_missing(),
        }
    )


@twilio.command("show")
@pass_ctx
def twilio_show(obj: Context) -> None:
    """The stored Twilio configuration as JSON; secrets masked."""
    _show(obj)


@twilio.command("test")
@click.option("--to", "to", required=True, help="Recipient in E.164, e.g. +14155550123.")
@click.option("--channel", type=click.Choice(["sms", "voice"]), default="sms", show_default=True)
@pass_ctx
def twilio_test(obj: Context, to: str, channel: str) -> None:
    """Send the verification message with a throwaway code; print Twilio's answer as JSON.

    Exits 1 when Twilio refused or could not be reached."""
    try:
        result = obj.service.send_twilio_test(to, channel, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit(result.to_json())
    if not result.ok:
        sys.exit(1)
