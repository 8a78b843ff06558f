"""The MFA engine in one process: enroll+confirm and challenge+verify flows through the service.

    python benchmarks/bench_engine.py [--users 1000] [--flows 1500] [--rounds 3] [--profile]

Built-in provider, a file database in WAL mode, the system clock, one thread. A flow is what a
user and an application's backend cause: `start_enrollment` (or `challenge`), the code read from
the virtual phone's inbox (`service.inbox`), `verify`. Default limits are kept: a user gets at
most 10 messages, so flows are spread over `--users` users, each from its own IP address (one IP
may start 50 enrollments a minute). The Built-in provider stops after 100 messages per tenant
lifetime (the seed's evaluation cap): the benchmark sets that counter back to zero every 90 sends
(one UPDATE, timed with the rest).

The floors, measured in the same run on the same disk with the same PRAGMAs:
- "own writes, raw": every INSERT/UPDATE/DELETE and BEGIN/COMMIT a login flow issued, recorded
  with its parameters and replayed with plain `sqlite3` on a copy of the database (same tables,
  same indexes, same rows): what storing a login costs with no Python at all. The ratio is
  measured against this floor.
- "N rows, one table": the same number of rows inserted into a one-index table, one transaction
  per step (two per flow), for a sense of what the schema's indexes cost.
Rounds are interleaved (engine, floors, engine, ...) and the best of each is kept: the machine is
shared, and the ratio is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from _harness import ROOT, table, temp_db

sys.path.insert(0, str(ROOT / "src"))

from phonemfa.service import PhoneMfa  # noqa: E402

CODE = re.compile(r"\b\d{6}\b")
BUILTIN_RESET_EVERY = 90
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN", "COMMIT", "END", "SAVEPOINT")
WRITES += ("RELEASE", "ROLLBACK")


@dataclass
class Phase:
    name: str
    flows: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.flows / self.seconds

    @property
    def per_flow_us(self) -> float:
        return self.seconds / self.flows * 1e6


def best(phases: list[Phase]) -> Phase:
    return min(phases, key=lambda p: p.per_flow_us)


class EngineRun:
    def __init__(self, db: Path, users: int) -> None:
        self.db = db
        self.service = PhoneMfa.open(db, demo=False)
        self.service.update_settings({"enabled": True, "message_types": ["sms"]}, actor="bench")
        self.users = [
            (f"bench|{i}", f"+3361{i:07d}", f"10.8.{i >> 8}.{i & 255}") for i in range(users)
        ]
        self.inbox_after = 0
        self.sends = 0
        self.next_login = 0
        self.captured: list[str] | None = None

    def code_for(self, phone: str) -> str:
        message = self.service.inbox(phone, after_id=self.inbox_after)[-1]
        self.inbox_after = message.id
        return CODE.search(message.text).group(0)

    def _count_send(self) -> None:
        self.sends += 1
        if self.sends % BUILTIN_RESET_EVERY == 0:
            captured, self.captured = self.captured, None  # not part of any flow
            with self.service.store.transaction() as db:
                db.execute("UPDATE tenant_counters SET value = 0")
            self.captured = captured

    def enroll(self, user: str, phone: str, ip: str) -> None:
        self._count_send()
        sent = self.service.start_enrollment(user, phone, ip=ip)
        self.service.verify(sent.transaction_id, self.code_for(phone), user_id=user)

    def login(self, user: str, phone: str, ip: str) -> None:
        self._count_send()
        sent = self.service.challenge(user, ip=ip)
        self.service.verify(sent.transaction_id, self.code_for(phone), user_id=user)

    def run_enrollments(self, users: list[tuple[str, str, str]]) -> Phase:
        start = time.perf_counter()
        for user in users:
            self.enroll(*user)
        return Phase("enroll + confirm", len(users), time.perf_counter() - start)

    def run_logins(self, flows: int) -> Phase:
        users, n, first = self.users, len(self.users), self.next_login
        self.next_login += flows
        start = time.perf_counter()
        for k in range(first, first + flows):
            self.login(*users[k % n])
        return Phase("challenge + verify", flows, time.perf_counter() - start)

    def capture_logins(self, flows: int) -> tuple[list[tuple[str, object]], int]:
        """The write statements of `flows` login flows with their parameters, and rows written."""
        db = self.service.store.db
        real = db.conn
        run = self
        self.captured = []

        class Recorder:  # sqlite3.Connection is a C type: wrap it to see statements and params
            def execute(self, sql: str, params: object = ()) -> sqlite3.Cursor:
                if run.captured is not None and sql.lstrip().upper().startswith(WRITES):
                    run.captured.append((sql, params))
                return real.execute(sql, params)

            def __getattr__(self, name: str) -> object:
                return getattr(real, name)

        changes = real.total_changes
        db.conn = Recorder()
        try:
            self.run_logins(flows)
        finally:
            db.conn = real
        statements, self.captured = self.captured, None
        resets = sum(1 for s in range(self.sends - flows + 1, self.sends + 1) if not s % 90)
        return statements, real.total_changes - changes - resets

    def snapshot(self, path: Path) -> None:
        source = sqlite3.connect(self.db)
        target = sqlite3.connect(path)
        source.backup(target)
        source.close()
        target.close()


def open_raw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def replay(path: Path, statements: list[tuple[str, object]], flows: int) -> Phase:
    """The engine's own writes, as plain sqlite3 calls, on a copy of the database."""
    conn = open_raw(path)
    start = time.perf_counter()
    for sql, params in statements:
        conn.execute(sql, params)
    elapsed = time.perf_counter() - start
    conn.close()
    return Phase("own writes, raw sqlite3", flows, elapsed)


def one_table(path: Path, flows: int, rows_per_flow: int) -> Phase:
    """As many row inserts into one plain table, one transaction per step (two per flow)."""
    conn = open_raw(path)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS rows"
        " (id INTEGER PRIMARY KEY, ts REAL, kind TEXT, subject TEXT, body TEXT)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS rows_subject ON rows(subject, id)")
    body = "x" * 200  # about what an event's or an outbox row's columns hold
    steps = [rows_per_flow - rows_per_flow // 2, rows_per_flow // 2]
    start = time.perf_counter()
    for flow in range(flows):
        subject = f"user|{flow % 1000}"
        for count in steps:
            conn.execute("BEGIN IMMEDIATE")
            for _ in range(count):
                conn.execute(
                    "INSERT INTO rows(ts, kind, subject, body) VALUES (?, ?, ?, ?)",
                    (time.time(), "write", subject, body),
                )
            conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return Phase(f"{rows_per_flow} rows, one table, raw", flows, elapsed)


def measure(args: argparse.Namespace) -> dict[str, object]:
    """Run everything; returns the phases and counts (run_all.py prints them too)."""
    db = temp_db()
    run = EngineRun(db, args.users)
    warm, rest = run.users[:50], run.users[50:]
    run.run_enrollments(warm)  # parse, compile and open everything once
    enroll = run.run_enrollments(rest)
    run.users = rest + warm

    # Capture one batch of login flows' writes, starting from a copy of the database.
    captures = [db.with_name(f"replay{r}.db") for r in range(args.rounds)]
    for path in captures:
        run.snapshot(path)
    capture_flows = min(args.flows, 500)
    statements, rows = run.capture_logins(capture_flows)
    rows_per_flow = rows / capture_flows
    commits = sum(1 for s, _ in statements if s.lstrip().upper().startswith(("COMMIT", "END")))

    engine, own, plain = [], [], []
    for r in range(args.rounds):
        if args.profile and r == 0:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.enable()
            engine.append(run.run_logins(args.flows))
            profiler.disable()
            pstats.Stats(profiler).sort_stats(args.sort).print_stats(40)
        else:
            engine.append(run.run_logins(args.flows))
        own.append(replay(captures[r], statements, capture_flows))
        plain.append(one_table(db.with_name("plain.db"), args.flows, round(rows_per_flow)))
    run.service.close()
    return {
        "enroll": enroll,
        "login": best(engine),
        "own": best(own),
        "plain": best(plain),
        "rows_per_flow": rows_per_flow,
        "commits_per_flow": commits / capture_flows,
    }


def report(result: dict) -> list[list[str]]:
    login, own, plain = result["login"], result["own"], result["plain"]
    rows = []
    for phase, ratio in (
        (result["enroll"], ""),
        (login, f"{login.per_flow_us / own.per_flow_us:.2f}"),
        (own, "1.00"),
        (plain, f"{plain.per_flow_us / own.per_flow_us:.2f}"),
    ):
        rows.append([phase.name, f"{phase.rate:,.0f}/s", f"{phase.per_flow_us:,.0f} µs", ratio])
    return rows


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=1500, help="login flows per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile the first round")
    parser.add_argument("--sort", default="cumulative", help="profile order: cumulative, tottime")
    return parser


def main() -> None:
    args = parser().parse_args()
    if args.flows * args.rounds + min(args.flows, 500) > args.users * 8:
        raise SystemExit("at most 8 logins per user: the default bucket holds 10 messages")
    result = measure(args)
    print(
        "file database (WAL, synchronous=NORMAL), Built-in provider, one thread, "
        f"best of {args.rounds} rounds; a login flow writes {result['rows_per_flow']:.1f} rows "
        f"in {result['commits_per_flow']:.1f} transactions"
    )
    print(table(report(result), ["flow", "rate", "per flow", "vs own writes"]))


if __name__ == "__main__":
    main()
