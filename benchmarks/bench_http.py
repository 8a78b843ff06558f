"""HTTP throughput and latency of a real `phonemfa api` process, as ratios to a bare endpoint.

    python benchmarks/bench_http.py [--clients 16] [--seconds 4] [--rounds 2]

Scenarios, each with `--clients` keep-alive clients on loopback for `--seconds`, in `--rounds`
interleaved rounds (the best round of each is kept: the machine is shared):
- bare uvicorn PUT /hello: a FastAPI route answering a constant, same uvicorn settings (the floor).
- PUT message-types: the Management API call of the seed (token check, validation, settings
  write and its gd_tenant_update event).
- MFA login: POST /mfa/token (backend token) -> POST /mfa/challenge -> the code read from the
  phone -> POST /oauth/token (mfa-oob grant). Users were enrolled beforehand.
- MFA enrollment: POST /mfa/token -> POST /mfa/associate -> the code -> POST /oauth/token, a new
  user every time.

Delivery: the Custom provider with benchmarks/_code_action.py, which writes the code to a file
per number (the "phone") inside the server process. The Built-in provider would stop after 100
messages (its lifetime cap); Twilio would put the network in the figure. Limits stay at their
defaults: the flows are spread over many users (at most 8 logins each, each user from its own IP),
so no flow is refused by a bucket.

"vs bare" compares HTTP requests per second; a flow is three requests plus reading the phone.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from _harness import (
    ROOT,
    Client,
    LoadResult,
    bare_server,
    json_body,
    load,
    load_flows,
    phonemfa_server,
    table,
    temp_db,
)

sys.path.insert(0, str(ROOT / "src"))

from phonemfa.service import PhoneMfa  # noqa: E402

GRANT_OOB = "http://auth0.com/oauth/grant-type/mfa-oob"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
LOGINS_PER_USER = 8  # the default bucket holds 10 messages; one went to the enrollment


def read_code(phones: Path, number: str) -> str:
    return (phones / number).read_text()


class MfaScenario:
    """The tenant, its tokens and users for the MFA API flows."""

    def __init__(self, db: Path, phones: Path, clients: int, seconds: float) -> None:
        self.db, self.phones = db, phones
        self.clients = clients
        self.enrolled = [itertools.count() for _ in range(clients)]
        self.logins = [itertools.count() for _ in range(clients)]
        # Enough users that no client gives one user more than 8 logins in `seconds`, up to
        # 400 logins/s in all (several times what one server process does).
        self.pool = max(20, math.ceil(seconds * 400 / clients / LOGINS_PER_USER))
        service = PhoneMfa.open(db, demo=False)
        try:
            service.update_settings(
                {
                    "enabled": True,
                    "message_types": ["sms"],
                    "provider": "phone-message-hook",
                    "custom_action": str(ROOT / "benchmarks" / "_code_action.py"),
                },
                actor="bench",
            )
            self.management = service.create_token(["update:guardian_factors"], ttl=7200)
            self.backend = service.create_token(["create:mfa_tokens"], ttl=7200)
            self.login_users = [
                [
                    (f"login|{c}|{j}", f"+3361{c:02d}{j:05d}", f"10.1.{c}.{j}")
                    for j in range(self.pool)
                ]
                for c in range(clients)
            ]
            for users in self.login_users:
                for user, phone, ip in users:
                    sent = service.start_enrollment(user, phone, ip=ip)
                    service.verify(sent.transaction_id, read_code(phones, phone), user_id=user)
        finally:
            service.close()

    def backend_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.backend}", "Content-Type": "application/json"}

    def mfa_token(self, client: Client, user: str, ip: str) -> str:
        body = json_body({"user_id": user, "ip": ip})
        return client.json("POST", "/mfa/token", body, self.backend_headers())["mfa_token"]

    def finish(self, client: Client, token: str, oob_code: str, phone: str) -> None:
        body = urlencode(
            {
                "grant_type": GRANT_OOB,
                "mfa_token": token,
                "oob_code": oob_code,
                "binding_code": read_code(self.phones, phone),
            }
        ).encode()
        client.json("POST", "/oauth/token", body, FORM)["access_token"]

    def login(self, client: Client, index: int, iteration: int) -> None:
        n = next(self.logins[index])
        user, phone, ip = self.login_users[index][n % self.pool]
        if n >= self.pool * LOGINS_PER_USER:
            raise RuntimeError("more logins than the users' buckets allow: raise the pool")
        try:
            token = self.mfa_token(client, user, ip)
            body = urlencode({"mfa_token": token, "challenge_type": "oob"}).encode()
            oob = client.json("POST", "/mfa/challenge", body, FORM)["oob_code"]
            self.finish(client, token, oob, phone)
        except KeyError:
            pass  # the refusal was counted as an error by the client

    def enroll(self, client: Client, index: int, iteration: int) -> None:
        n = next(self.enrolled[index])  # a new user every time, across rounds too
        user, phone = f"new|{index}|{n}", f"+3362{index:02d}{n:05d}"
        ip = f"10.{2 + (n >> 8) % 200}.{index}.{n & 255}"  # one IP may start 50 a minute
        try:
            token = self.mfa_token(client, user, ip)
            body = json_body(
                {"authenticator_types": ["oob"], "oob_channels": ["sms"], "phone_number": phone}
            )
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            oob = client.json("POST", "/mfa/associate", body, headers)["oob_code"]
            self.finish(client, token, oob, phone)
        except KeyError:
            pass


def measure(args: argparse.Namespace) -> tuple[list[LoadResult], LoadResult]:
    """Every scenario, `--rounds` times interleaved (the best round of each is kept: the machine
    is shared); returns the results and the bare run they are compared with."""
    db = temp_db()
    phones = db.parent / "phones"
    phones.mkdir()
    os.environ["PHONEMFA_BENCH_CODES"] = str(phones)
    scenario = MfaScenario(db, phones, args.clients, args.seconds * args.rounds)
    bodies = [json_body({"message_types": t}) for t in (["sms"], ["sms", "voice"])]
    auth = {"Authorization": f"Bearer {scenario.management}", "Content-Type": "application/json"}
    put = "/api/v2/guardian/factors/phone/message-types"
    runs: dict[str, list[LoadResult]] = {}
    with (
        bare_server() as bare,
        phonemfa_server(
            db,
            {"PHONEMFA_BENCH_CODES": str(phones)},
            ["--threads", str(args.threads)] if args.threads else None,
        ) as server,
    ):
        for _ in range(args.rounds):
            for name, port, steps in (
                ("bare uvicorn PUT /hello", bare.port, lambda i, n: "/hello"),
                ("PUT message-types", server.port, lambda i, n: put),
            ):
                result = load(
                    name,
                    port,
                    lambda i, n, steps=steps: [("PUT", steps(i, n), bodies[n % 2], auth)],
                    clients=args.clients,
                    seconds=args.seconds,
                )
                runs.setdefault(name, []).append(result)
            for name, flow in (("MFA login", scenario.login), ("MFA enrollment", scenario.enroll)):
                result = load_flows(
                    name, server.port, flow, clients=args.clients, seconds=args.seconds
                )
                runs.setdefault(name, []).append(result)
    results = [max(rounds, key=lambda r: r.http_rate) for rounds in runs.values()]
    return results, results[0]


def report(results: list[LoadResult], floor: LoadResult) -> list[list[str]]:
    rows = []
    for r in results:
        flows = r.http_requests != r.requests
        rows.append(
            [
                r.name,
                f"{r.rate:,.0f}/s" if flows else "",
                f"{r.http_rate:,.0f}/s",
                f"{r.request_pct(0.5):.1f} ms",
                f"{r.request_pct(0.99):.1f} ms",
                f"{r.pct(0.5):.1f} / {r.pct(0.99):.1f} ms" if flows else "",
                f"{r.http_rate / floor.http_rate:.2f}",
                str(r.errors),
            ]
        )
    return rows


HEADER = ["scenario", "flows", "requests", "p50", "p99", "flow p50 / p99", "vs bare", "errors"]


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=4.0, help="per scenario and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, help="phonemfa api --threads (default: 40)")
    return parser


def main() -> None:
    args = parser().parse_args()
    started = time.perf_counter()
    results, floor = measure(args)
    print(
        f"{args.clients} clients, loopback, one server process ({args.threads or 40} threads); "
        f"best of {args.rounds} rounds of "
        f"{args.seconds:g} s; p50/p99 per request ({time.perf_counter() - started:.0f} s in all)"
    )
    print(table(report(results, floor), HEADER))


if __name__ == "__main__":
    main()
