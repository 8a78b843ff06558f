"""Command line: `phonemfa` opens the console; subcommands serve the API and script the service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CLI


class Context:
    def __init__(self, db: Path | None, demo: bool | None) -> None:
        self.db = db
        self.demo = demo
        self._service = None

    @property
    def service(self):  # noqa: ANN201 - PhoneMfa, imported lazily to keep `--help` fast
        if self._service is None:
            from phonemfa.service import PhoneMfa

            try:
                self._service = PhoneMfa.open(self.db, demo=self.demo)
            except PhoneMfaError as exc:
                fail(exc)
        return self._service


def fail(exc: PhoneMfaError | str, code: int = 1) -> NoReturn:
    message = exc.message if isinstance(exc, PhoneMfaError) else exc
    error_code = exc.code if isinstance(exc, PhoneMfaError) else None
    click.echo(f"error: {message}" + (f" ({error_code})" if error_code else ""), err=True)
    sys.exit(code)


def emit(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


pass_ctx = click.make_pass_decorator(Context)


@click.group(invoke_without_command=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="PHONEMFA_DB",
    help="SQLite database file (default: $PHONEMFA_HOME/phonemfa.db).",
)
@click.option("--no-demo", is_flag=True, help="Do not seed demo data into a new database.")
@click.version_option(package_name="phonemfa")
@click.pass_context
def main(ctx: click.Context, db: Path | None, no_demo: bool) -> None:
    """phonemfa: SMS and voice one-time codes for MFA, with an operator console.

    Without a command, opens the console.
    """
    ctx.obj = Context(db, False if no_demo else None)
    if ctx.invoked_subcommand is None:
        from phonemfa.tui.app import PhoneMfaApp

        PhoneMfaApp(ctx.obj.service, background=True).run()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--log-level",
    default="info",
    show_default=True,
    type=click.Choice(["debug", "info", "warning", "error"]),
    help="warning hides the per-request access log.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1000),
    default=None,
    help="Worker threads running requests (default 40). A send holds its thread until the "
    "provider answers: raise it when a slow provider (Twilio) meets heavy traffic.",
)
@pass_ctx
def api(obj: Context, host: str, port: int, log_level: str, threads: int | None) -> None:
    """Serve the Management API and the MFA API over HTTP."""
    from phonemfa.api.app import serve

    serve(obj.service, host=host, port=port, log_level=log_level, threads=threads)


@main.group()
def token() -> None:
    """Bearer tokens for the HTTP APIs."""


@token.command("create")
@click.option("--scope", "scopes", multiple=True, required=True, help="Repeat for several scopes.")
@click.option("--ttl", default=86400, show_default=True, type=int, help="Lifetime in seconds.")
@click.option("--subject", default="operator", show_default=True)
@pass_ctx
def token_create(obj: Context, scopes: tuple[str, ...], ttl: int, subject: str) -> None:
    """Print a new signed token alone on stdout."""
    try:
        click.echo(obj.service.create_token(list(scopes), ttl=ttl, subject=subject))
    except PhoneMfaError as exc:
        fail(exc)


@token.command("revoke")
@click.argument("jti")
@pass_ctx
def token_revoke(obj: Context, jti: str) -> None:
    """Revoke a token by its jti claim."""
    if not obj.service.revoke_token(jti):
        fail(f"no active token has jti {jti!r}")
    click.echo(f"revoked {jti}")


@main.group()
def settings() -> None:
    """Show and change the factor settings."""


@settings.command("show")
@pass_ctx
def settings_show(obj: Context) -> None:
    """All settings as JSON."""
    emit(obj.service.settings_values())


@settings.command("set")
@click.argument("key")
@click.argument("value")
@pass_ctx
def settings_set(obj: Context, key: str, value: str) -> None:
    """Change one setting, e.g. `settings set message_types sms,voice`."""
    try:
        new = obj.service.set_setting_text(key, value, actor=CLI)
    except PhoneMfaError as exc:
        fail(exc)
    emit({key: new})
    for warning in obj.service.factor_settings().warnings():
        click.echo(f"warning: {warning}", err=True)


# Command groups of each area live in their own modules (imported last: they use the helpers above).
from phonemfa.cli_templates import templates  # noqa: E402
from phonemfa.cli_twilio import twilio as _twilio  # noqa: E402 - needs main's helpers above

main.add_command(templates)
main.add_command(_twilio)

# The MFA engine's commands (enroll, challenge, verify, inbox, unblock, ...).
from phonemfa.cli_mfa import register as _register_mfa  # noqa: E402

_register_mfa(main)

# Replays of traffic scenarios.
from phonemfa.cli_replay import register as _register_replay  # noqa: E402

_register_replay(main)

# The tenant log's commands (logs, streams, alerts).
from phonemfa.cli_logs import register as _register_logs  # noqa: E402

_register_logs(main)
