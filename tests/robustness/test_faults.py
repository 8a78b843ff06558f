"""Faults around a send: the provider slow, failing, rate-limiting or unreachable; the Custom
action hanging or raising; the disk full or the database read-only at a write.

Each gives the caller a clear error in the documented shape, leaves nothing half-written, and the
process goes on serving."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from phonemfa.errors import PhoneMfaError, StorageError
from phonemfa.service import PhoneMfa
from phonemfa.store import messages_repo
from tests import twilio_support
from tests.conftest import LiveServer, free_port, wait_for_port
from tests.robustness.support import Phones, custom_tenant, enroll, integrity

TO = "+14155552345"
MANAGEMENT_SHAPE = {"statusCode", "error", "message", "errorCode"}
OAUTH_SHAPE = {"error", "error_description"}


# -- Twilio, through the engine -------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch):
    twilio_support.isolate_env(monkeypatch)
    with twilio_support.new_fake() as server:
        yield server


@pytest.fixture
def on_twilio(service, fake, monkeypatch):
    twilio_support.configure(service, fake, monkeypatch)
    service.update_settings({"enabled": True, "provider": "twilio"}, actor="t")
    # Twilio's 5 s timeout and 0.5 s backoff, shortened so the faults take milliseconds.
    monkeypatch.setattr(
        service,
        "twilio_provider",
        functools.partial(service.twilio_provider, timeout=0.3, backoff=0.01),
    )
    sent = service.start_enrollment("auth0|tw", TO)
    service.verify(sent.transaction_id, fake.messages[-1]["body"].split()[0])
    return service


FAULTS = {
    "timeout": (lambda f: f.hang(2, times=1, process_first=True), "timeout", 1),
    "500": (lambda f: f.fail_next(500, times=2), "20500", 2),
    "503": (lambda f: f.fail_next(503, times=2), "20503", 2),
    "429": (lambda f: f.fail_next(429, times=2), "20429", 2),
    "refused": (lambda f: setattr(f, "down", True), "unreachable", 0),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_twilio_fault_is_a_failed_send_and_the_next_one_works(on_twilio, fake, fault):
    inject, error_code, requests = FAULTS[fault]
    before = len(fake.requests)
    inject(fake)
    with pytest.raises(PhoneMfaError) as caught:
        on_twilio.challenge("auth0|tw")
    error = caught.value
    assert (error.code, error.status) == ("error_sending_sms", 502)
    assert error.details["key"] == "send-sms-failed"
    assert len(fake.requests) - before == requests  # a retry at most, and only when safe
    row = messages_repo.recent(on_twilio.store)[0]
    assert (row.state, row.error_code) == ("failed", error_code)
    failure = on_twilio.store.query(
        "SELECT details FROM events WHERE type = 'gd_send_sms_failure' ORDER BY id DESC LIMIT 1"
    )[0]
    assert f'"errorCode":"{error_code}"' in failure["details"]
    # The code of a failed send can never be used, even if Twilio delivered it (timeout case).
    txn = on_twilio.store.query_one(
        "SELECT id, state FROM transactions WHERE message_id = ?", (row.id,)
    )
    assert txn["state"] == "failed"
    if fault == "timeout":
        with pytest.raises(PhoneMfaError) as late:
            on_twilio.verify(txn["id"], fake.messages[-1]["body"].split()[0])
        assert late.value.details["reason"] == "failed"
    fake.down = False
    fake.hang(0)
    sent = on_twilio.challenge("auth0|tw")
    assert on_twilio.verify(sent.transaction_id, fake.messages[-1]["body"].split()[0])


def test_twilio_failing_behind_a_real_server(tmp_path, fake):
    """Over HTTP: a 502 in the OAuth shape naming the provider's failure; the server goes on."""
    db = tmp_path / "tw.db"
    service = PhoneMfa.open(db, demo=False)
    twilio_support.configure(service, fake)
    service.update_settings({"enabled": True, "provider": "twilio"}, actor="t")
    backend = service.create_token(["create:mfa_tokens"])
    service.close()
    server = LiveServer(db, env={"PHONEMFA_TWILIO_BASE_URL": fake.base_url}).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:

            def associate(user: str) -> httpx.Response:
                token = client.post(
                    "/mfa/token",
                    json={"user_id": user},
                    headers={"Authorization": f"Bearer {backend}"},
                ).json()["mfa_token"]
                return client.post(
                    "/mfa/associate",
                    json={
                        "authenticator_types": ["oob"],
                        "oob_channels": ["sms"],
                        "phone_number": TO,
                    },
                    headers={"Authorization": f"Bearer {token}"},
                )

            fake.down = True
            refused = associate("auth0|a")
            fake.down = False
            fake.fail_next(503, times=2)
            unavailable = associate("auth0|b")
            for response, words in (
                (refused, "connection refused"),
                (unavailable, "Service Unavailable"),
            ):
                assert response.status_code == 502, response.text
                body = response.json()
                assert set(body) == OAUTH_SHAPE and body["error"] == "error_sending_sms"
                assert words in body["error_description"]
            assert associate("auth0|c").status_code == 200  # Twilio is back: so is sending
    finally:
        server.stop()
    assert server.proc.returncode is not None


# -- the Custom action, over HTTP -----------------------------------------------------------------


HANGING = "def on_execute_send_phone_message(event, api):\n    import time\n    time.sleep(60)\n"
RAISING = (
    "def on_execute_send_phone_message(event, api):\n    raise ValueError('gateway 42 said no')\n"
)


def test_hanging_and_raising_actions_behind_a_real_server(tmp_path):
    db, phones = tmp_path / "act.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones, custom_action_timeout=1)
    enroll(service, phones, "auth0|ok", "+33640000001")
    backend = service.create_token(["create:mfa_tokens"])
    good = Path(service.setting("custom_action"))
    bad = tmp_path / "bad_action.py"
    service.close()
    server = LiveServer(db).start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=30) as client:

            def challenge() -> httpx.Response:
                token = client.post(
                    "/mfa/token",
                    json={"user_id": "auth0|ok"},
                    headers={"Authorization": f"Bearer {backend}"},
                ).json()["mfa_token"]
                return client.post("/mfa/challenge", data={"mfa_token": token})

            management = server.cli("token", "create", "--scope", "read:guardian_factors")
            for source, words in ((HANGING, "within 1 seconds"), (RAISING, "gateway 42 said no")):
                bad.write_text(source)
                assert server.cli("settings", "set", "custom_action", str(bad)).returncode == 0
                started = time.monotonic()
                failed = challenge()
                assert failed.status_code == 502, failed.text
                assert set(failed.json()) == OAUTH_SHAPE and words in failed.text
                assert time.monotonic() - started < 20  # bounded by custom_action_timeout
                listed = client.get(
                    "/api/v2/guardian/factors",
                    headers={"Authorization": f"Bearer {management.stdout.strip()}"},
                )
                assert listed.status_code == 200  # the server serves while the action hangs
            assert server.cli("settings", "set", "custom_action", str(good)).returncode == 0
            assert challenge().status_code == 200
    finally:
        server.stop()


# -- disk full, read-only database ---------------------------------------------------------------


def limit_connections(store, **pragmas: object) -> None:
    """Apply PRAGMAs to the store's open connections and to every later one (worker threads)."""
    original = store._connect

    def connect():
        conn = original()
        for name, value in pragmas.items():
            conn.execute(f"PRAGMA {name} = {value}")
        return conn

    store._connect = connect
    for conn in list(store._by_thread.values()):
        for name, value in pragmas.items():
            conn.execute(f"PRAGMA {name} = {value}")


@pytest.mark.parametrize("fault", ["disk_full", "read_only"])
def test_a_write_that_cannot_be_stored_is_a_storage_error(tmp_path, fault):
    db, phones = tmp_path / "full.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    enroll(service, phones, "auth0|full", "+33640000002")
    sent = service.challenge("auth0|full")
    counts = {t: service.store.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in TABLES}
    conn = service.store.db.conn
    if fault == "disk_full":
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        limit_connections(service.store, max_page_count=pages)
    else:
        limit_connections(service.store, query_only="ON")

    attempts = [
        lambda: service.challenge("auth0|full"),
        lambda: service.start_enrollment("auth0|new", "+33640000003"),
        lambda: service.update_settings({"otp_length": 8}, actor="t"),
        lambda: service.create_token(["read:logs"]),
    ]
    if fault == "read_only":  # a full disk may still let updates in place through
        attempts.append(lambda: service.verify(sent.transaction_id, "000000"))
    for attempt in attempts * 3:  # enough writes to need a new page
        try:
            attempt()
        except StorageError as exc:
            assert (exc.status, exc.code) == (503, "storage_error")
            assert "be written" in exc.message
    with pytest.raises(StorageError):
        for _ in range(400):  # each logs an event: a new page is needed soon
            service.reset_user_limits("auth0|full", actor="t")
            service.challenge("auth0|full")
    assert not conn.in_transaction
    now = {t: service.store.query(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"] for t in TABLES}
    pending = [r.id for r in messages_repo.recent(service.store) if r.state == "pending"]
    if fault == "read_only":
        assert now == counts and pending == []  # not one row of the refused attempts
    # The process goes on: reads work now, writes once there is room again.
    assert service.settings_values()["enabled"] is True
    limit_connections(service.store, max_page_count=1_000_000_000, query_only="OFF")
    # A send the provider took but whose outcome could not be stored stays pending (it may
    # have been delivered): recovery marks it interrupted, once, and never sends it again.
    assert service.recover_interrupted_sends(older_than=0) == len(pending)
    assert {r.state for r in messages_repo.recent(service.store, 1000)} <= {
        "sent",
        "failed",
        "interrupted",
    }
    again = service.challenge("auth0|full")
    service.verify(again.transaction_id, phones.code("+33640000002"), user_id="auth0|full")
    service.close()
    assert integrity(db) == "ok"


TABLES = ("messages", "transactions", "enrollments", "settings", "api_tokens")


@pytest.mark.parametrize(
    ("env", "fault"),
    [({"ROBUST_QUERY_ONLY": "1"}, "read-only"), ({"ROBUST_MAX_PAGES": "{pages}"}, "disk full")],
)
def test_a_real_server_answers_503_and_keeps_serving(tmp_path, env, fault):
    db, phones = tmp_path / "srv.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    enroll(service, phones, "auth0|s", "+33640000004")
    backend = service.create_token(["create:mfa_tokens"])
    admin = service.create_token(["read:guardian_factors", "update:guardian_factors"])
    service.close()
    conn = sqlite3.connect(db)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("_limited_server.py")),
            "--db",
            str(db),
            "--no-demo",
            "api",
            "--port",
            str(port),
        ],
        env={**os.environ, **{k: v.format(pages=pages) for k, v in env.items()}},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc)
        statuses = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            auth = {"Authorization": f"Bearer {admin}"}
            for n in range(300):
                put = client.put(
                    "/api/v2/guardian/factors/phone/message-types",
                    json={"message_types": ["sms", "voice"] if n % 2 else ["sms"]},
                    headers=auth,
                )
                token = client.post(
                    "/mfa/token",
                    json={"user_id": "auth0|s"},
                    headers={"Authorization": f"Bearer {backend}"},
                ).json()["mfa_token"]
                challenge = client.post("/mfa/challenge", data={"mfa_token": token})
                for response, shape in ((put, MANAGEMENT_SHAPE), (challenge, OAUTH_SHAPE)):
                    statuses.append(response.status_code)
                    assert response.status_code in (200, 429, 503), response.text
                    if response.status_code == 503:
                        body = response.json()
                        assert set(body) == shape and "be written" in response.text
                        assert body.get("errorCode", body.get("error")) == "storage_error"
                if put.status_code == 503 and challenge.status_code == 503:
                    break
            assert 503 in statuses, f"{fault}: every write went through"
            listed = client.get("/api/v2/guardian/factors", headers=auth)
            assert listed.status_code == 200  # reads go on
        assert proc.poll() is None  # the process survived
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    # No request failed unexpectedly (the API logs those as "unexpected error on ..."); the
    # background loop may log its own failed ticks while the database cannot be written.
    assert b"unexpected error" not in err, err.decode()
    assert integrity(db) == "ok"


SLOW = """
import time

def on_execute_send_phone_message(event, api):
    with open({log!r}, "a") as log:
        log.write("slow " + event["message_options"]["code"] + "\\n")
    time.sleep(1.5)
"""


@pytest.mark.parametrize(("threads", "first_done"), [(1, "challenge"), (None, "read")])
def test_api_threads_bound_the_requests_served_at_once(tmp_path, threads, first_done):
    """`phonemfa api --threads 1`: a read waits for the slow send holding the only worker."""
    import threading

    db, phones = tmp_path / "threads.db", Phones(tmp_path / "phones")
    service = custom_tenant(db, phones)
    enroll(service, phones, "auth0|t", "+33640000009")
    backend = service.create_token(["create:mfa_tokens", "read:guardian_factors"])
    slow = tmp_path / "slow.py"
    slow.write_text(SLOW.format(log=str(phones.root / "calls.log")))
    service.update_settings({"custom_action": str(slow)}, actor="t")
    service.close()
    port = free_port()
    argv = [sys.executable, "-m", "phonemfa", "--db", str(db), "--no-demo", "api"]
    argv += ["--port", str(port)] + (["--threads", str(threads)] if threads else [])
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    done: list[str] = []
    try:
        wait_for_port(port, proc)
        base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {backend}"}
        token = httpx.post(f"{base}/mfa/token", json={"user_id": "auth0|t"}, headers=auth)
        calls = {
            "challenge": lambda: httpx.post(
                f"{base}/mfa/challenge", data={"mfa_token": token.json()["mfa_token"]}, timeout=30
            ),
            "read": lambda: httpx.get(f"{base}/api/v2/guardian/factors", headers=auth, timeout=30),
        }

        def run(name: str) -> None:
            assert calls[name]().status_code == 200
            done.append(name)

        sender = threading.Thread(target=run, args=("challenge",))
        sender.start()
        wait_for_calls = time.monotonic() + 20
        while not phones.calls()[1:] and time.monotonic() < wait_for_calls:
            time.sleep(0.02)  # the action is running: the send holds a worker thread
        run("read")
        sender.join(30)
    finally:
        proc.terminate()
        proc.wait(10)
    assert done[0] == first_done
