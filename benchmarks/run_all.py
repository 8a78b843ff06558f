"""Every benchmark, one after the other, and one table of their figures against the targets.

    python benchmarks/run_all.py [--only engine,http,console]

Each benchmark keeps its own defaults (see its docstring, or run it alone with --help).
Benchmarks are never run by pytest: they measure speed, which the tests never judge.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time

import bench_console
import bench_engine
import bench_http
from _harness import percentile, table


def machine() -> str:
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    except (OSError, StopIteration):
        model = platform.processor() or model
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    sqlite = subprocess.run(
        [sys.executable, "-c", "import sqlite3; print(sqlite3.sqlite_version)"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, SQLite {sqlite}, "
        f"{platform.system()} {platform.release()}, load {load:.2f} at start"
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def engine_rows() -> list[list[str]]:
    r = bench_engine.measure(bench_engine.parser().parse_args([]))
    login, own, plain = r["login"], r["own"], r["plain"]
    ratio = login.per_flow_us / own.per_flow_us
    return [
        ["engine", "challenge+verify flows/s", f"{login.rate:,.0f}", "≥ 1,000",
         verdict(login.rate >= 1000)],
        ["engine", "time per flow vs its own writes in raw sqlite3", f"{ratio:.2f}", "≤ 3",
         verdict(ratio <= 3)],
        ["engine", "enroll+confirm flows/s", f"{r['enroll'].rate:,.0f}", "", ""],
        ["engine", f"its {r['rows_per_flow']:.0f} rows into one plain table, vs own writes",
         f"{plain.per_flow_us / own.per_flow_us:.2f}", "", ""],
    ]  # fmt: skip


def http_rows() -> list[list[str]]:
    results, floor = bench_http.measure(bench_http.parser().parse_args([]))
    rows = [["http", "bare uvicorn PUT requests/s", f"{floor.http_rate:,.0f}", "", ""]]
    for r in results[1:]:
        share = r.http_rate / floor.http_rate
        p99 = r.request_pct(0.99)
        flows = f" ({r.rate:,.0f} flows/s)" if r.http_requests != r.requests else ""
        target = r.name.startswith("MFA")
        rows.append(
            ["http", f"{r.name}: requests/s vs bare{flows}", f"{share:.2f}",
             "≥ 0.40" if target else "", verdict(share >= 0.4) if target else ""]
        )  # fmt: skip
        rows.append(
            ["http", f"{r.name}: p99 per request, 16 clients", f"{p99:.1f} ms",
             "< 50 ms" if target else "", verdict(p99 < 50) if target else ""]
        )  # fmt: skip
    return rows


def console_rows() -> list[list[str]]:
    r = bench_console.measure(bench_console.parser().parse_args([]))
    p99 = percentile(r["lags"], 0.99)
    return [
        ["console", "open the live log on 1,000,000 events", f"{r['open_ms']:.0f} ms", "≤ 500 ms",
         verdict(r["open_ms"] <= 500)],
        ["console", "lag insert → shown, p50 (1,000 events/s)",
         f"{percentile(r['lags'], 0.5):.0f} ms", "", ""],
        ["console", "lag insert → shown, p99 (1,000 events/s)", f"{p99:.0f} ms", "≤ 250 ms",
         verdict(p99 <= 250)],
        ["console", "longest event-loop stall", f"{r['stall_ms']:.0f} ms", "≤ 100 ms",
         verdict(r["stall_ms"] <= 100)],
        ["console", "RSS with 1,000,000 events stored", f"{r['rss_mb']:.0f} MB", "≤ 200 MB",
         verdict(r["rss_mb"] <= 200)],
    ]  # fmt: skip


BENCHMARKS = {"engine": engine_rows, "http": http_rows, "console": console_rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="engine,http,console")
    args = parser.parse_args()
    print(machine(), flush=True)
    started = time.perf_counter()
    rows: list[list[str]] = []
    for name in args.only.split(","):
        print(f"running {name}...", file=sys.stderr, flush=True)
        rows += BENCHMARKS[name]()
    print(f"all benchmarks in {time.perf_counter() - started:.0f} s")
    print(table(rows, ["benchmark", "figure", "measured", "target", ""]))


if __name__ == "__main__":
    main()
