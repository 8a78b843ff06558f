"""HTTP throughput and latency of a real `phonemfa api` process, as ratios to a bare endpoint.

    python benchmarks/bench_http.py [--clients 16] [--seconds 5]

Both servers run the same uvicorn settings on loopback in this run; the load generator is the same.
The ratio, not the absolute rate, is the figure to compare across (noisy, shared) machines.
"""

from __future__ import annotations

import argparse

from _harness import bare_server, cli, json_body, load, phonemfa_server, table, temp_db


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    db = temp_db()
    token = cli(db, "token", "create", "--scope", "update:guardian_factors", "--ttl", "3600")
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json_body({"message_types": t}) for t in (["sms"], ["sms", "voice"])]
    results = []
    with bare_server() as bare:
        results.append(
            load(
                "bare uvicorn PUT /hello",
                bare.port,
                lambda i, n: [("PUT", "/hello", bodies[n % 2], auth)],
                clients=args.clients,
                seconds=args.seconds,
            )
        )
    with phonemfa_server(db) as server:
        results.append(
            load(
                "PUT message-types",
                server.port,
                lambda i, n: [
                    ("PUT", "/api/v2/guardian/factors/phone/message-types", bodies[n % 2], auth)
                ],
                clients=args.clients,
                seconds=args.seconds,
            )
        )
    base = results[0].rate
    rows = [
        [
            r.name,
            f"{r.rate:,.0f}/s",
            f"{r.pct(0.5):.1f} ms",
            f"{r.pct(0.99):.1f} ms",
            f"{r.rate / base:.2f}",
            str(r.errors),
        ]
        for r in results
    ]
    print(f"{args.clients} clients, {args.seconds:.0f} s each, loopback")
    print(table(rows, ["scenario", "rate", "p50", "p99", "vs bare", "errors"]))


if __name__ == "__main__":
    main()
