"""CLI for the tenant log: `logs` (print and follow), `streams` (log stream sinks), `alerts`."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import click

from phonemfa.cli import Context, emit, fail, pass_ctx
from phonemfa.core.events import CATEGORIES, EVENT_TYPES, Event
from phonemfa.core.eventview import summary
from phonemfa.errors import PhoneMfaError
from phonemfa.service.base import CLI


def _types_for(names: tuple[str, ...]) -> list[str] | None:
    """`--type` accepts event types and categories (sent, failed, limited, ...)."""
    if not names:
        return None
    types: list[str] = []
    for name in names:
        for part in name.split(","):
            part = part.strip()
            if part in CATEGORIES:
                types.extend(CATEGORIES[part])
            elif part in EVENT_TYPES:
                types.append(part)
            elif part:
                fail(
                    f"unknown event type or category {part!r}; categories: "
                    f"{', '.join(CATEGORIES)}; types: {', '.join(EVENT_TYPES)}"
                )
    return list(dict.fromkeys(types))


def _print(event: Event, as_json: bool) -> None:
    line = (
        json.dumps(event.to_json(), ensure_ascii=False)
        if as_json
        else summary(event, with_date=True)
    )
    click.echo(line)


@click.command("logs")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new events as they are written.")
@click.option("--type", "types", multiple=True, help="Event type or category; repeatable.")
@click.option("--user", help="Only this user_id.")
@click.option("--json", "as_json", is_flag=True, help="One Auth0-shaped JSON event per line.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--interval", default=0.5, show_default=True, type=click.FloatRange(0.05, 60))
@pass_ctx
def logs(
    obj: Context,
    follow: bool,
    types: tuple[str, ...],
    user: str | None,
    as_json: bool,
    limit: int,
    interval: float,
) -> None:
    """Print the newest events (oldest first), then follow new ones with --follow."""
    wanted = _types_for(types)
    service = obj.service
    last = service.last_event_id()
    try:
        if limit:
            for event in service.recent_events(limit, types=wanted, user_id=user):
                _print(event, as_json)
        sys.stdout.flush()
        while follow:
            time.sleep(interval)
            for event in service.events_after(last, limit=1000):
                last = event.id
                if (wanted is None or event.type in wanted) and (
                    user is None or event.user_id == user
                ):
                    _print(event, as_json)
            sys.stdout.flush()
    except KeyboardInterrupt:
        return
    except BrokenPipeError:
        # `phonemfa logs -f | head`: the reader left; leave quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except PhoneMfaError as exc:
        fail(exc)


# -- streams -------------------------------------------------------------------------------------


@click.group()
def streams() -> None:
    """Log streams: send every tenant log event to a webhook (your SIEM) or a file."""


def _secret_from(value: str | None, env: str | None) -> str | None:
    if value and env:
        fail("give --authorization or --authorization-env, not both")
    if env:
        found = os.environ.get(env)
        if not found:
            fail(f"the environment variable {env} is not set")
        return found
    return value


@streams.command("add")
@click.argument("name")
@click.option("--url", help="Webhook URL (http:// or https://) that receives POSTs.")
@click.option(
    "--file",
    "file_path",
    type=click.Path(dir_okay=False),
    help="Append JSON lines to this file instead.",
)
@click.option("--authorization", help="Authorization header value sent as is.")
@click.option("--authorization-env", help="Read the Authorization value from this variable.")
@click.option(
    "--format",
    "content_format",
    type=click.Choice(["JSONLINES", "JSONARRAY", "JSONOBJECT"], case_sensitive=False),
    default="JSONLINES",
    show_default=True,
)
@click.option("--content-type", default="application/json", show_default=True)
@click.option("--filter", "filters", multiple=True, help="Category or event type; repeatable.")
@click.option("--from-start", is_flag=True, help="Also send every event already in the log.")
@click.option("--since", help="Also send events since this ISO 8601 date.")
@click.option("--paused", is_flag=True, help="Create it paused.")
@pass_ctx
def streams_add(
    obj: Context,
    name: str,
    url: str | None,
    file_path: str | None,
    authorization: str | None,
    authorization_env: str | None,
    content_format: str,
    content_type: str,
    filters: tuple[str, ...],
    from_start: bool,
    since: str | None,
    paused: bool,
) -> None:
    """Add a stream; prints it as JSON (the Authorization shown masked)."""
    from phonemfa.core.streamformat import filters_from_names

    if bool(url) == bool(file_path):
        fail("give either --url or --file")
    if from_start and since:
        fail("give --from-start or --since, not both")
    secret = _secret_from(authorization, authorization_env)
    try:
        stream = obj.service.create_stream(
            name=name,
            type="http" if url else "file",
            endpoint=url,
            authorization=secret,
            content_type=content_type if url else None,
            content_format=content_format.upper() if url else None,
            file_path=os.path.abspath(file_path) if file_path else None,
            filters=[f.to_json() for f in filters_from_names(filters)],
            start_from="beginning" if from_start else since,
            status="paused" if paused else "active",
        )
    except PhoneMfaError as exc:
        fail(exc)
    emit(stream.to_api())


@streams.command("list")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def streams_list(obj: Context, as_json: bool) -> None:
    """Every stream with its status, health and backlog."""
    service = obj.service
    rows = service.list_streams()
    if as_json:
        emit(
            [
                {
                    **s.to_api(),
                    "health": s.health,
                    "delivered": s.delivered,
                    "behind": service.stream_lag(s),
                    "last_error": s.last_error,
                }
                for s in rows
            ]
        )
        return
    if not rows:
        click.echo("no log streams (add one with `phonemfa streams add NAME --url URL`)")
        return
    header = (
        f"{'NAME':<20} {'TYPE':<5} {'STATUS':<9} {'HEALTH':<9} {'SENT':>7} {'BEHIND':>7}  TARGET"
    )
    click.echo(header)
    for s in rows:
        click.echo(
            f"{s.name[:20]:<20} {s.type:<5} {s.status:<9} {s.health:<9} {s.delivered:>7} "
            f"{service.stream_lag(s):>7}  {s.target}  ({s.id})"
        )
        if s.failures and s.last_error:
            click.echo(f"{'':<20} last error: {s.last_error}")


def _change(obj: Context, action: str, id_or_name: str) -> None:
    service = obj.service
    try:
        if action == "pause":
            stream = service.pause_stream(id_or_name)
        elif action == "resume":
            stream = service.resume_stream(id_or_name)
        else:
            service.remove_stream(id_or_name)
            click.echo(f"removed {id_or_name}")
            return
    except PhoneMfaError as exc:
        fail(exc)
    click.echo(f"{stream.name} ({stream.id}): {stream.status}")


@streams.command("pause")
@click.argument("stream")
@pass_ctx
def streams_pause(obj: Context, stream: str) -> None:
    """Stop delivering a stream (it keeps its place in the log)."""
    _change(obj, "pause", stream)


@streams.command("resume")
@click.argument("stream")
@pass_ctx
def streams_resume(obj: Context, stream: str) -> None:
    """Deliver again, from where it stopped; clears a failing or suspended state."""
    _change(obj, "resume", stream)


@streams.command("remove")
@click.argument("stream")
@pass_ctx
def streams_remove(obj: Context, stream: str) -> None:
    """Delete a stream and its stored Authorization."""
    _change(obj, "remove", stream)


@streams.command("run")
@click.option("--once", is_flag=True, help="One pass over every stream and rule, then exit.")
@click.option("--interval", default=1.0, show_default=True, type=click.FloatRange(0.1, 3600))
@pass_ctx
def streams_run(obj: Context, once: bool, interval: float) -> None:
    """Deliver streams and evaluate alerts in the foreground (what `phonemfa api` does too)."""
    from phonemfa.logstream import BackgroundLoop

    loop = BackgroundLoop(obj.service, interval=interval)
    if once:
        report = loop.tick()
        loop.stop()
        emit(
            {
                "delivered": report.delivered,
                "failed": report.failed,
                "skipped": report.skipped,
                "alerts": [f.message for f in report.fired],
            }
        )
        return
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    finally:
        loop.stop()


# -- alerts --------------------------------------------------------------------------------------


@click.group()
def alerts() -> None:
    """Alert rules on the log (spikes of sends and failures, blocked IPs, daily usage)."""


def _firing_json(firing: Any) -> dict[str, Any]:
    from phonemfa.clock import iso

    return {
        "id": firing.id,
        "rule_id": firing.rule_id,
        "rule_name": firing.rule_name,
        "message": firing.message,
        "fired_at": iso(firing.fired_at),
        "simulated": firing.simulated,
        "acknowledged": not firing.open,
        "notify": firing.notify_state,
    }


@alerts.command("list")
@click.option("--open", "open_only", is_flag=True, help="Only those not acknowledged.")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def alerts_list(obj: Context, open_only: bool, as_json: bool) -> None:
    """Alerts that fired, newest first."""
    service = obj.service
    firings = service.open_alerts() if open_only else service.recent_alerts()
    if as_json:
        emit([_firing_json(f) for f in firings])
        return
    for f in firings:
        state = "open" if f.open else f"acknowledged by {f.acknowledged_by}"
        click.echo(f"#{f.id:<5} {_firing_json(f)['fired_at']}  {f.message}  [{state}]")
    if not firings:
        click.echo("no alerts")


@alerts.command("ack")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Acknowledge every open alert.")
@pass_ctx
def alerts_ack(obj: Context, ids: tuple[int, ...], everything: bool) -> None:
    """Acknowledge alerts (the console's banner goes away)."""
    if bool(ids) == everything:
        fail("give alert ids or --all")
    count = obj.service.acknowledge_alerts(None if everything else list(ids), actor=CLI)
    click.echo(f"acknowledged {count} alert(s)")


@alerts.command("rules")
@click.option("--json", "as_json", is_flag=True)
@pass_ctx
def alerts_rules(obj: Context, as_json: bool) -> None:
    """The rules and what each watches."""
    rules = obj.service.alert_rules()
    if as_json:
        emit(
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "kind": r.kind,
                    "types": list(r.types),
                    "threshold": r.threshold,
                    "window": r.window,
                    "min_count": r.min_count,
                    "baseline": r.baseline,
                    "enabled": r.enabled,
                    "webhook_url": r.webhook_url,
                    "webhook_authorization": r.webhook_authorization_hint,
                }
                for r in rules
            ]
        )
        return
    for r in rules:
        flag = "on " if r.enabled else "off"
        hook = f"  → {r.webhook_url}" if r.webhook_url else ""
        click.echo(f"{flag} {r.id:<22} {r.name}: {r.describe()}{hook}")


@alerts.command("set")
@click.argument("rule_id")
@click.option("--threshold", type=float)
@click.option("--window", type=int, help="Seconds.")
@click.option("--min-count", type=int)
@click.option("--baseline", type=int, help="Seconds of history that set the usual rate.")
@click.option("--types", help="Comma-separated event types.")
@click.option("--enable/--disable", "enabled", default=None)
@click.option("--webhook", help="URL notified when the rule fires ('' removes it).")
@click.option("--webhook-authorization-env", help="Variable holding the webhook's Authorization.")
@pass_ctx
def alerts_set(
    obj: Context, rule_id: str, webhook_authorization_env: str | None, **options: Any
) -> None:
    """Change a rule, e.g. `alerts set alr_sms_spike --threshold 4 --window 600`."""
    changes = {k: v for k, v in options.items() if v is not None and k != "webhook"}
    if "types" in changes:
        changes["types"] = [t.strip() for t in changes["types"].split(",") if t.strip()]
    extra: dict[str, Any] = {}
    if options.get("webhook") is not None:
        extra["webhook_url"] = options["webhook"]
    if webhook_authorization_env:
        extra["webhook_authorization"] = _secret_from(None, webhook_authorization_env)
    try:
        rule = obj.service.update_alert_rule(rule_id, **changes, **extra)
    except PhoneMfaError as exc:
        fail(exc)
    click.echo(f"{rule.id}: {rule.describe()}" + ("" if rule.enabled else " (disabled)"))


@alerts.command("check")
@pass_ctx
def alerts_check(obj: Context) -> None:
    """Evaluate every rule now; prints what fired (JSON)."""
    emit([_firing_json(f) for f in obj.service.evaluate_alerts()])


def register(main: click.Group) -> None:
    main.add_command(logs)
    main.add_command(streams)
    main.add_command(alerts)
