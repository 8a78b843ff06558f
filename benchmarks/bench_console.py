"""The console's live log under load: the app headless with the log open while another process
writes events, on a database already holding a million events.

    python benchmarks/bench_console.py [--stored 1000000] [--rate 1000] [--seconds 10]

Measured in the app's process (Textual headless, the real LiveLogScreen and EventLog):
- opening the log screen: F5 pressed -> the newest events shown, on `--stored` stored events;
- lag: an event's insert (its `date`, written by the other process) -> handed to the EventLog
  widget on the UI thread (which repaints at its next frame), p50 and p99 over every event;
- the longest event-loop stall: the largest delay of a 10 ms interval timer beyond its period;
- RSS of the app's process at the end.
The writer is a separate process writing `--rate` events/s for `--seconds` through the service,
one event per transaction, as the engine writes them (masked numbers, trail-sized details).
The stored events are inserted with plain sqlite3 beforehand, spread over the past 30 days.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from _harness import CHECKOUT_ENV, ROOT, percentile, table, temp_db

sys.path.insert(0, str(ROOT / "src"))

from phonemfa.clock import iso  # noqa: E402
from phonemfa.service import PhoneMfa  # noqa: E402
from phonemfa.tui.app import PhoneMfaApp  # noqa: E402
from phonemfa.tui.screens.live_log import LiveLogScreen  # noqa: E402
from phonemfa.tui.widgets.event_log import EventLog  # noqa: E402

TYPES = ["gd_start_auth", "gd_send_sms", "gd_auth_succeed", "limit_phone", "gd_send_sms_failure"]
WRITER = """
import json, sys, time
from phonemfa.service import PhoneMfa

db, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
service = PhoneMfa.open(db, demo=False)
types = {types!r}
start = time.perf_counter()
n = 0
while True:
    due = start + n / rate
    now = time.perf_counter()
    if now - start >= seconds:
        break
    if due > now:
        time.sleep(due - now)
    kind = types[n % len(types)]
    with service.store.transaction():
        service.log_event(kind, details={details}, user_id=f"auth0|w{{n % 500}}", ip="203.0.113.9")
    n += 1
print(json.dumps({{"written": n, "seconds": time.perf_counter() - start}}))
"""


def details(n: int) -> dict:
    """About what the engine logs for a send: masked number, provider, a short trail."""
    return {
        "authenticator": {
            "id": f"sms|dev_{n:016x}",
            "type": "sms",
            "phone_number": "+1•••••••0123",
        },
        "action": "second-factor-authentication",
        "message_id": f"msg_{n:020x}",
        "provider": "twilio",
        "region": "US",
        "trail": [
            {"step": "factor", "ok": True, "detail": "Factor on; SMS chosen (offered: sms)."},
            {"step": "user_messages", "ok": True, "detail": "8 of 10 messages left."},
            {"step": "result", "ok": True, "detail": "SMS handed to Twilio (queued)."},
        ],
    }


def fill(db: Path, count: int) -> float:
    """`count` events spread over the past 30 days, with plain sqlite3; returns the seconds."""
    service = PhoneMfa.open(db, demo=False)  # creates and migrates the file
    service.update_settings({"enabled": True}, actor="bench")
    service.close()
    start = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    now = time.time()
    rng = random.Random(8)
    batch = 20_000
    for first in range(0, count, batch):
        rows = []
        for n in range(first, min(count, first + batch)):
            ts = now - 30 * 86400 + 30 * 86400 * n / count
            kind = TYPES[rng.randrange(len(TYPES))]
            rows.append(
                (ts, iso(ts), kind, kind, "203.0.113.9", f"auth0|u{n % 5000}", None, None, None,
                 None, json.dumps(details(n), separators=(",", ":")), 0)
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO events(ts, date, type, description, ip, user_id, user_name, client_id,"
            " client_name, user_agent, details, simulated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            rows,
        )
        conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return time.perf_counter() - start


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def epoch(date: str) -> float:
    return datetime.fromisoformat(date.replace("Z", "+00:00")).timestamp()


async def measure_app(db: Path, args: argparse.Namespace) -> dict:
    service = PhoneMfa.open(db, demo=False)
    app = PhoneMfaApp(service)
    opened: list[float] = []
    lags: list[float] = []
    gaps: list[float] = []
    stored_up_to = [service.last_event_id()]  # lags of the new events only, not the history

    original_loaded = LiveLogScreen.on_history_loaded
    original_append = EventLog.append

    def on_history_loaded(self, message):  # noqa: ANN001, ANN202
        original_loaded(self, message)
        opened.append(time.perf_counter())

    def append(self, new):  # noqa: ANN001, ANN202
        batch = list(new)
        now = time.time()
        lags.extend((now - epoch(e.date)) * 1000 for e in batch if e.id > stored_up_to[0])
        return original_append(self, batch)

    LiveLogScreen.on_history_loaded = on_history_loaded
    EventLog.append = append
    try:
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            last = [time.perf_counter()]

            def tick() -> None:
                now = time.perf_counter()
                gaps.append((now - last[0] - 0.010) * 1000)
                last[0] = now

            app.set_interval(0.010, tick)
            pressed = time.perf_counter()
            await pilot.press("f5")
            while not opened:
                await pilot.pause(0.005)
            open_ms = (opened[0] - pressed) * 1000
            shown = len(app.screen.query_one(EventLog).entries)
            await pilot.pause(1.0)  # the first panel load and polls on a quiet file
            gaps.clear()
            writer = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WRITER.format(types=TYPES, details=details(0)),
                    str(db),
                    str(args.rate),
                    str(args.seconds),
                ],
                stdout=subprocess.PIPE,
                env=CHECKOUT_ENV,
                text=True,
            )
            while writer.poll() is None:
                await pilot.pause(0.05)
            await pilot.pause(1.0)  # the last polls drain
            written = json.loads(writer.stdout.read())
            rss = rss_mb()
            gaps_during = list(gaps)
    finally:
        LiveLogScreen.on_history_loaded = original_loaded
        EventLog.append = original_append
        service.close()
    return {
        "open_ms": open_ms,
        "shown": shown,
        "written": written,
        "lags": lags,
        "stall_ms": max(gaps_during) if gaps_during else float("nan"),
        "stalls_over_100": sum(1 for g in gaps_during if g > 100),
        "rss_mb": rss,
    }


def measure(args: argparse.Namespace) -> dict:
    db = temp_db()
    fill_s = fill(db, args.stored)
    result = asyncio.run(measure_app(db, args))
    result["fill_s"] = fill_s
    result["db_mb"] = (
        sum(p.stat().st_size for p in db.parent.iterdir() if p.name.startswith(db.name)) / 2**20
    )
    return result


def report(result: dict, args: argparse.Namespace) -> list[list[str]]:
    lags, written = result["lags"], result["written"]
    rate = written["written"] / written["seconds"]
    return [
        ["open the log screen", f"{result['open_ms']:.0f} ms", "≤ 500 ms",
         f"{args.stored:,} events stored, newest {result['shown']:,} shown"],
        ["lag insert → shown, p50", f"{percentile(lags, 0.5):.0f} ms", "",
         f"{len(lags):,} events, written at {rate:,.0f}/s by another process"],
        ["lag insert → shown, p99", f"{percentile(lags, 0.99):.0f} ms", "≤ 250 ms",
         f"max {max(lags):.0f} ms, mean {statistics.mean(lags):.0f} ms"],
        ["longest event-loop stall", f"{result['stall_ms']:.0f} ms", "≤ 100 ms",
         f"{result['stalls_over_100']} stalls over 100 ms while writing"],
        ["RSS of the app", f"{result['rss_mb']:.0f} MB", "≤ 200 MB",
         f"database {result['db_mb']:,.0f} MB on disk"],
    ]  # fmt: skip


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    return parser


def main() -> None:
    args = parser().parse_args()
    result = measure(args)
    print(
        f"live log headless (160x48), {args.stored:,} events stored (filled in "
        f"{result['fill_s']:.0f} s), another process writing {args.rate:,.0f}/s for "
        f"{args.seconds:g} s; Python {sys.version.split()[0]}, pid {os.getpid()}"
    )
    print(table(report(result, args), ["figure", "measured", "target", "conditions"]))


if __name__ == "__main__":
    main()
