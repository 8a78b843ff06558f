"""CLI of the MFA engine, for scripts and demos: one JSON object on stdout per command, or a
one-line error with its code on stderr and exit status 1.

    phonemfa enroll --user U --phone P [--channel sms|voice] [--ip IP]
    phonemfa challenge --user U [--channel sms|voice]
    phonemfa verify --transaction T --code C
    phonemfa inbox [--phone E164] [--follow]
"""

from __future__ import annotations

import json
import time

import click

from phonemfa.cli import Context, emit, fail, pass_ctx
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CLI

CHANNEL = click.Choice(["sms", "voice"])


def register(main: click.Group) -> None:
    for command in (
        enroll,
        challenge,
        verify,
        recover,
        enrollments,
        unenroll,
        inbox,
        unblock,
        blocks,
        action,
    ):
        main.add_command(command)


@click.command()
@click.option("--user", "user_id", required=True, help="The user's id, e.g. auth0|alice.")
@click.option(
    "--phone", required=True, help="E.164 (+14155550123) or national with default_region."
)
@click.option("--channel", type=CHANNEL, help="sms or voice (default: the first enabled).")
@click.option("--ip", help="The end user's IP address (per-IP limits apply).")
@click.option("--language", help="Language of the message, like x-request-language.")
@pass_ctx
def enroll(
    obj: Context,
    user_id: str,
    phone: str,
    channel: str | None,
    ip: str | None,
    language: str | None,
) -> None:
    """Start a phone enrollment: a code goes to the phone; `verify` confirms it."""
    try:
        sent = obj.service.start_enrollment(user_id, phone, channel, ip=ip, language=language)
    except PhoneMfaError as exc:
        fail(exc)
    emit(sent.to_json())


@click.command()
@click.option("--user", "user_id", required=True)
@click.option("--channel", type=CHANNEL, help="Default: the channel chosen at enrollment.")
@click.option("--ip", help="The end user's IP address.")
@click.option("--language", help="Language of the message, like x-request-language.")
@pass_ctx
def challenge(
    obj: Context, user_id: str, channel: str | None, ip: str | None, language: str | None
) -> None:
    """Send a login code to an enrolled user."""
    try:
        sent = obj.service.challenge(user_id, channel, ip=ip, language=language)
    except PhoneMfaError as exc:
        fail(exc)
    emit(sent.to_json())


@click.command()
@click.option("--transaction", "transaction_id", required=True, help="From enroll / challenge.")
@click.option("--code", required=True, help="The code the phone received.")
@click.option("--ip", help="The end user's IP address.")
@pass_ctx
def verify(obj: Context, transaction_id: str, code: str, ip: str | None) -> None:
    """Check a code: confirms an enrollment or passes a login's second factor."""
    try:
        verified = obj.service.verify(transaction_id, code, ip=ip)
    except PhoneMfaError as exc:
        fail(exc)
    emit(verified.to_json())


@click.command()
@click.option("--user", "user_id", required=True)
@click.option("--code", required=True, help="The user's recovery code.")
@pass_ctx
def recover(obj: Context, user_id: str, code: str) -> None:
    """Pass the second factor with a recovery code; prints the new recovery code."""
    try:
        used = obj.service.use_recovery_code(user_id, code)
    except PhoneMfaError as exc:
        fail(exc)
    emit(used.to_json())


@click.command()
@click.option("--user", "user_id", required=True)
@pass_ctx
def enrollments(obj: Context, user_id: str) -> None:
    """A user's phone enrollments (numbers masked)."""
    try:
        listed = obj.service.list_enrollments(user_id)
    except PhoneMfaError as exc:
        fail(exc)
    emit({"user_id": user_id, "enrollments": [e.to_api() for e in listed]})


@click.command()
@click.argument("enrollment_id")
@pass_ctx
def unenroll(obj: Context, enrollment_id: str) -> None:
    """Delete an enrollment (dev_…)."""
    try:
        removed = obj.service.delete_enrollment(enrollment_id, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit({"deleted": removed.id, "user_id": removed.user_id})


@click.command()
@click.option("--phone", help="Only messages to this number.")
@click.option("--follow", is_flag=True, help="Keep printing new messages as they arrive.")
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
@pass_ctx
def inbox(obj: Context, phone: str | None, follow: bool, interval: float) -> None:
    """What the Built-in provider delivered (the virtual phones), as JSON lines."""
    service = obj.service
    last = 0
    try:
        while True:
            for message in service.inbox(phone, after_id=last):
                click.echo(json.dumps(message.to_json(), ensure_ascii=False))
                last = message.id
            if not follow:
                return
            time.sleep(interval)
    except PhoneMfaError as exc:
        fail(exc)
    except KeyboardInterrupt:
        return


@click.command()
@click.argument("ip")
@pass_ctx
def unblock(obj: Context, ip: str) -> None:
    """Lift the block of an IP address (blocked for too many enrollment starts)."""
    try:
        obj.service.unblock_ip(ip, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit({"unblocked": ip})


@click.command()
@pass_ctx
def blocks(obj: Context) -> None:
    """Blocked IP addresses."""
    from phonemfa.clock import iso

    emit(
        {
            "blocked_ips": [
                {
                    "ip": b.ip,
                    "reason": b.reason,
                    "detail": b.detail,
                    "blocked_at": iso(b.blocked_at),
                }
                for b in obj.service.blocked_ips()
            ]
        }
    )


@click.group()
def action() -> None:
    """The Custom provider's action and its secrets."""


@action.command("show")
@pass_ctx
def action_show(obj: Context) -> None:
    """The configured action and its secrets (masked)."""
    service = obj.service
    emit(
        {
            "custom_action": service.setting("custom_action"),
            "timeout": service.setting("custom_action_timeout"),
            "secrets": service.action_secrets(),
        }
    )


@action.command("set-secret")
@click.argument("name")
@click.option("--value", prompt=True, hide_input=True, help="Prompted (hidden) when not given.")
@pass_ctx
def action_set_secret(obj: Context, name: str, value: str) -> None:
    """Store a secret (encrypted) that the action receives in event.secrets."""
    try:
        mask = obj.service.set_action_secret(name, value, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit({name: mask})


@action.command("delete-secret")
@click.argument("name")
@pass_ctx
def action_delete_secret(obj: Context, name: str) -> None:
    try:
        obj.service.delete_action_secret(name, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit({"deleted": name})
