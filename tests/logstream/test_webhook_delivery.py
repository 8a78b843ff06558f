"""A webhook sink against a real loopback HTTP server: every event, in order, across outages."""

import json
import sqlite3
import threading

import pytest

from phonemfa.core.events import log_id_for
from phonemfa.testing.traffic import record_ip_block, record_phone_limit, record_send
from phonemfa.testing.webhook_server import FakeWebhook
from tests.logstream.conftest import fast_loop

AUTH = "Bearer siem-token-0123456789"


def write_sends(service, count, start=0):
    ids = []
    for i in range(start, start + count):
        ids.append(
            record_send(
                service,
                user_id=f"auth0|user{i % 7}",
                phone=f"+1415555{i:04d}",
                region="US",
                ok=i % 5 != 4,
                error_code="30007" if i % 5 == 4 else None,
                error_message="Message filtered by the carrier." if i % 5 == 4 else None,
            )
        )
    return [log_id_for(i) for i in ids]


@pytest.mark.parametrize("content_format", ["JSONLINES", "JSONARRAY", "JSONOBJECT"])
def test_every_event_arrives_in_order_across_an_outage(service, hook, content_format):
    stream = service.create_stream(
        name="siem",
        endpoint=hook.url,
        authorization=AUTH,
        content_format=content_format,
        content_type="application/json; charset=utf-8",
    )
    loop = fast_loop(service, batch_size=7)
    expected = write_sends(service, 10)
    assert loop.tick().delivered == {stream.id: 10}
    assert hook.log_ids() == expected

    hook.stop()  # the SIEM goes down: connection refused
    expected += write_sends(service, 15, start=10)
    report = loop.tick()
    assert stream.id in report.failed and "cannot reach" in report.failed[stream.id]
    failing = service.get_stream(stream.id)
    assert failing.health == "failing" and failing.failures == 1
    assert "after 3 attempts" in failing.last_error
    loop.tick()
    assert service.get_stream(stream.id).failures == 2

    hook.start()  # back on the same port
    hook.fail_next(2)  # and still shaky: two 503s, absorbed by the retries
    loop.tick()
    assert hook.log_ids() == expected  # nothing lost, nothing twice, in order
    healthy = service.get_stream(stream.id)
    assert healthy.health == "ok" and healthy.delivered == 25
    assert service.stream_lag(healthy) == 0

    for request in hook.accepted:
        assert request.headers["authorization"] == AUTH
        assert request.content_type == "application/json; charset=utf-8"
        body = request.body.decode()
        if content_format == "JSONOBJECT":
            assert isinstance(json.loads(body), dict)
        elif content_format == "JSONARRAY":
            assert isinstance(json.loads(body), list)
        else:
            assert all(isinstance(json.loads(line), dict) for line in body.splitlines())
    if content_format == "JSONOBJECT":
        assert len(hook.accepted) == 25
    else:
        assert len(hook.accepted) < 25  # batches
    record = hook.records[-1]
    assert set(record) == {"log_id", "data"}
    assert record["data"]["log_id"] == record["log_id"]
    assert record["data"]["details"]["phone_number"].startswith("+1\u2022")


def test_a_lost_answer_means_a_resend_never_a_gap(service, hook):
    """The server takes the batch but the answer never comes back in time: at least once."""
    service.create_stream(name="siem", endpoint=hook.url, content_format="JSONARRAY")
    loop = fast_loop(service, timeout=0.3, attempts=3)
    expected = write_sends(service, 4)
    hook.hold()
    releaser = threading.Thread(target=lambda: (hook.waiting.wait(5), _sleep(0.6), hook.release()))
    releaser.start()
    loop.tick()
    releaser.join()
    received = hook.log_ids()
    assert list(dict.fromkeys(received)) == expected
    assert len(received) > len(expected)  # the batch arrived more than once
    assert received[: len(expected)] == expected


def _sleep(seconds):
    import time

    time.sleep(seconds)


def test_type_filters_per_sink(service, hook):
    service.create_stream(
        name="fraud",
        endpoint=hook.url,
        filters=[{"type": "category", "name": "failed"}, {"type": "type", "name": "limit_mu"}],
    )
    loop = fast_loop(service)
    write_sends(service, 10)  # 2 of them fail
    record_phone_limit(service, user_id="auth0|user1")
    record_ip_block(service, ip="198.51.100.9")
    loop.tick()
    types = [r["data"]["type"] for r in hook.records]
    assert types == ["gd_send_sms_failure", "gd_send_sms_failure", "limit_mu"]
    assert service.stream_lag(service.get_stream("fraud")) == 0  # filtered ones passed too


def test_paused_stream_keeps_its_place(service, hook):
    service.create_stream(name="siem", endpoint=hook.url)
    loop = fast_loop(service)
    write_sends(service, 3)
    service.pause_stream("siem")
    loop.tick()
    assert hook.records == []
    service.resume_stream("siem")
    loop.tick()
    assert len(hook.records) == 3


def test_repeated_failure_suspends_and_resume_recovers(service, hook, clock):
    service.create_stream(name="siem", endpoint=hook.url)
    loop = fast_loop(service, suspend_after=3, failure_backoff=(60.0, 600.0))
    expected = write_sends(service, 2)
    hook.stop()
    loop.tick()
    stream = service.get_stream("siem")
    assert stream.health == "failing" and stream.retry_at == clock.now() + 60
    loop.tick()  # waits for its retry time: no attempt
    assert service.get_stream("siem").failures == 1
    for _ in range(2):
        clock.advance(601)
        loop.tick()
    suspended = service.get_stream("siem")
    assert suspended.status == "suspended" and suspended.health == "suspended"
    assert suspended.to_api()["status"] == "suspended"
    hook.start()
    clock.advance(601)
    loop.tick()
    assert hook.records == []  # suspended streams wait for an operator
    service.resume_stream("siem")
    loop.tick()
    assert hook.log_ids() == expected


def test_delivery_resumes_from_the_persisted_cursor_after_a_restart(service, hook, db_path, clock):
    from phonemfa.service import PhoneMfa

    service.create_stream(name="siem", endpoint=hook.url)
    expected = write_sends(service, 3)
    first = fast_loop(service)
    first.tick()
    first.stop()  # the process ends: its leases go with it
    expected += write_sends(service, 2, start=3)
    restarted = PhoneMfa.open(db_path, clock=clock, demo=False)
    try:
        fast_loop(restarted).tick()
    finally:
        restarted.close()
    assert hook.log_ids() == expected


def test_a_slow_sink_never_holds_the_database(service, hook, db_path):
    """While the loop waits on a hung SIEM, sends keep committing without waiting for a lock."""
    service.create_stream(name="siem", endpoint=hook.url)
    write_sends(service, 1)
    hook.hold()
    loop = fast_loop(service, timeout=10.0).start()
    try:
        assert hook.waiting.wait(10)
        conn = sqlite3.connect(db_path, timeout=0)  # no waiting: a held lock fails at once
        for _ in range(20):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(
                "INSERT INTO events(ts, date, type, description) VALUES (0, '', 'gd_send_sms', '')"
            )
            conn.execute("COMMIT")
        conn.close()
    finally:
        hook.release()
        loop.stop()
    assert service.last_event_id() == 21


def test_only_one_process_delivers_a_sink(service, hook, clock):
    service.create_stream(name="siem", endpoint=hook.url)
    first = fast_loop(service, holder="console", lease_ttl=30)
    second = fast_loop(service, holder="api", lease_ttl=30)
    write_sends(service, 2)
    assert first.tick().delivered
    write_sends(service, 2, start=2)
    report = second.tick()
    assert report.delivered == {} and len(report.skipped) == 1
    assert service.lease_holder(f"sink:{service.get_stream('siem').id}") == "console"
    clock.advance(31)  # the console died without releasing: its lease runs out
    assert second.tick().delivered
    assert len(hook.records) == 4
    second.stop()  # a clean stop hands the sink over at once
    write_sends(service, 1, start=4)
    assert first.tick().delivered
    assert len(hook.records) == 5


def test_unreachable_alert_webhook_does_not_stop_streams(service, hook):
    other = FakeWebhook().start()
    other_url = other.url
    other.stop()
    service.update_alert_rule("alr_ip_blocked", webhook_url=other_url)
    service.create_stream(name="siem", endpoint=hook.url)
    loop = fast_loop(service, alerts=True)
    record_ip_block(service, ip="198.51.100.9")
    report = loop.tick()
    assert [f.rule_id for f in report.fired] == ["alr_ip_blocked"]
    assert len(hook.records) == 1  # the limit_mu event itself
    loop.tick()
    assert [r["data"]["type"] for r in hook.records] == ["limit_mu", "alert"]
    firing = service.recent_alerts()[0]
    assert firing.notify_state == "failed" and "cannot reach" in firing.notify_error
