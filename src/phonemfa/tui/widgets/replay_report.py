"""A replay as the simulator shows it: progress while it runs, the summary when it ends."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from phonemfa.service.replay_summary import ReplayProgress, ReplaySummary, duration_words


def _refusals(summary: ReplaySummary, limit: int | None = None) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(justify="right", width=5, no_wrap=True)
    table.add_column(ratio=1)
    for rule, count in summary.refused.most_common(limit):
        table.add_row(
            Text(str(count), style="bold"),
            Text.assemble((rule, "bold yellow"), "  ", (summary.examples.get(rule, ""), "dim")),
        )
    return table


def _figures(summary: ReplaySummary) -> Text:
    regions = ", ".join(f"{r} {n}" for r, n in summary.sent_by_region.most_common(6))
    more = "…" if len(summary.sent_by_region) > 6 else ""
    accepted = summary.accepted["enrolled"] + summary.accepted["logged_in"]
    return Text.assemble(
        ("Codes sent ", "bold"),
        f"{summary.total_sent}" + (f" (to {regions}{more})" if regions else ""),
        ("\nCodes accepted ", "bold"),
        f"{accepted} ({summary.accepted['enrolled']} enrollments, "
        f"{summary.accepted['logged_in']} logins, {summary.accepted['recovered']} recovery codes)",
        ("\nRefused ", "bold"),
        str(summary.total_refused),
    )


def progress_view(tally: ReplaySummary, step: ReplayProgress, duration: float) -> Group:
    head = Text.assemble(
        (f"{step.done} of {step.total} requests", "bold"),
        f" · {duration_words(step.at)} of {duration_words(duration)} simulated",
    )
    return Group(head, _figures(tally), _refusals(tally, 6), Text("Escape cancels.", "dim"))


def summary_view(summary: ReplaySummary) -> Group:
    state = "Cancelled" if summary.cancelled else "Done"
    where = (
        "sends went to the simulated phone; nothing left this machine"
        if summary.provider == "simulated"
        else f"sends went through {summary.provider}"
    )
    head = Text.assemble(
        (f"{state}: {summary.done} of {summary.requests} requests", "bold"),
        f" over {duration_words(summary.simulated_seconds)} of simulated time; {where}. "
        f"{summary.events} events, marked simulated; users {summary.run}|…",
    )
    blocked = Text.assemble(
        ("Blocked IPs ", "bold"),
        (", ".join(summary.blocked_ips), "bold red") if summary.blocked_ips else ("none", "dim"),
    )
    alerts = Text.assemble(
        ("Alerts ", "bold"),
        ("\n".join(summary.alerts), "bold yellow") if summary.alerts else ("none", "dim"),
    )
    parts = [head, _figures(summary), _refusals(summary), blocked, alerts]
    if summary.already_blocked:
        parts.append(Text("Already blocked before: " + ", ".join(summary.already_blocked), "dim"))
    return Group(*parts)
