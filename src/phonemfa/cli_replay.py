"""`phonemfa replay`: feed a traffic scenario through the service on a simulated clock.

phonemfa replay sms_pumping                  # a bundled scenario, as fast as possible
phonemfa replay my_day.jsonl --speed 60      # one scenario minute per real second
phonemfa replay sms_pumping --json           # the summary as JSON
"""

from __future__ import annotations

import json
import threading

import click

from phonemfa.cli import Context, fail, pass_ctx
from phonemfa.core.scenarios import ScenarioError, load_scenario
from phonemfa.errors import PhoneMfaError
from phonemfa.service.replay import bundled_scenarios, scenario_path
from phonemfa.service.replay_summary import ReplayProgress, ReplaySummary


def register(main: click.Group) -> None:
    main.add_command(replay)


@click.command()
@click.argument("scenario", required=False)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    help="Scenario seconds per real second (default: as fast as possible).",
)
@click.option(
    "--real-provider",
    is_flag=True,
    help="Send through the tenant's provider (real messages, real costs) instead of the "
    "simulated phone.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("-v", "--verbose", is_flag=True, help="Print one line per request as it is replayed.")
@click.option("--list", "list_bundled", is_flag=True, help="List the bundled scenarios.")
@pass_ctx
def replay(
    obj: Context,
    scenario: str | None,
    speed: float | None,
    real_provider: bool,
    as_json: bool,
    verbose: bool,
    list_bundled: bool,
) -> None:
    """Replay a traffic scenario (a JSON-lines file or a bundled name) through the service.

    Requests happen at the scenario's times on a simulated clock, so limits, blocks and the log
    react as in production; events are marked simulated. Sends go to the virtual inbox unless
    --real-provider is given. Ctrl-C stops the replay and prints what happened so far.
    """
    if list_bundled:
        for name, path in bundled_scenarios().items():
            loaded = load_scenario(path)
            click.echo(
                f"{name}: {loaded.name}: {len(loaded.requests)} requests. {loaded.description}"
            )
        return
    if not scenario:
        fail("give a scenario file or a bundled name (phonemfa replay --list)")
    try:
        loaded = load_scenario(scenario_path(scenario))
    except ScenarioError as exc:
        fail(str(exc))
    service = obj.service
    if real_provider:
        provider = service.factor_settings().provider_label
        click.echo(f"warning: sending through the {provider} provider: real messages.", err=True)
    cancel = threading.Event()
    result: dict[str, ReplaySummary | PhoneMfaError] = {}

    def show(progress: ReplayProgress) -> None:
        try:
            click.echo(progress.outcome.line(), err=as_json)
        except OSError:  # the reader went away (a closed pipe): stop replaying
            cancel.set()

    finished = threading.Event()

    def run() -> None:
        try:
            result["summary"] = service.replay(
                loaded,
                speed=speed,
                real_provider=real_provider,
                cancel=cancel,
                progress=show if verbose else None,
            )
        except PhoneMfaError as exc:
            result["error"] = exc
        finally:
            finished.set()

    # The replay runs in a thread so Ctrl-C can stop it between two requests. (An Event, not
    # Thread.join: a join interrupted by Ctrl-C may later return while the thread still runs.)
    threading.Thread(target=run, name="phonemfa-replay", daemon=True).start()
    try:
        while not finished.wait(0.2):
            pass
    except KeyboardInterrupt:
        cancel.set()
        finished.wait()
    outcome = result.get("summary") or result.get("error")
    if isinstance(outcome, PhoneMfaError):
        fail(outcome)
    assert isinstance(outcome, ReplaySummary)
    if as_json:
        click.echo(json.dumps(outcome.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(outcome.lines()))
