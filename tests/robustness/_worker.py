"""One process of the concurrency test: threads enrolling, challenging and verifying overlapping
users, through the service or over HTTP. Prints what every call answered, as JSON.

    python _worker.py service|http DB BASE_URL BACKEND_TOKEN PHONES SEED THREADS OPS
"""

from __future__ import annotations

import json
import random
import sys
import threading
import traceback
from pathlib import Path

import httpx

from phonemfa.errors import PhoneMfaError
from phonemfa.service import PhoneMfa

GRANT = "http://auth0.com/oauth/grant-type/mfa-oob"
ENROLLED = [(f"c|{i}", f"+33610000{i:03d}") for i in range(8)]  # confirmed before the run
NEW = [(f"n|{i}", f"+33620000{i:03d}") for i in range(4)]  # enrolled by the run, racing


def oauth_outcome(response: httpx.Response) -> str:
    """The service error code an HTTP answer stands for (the OAuth shape is coarser)."""
    if response.status_code == 200:
        return "ok"
    body = response.json()
    error, text = body["error"], body.get("error_description", "")
    if response.status_code == 429 and error == "invalid_request":
        return "too_many_sms"
    if error == "too_many_attempts":
        return "too_many_failures"
    if error == "access_denied":
        return "already_enrolled"
    if error in ("invalid_grant", "expired_token"):
        return "invalid_grant"
    return f"{response.status_code}:{error}:{text}"


class Worker:
    def __init__(self, mode: str, db: str, base_url: str, backend: str, phones: str) -> None:
        self.mode, self.phones = mode, Path(phones)
        self.service = PhoneMfa.open(db, demo=False) if mode == "service" else None
        self.base_url, self.backend = base_url, backend
        self.lock = threading.Lock()
        self.outcomes: list[list[str]] = []
        self.unexpected: list[str] = []

    def code(self, number: str) -> str:
        path = self.phones / number
        return path.read_text() if path.exists() else "000000"

    def record(self, op: str, user: str, outcome: str) -> None:
        with self.lock:
            self.outcomes.append([op, user, outcome])

    # -- through the service -----------------------------------------------------------------
    def service_op(self, op: str, user: str, number: str, last: dict) -> None:
        try:
            if op == "challenge":
                last[user] = self.service.challenge(user).transaction_id
            elif op == "enroll":
                last[user] = self.service.start_enrollment(user, number).transaction_id
            else:
                self.service.verify(last[user], self.code(number), user_id=user)
            outcome = "ok"
        except PhoneMfaError as exc:
            outcome = exc.code
            if exc.code in ("invalid_otp", "transaction_expired", "transaction_not_found"):
                outcome = "invalid_grant"
        self.record(op, user, outcome)

    # -- over HTTP -----------------------------------------------------------------------------
    def http_op(self, client: httpx.Client, op: str, user: str, number: str, last: dict) -> None:
        token = client.post(
            "/mfa/token",
            json={"user_id": user},
            headers={"Authorization": f"Bearer {self.backend}"},
        ).json()["mfa_token"]
        if op == "challenge":
            response = client.post("/mfa/challenge", data={"mfa_token": token})
        elif op == "enroll":
            response = client.post(
                "/mfa/associate",
                json={
                    "authenticator_types": ["oob"],
                    "oob_channels": ["sms"],
                    "phone_number": number,
                },
                headers={"Authorization": f"Bearer {token}"},
            )
        else:
            response = client.post(
                "/oauth/token",
                data={
                    "grant_type": GRANT,
                    "mfa_token": token,
                    "oob_code": last[user],
                    "binding_code": self.code(number),
                },
            )
        outcome = oauth_outcome(response)
        if outcome == "ok" and op != "verify":
            last[user] = response.json()["oob_code"]
        self.record(op, user, outcome)

    def thread(self, seed: int, ops: int) -> None:
        rng = random.Random(seed)
        last: dict[str, str] = {}
        client = httpx.Client(base_url=self.base_url, timeout=60) if self.mode == "http" else None
        try:
            for _ in range(ops):
                kind = rng.choice(["challenge", "challenge", "enroll", "verify"])
                user, number = rng.choice(NEW if kind == "enroll" else ENROLLED + NEW)
                if kind == "verify" and user not in last:
                    kind = "challenge" if (user, number) in ENROLLED else "enroll"
                if kind == "challenge" and (user, number) in NEW:
                    kind = "enroll"
                try:
                    if client is not None:
                        self.http_op(client, kind, user, number, last)
                    else:
                        self.service_op(kind, user, number, last)
                except Exception:  # anything else is a failure of the test's subject
                    with self.lock:
                        self.unexpected.append(traceback.format_exc())
        finally:
            if client is not None:
                client.close()


def main() -> None:
    mode, db, base_url, backend, phones, seed, threads, ops = sys.argv[1:9]
    worker = Worker(mode, db, base_url, backend, phones)
    pool = [
        threading.Thread(target=worker.thread, args=(int(seed) * 100 + i, int(ops)))
        for i in range(int(threads))
    ]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(json.dumps({"outcomes": worker.outcomes, "unexpected": worker.unexpected}))


if __name__ == "__main__":
    main()
