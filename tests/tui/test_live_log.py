"""The live log in a real Textual run: events from other threads and processes, filters, pause,
the JSON of an event, streams and alerts managed from the panels."""

import json
import subprocess
import sys
import threading

from textual.widgets import Input, Select, TabbedContent

from phonemfa.testing.traffic import busy_tenant, record_ip_block, record_send
from phonemfa.tui.screens.dialogs import ChoiceDialog
from phonemfa.tui.screens.event_detail import EventDetailScreen
from phonemfa.tui.screens.live_log import LiveLogScreen
from phonemfa.tui.screens.stream_form import StreamFormScreen
from phonemfa.tui.widgets.alert_banner import AlertBanner
from phonemfa.tui.widgets.event_log import EventLog
from tests.tui.conftest import SIZE


async def open_log(app, pilot):
    await pilot.press("f5")
    await settle(app, pilot)
    assert isinstance(app.screen, LiveLogScreen)
    return app.screen.query_one(EventLog)


async def settle(app, pilot):
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def wait_until(app, pilot, condition, tries=200):
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    raise AssertionError(
        f"the screen never showed it; on {app.screen!r}: {[str(n.message) for n in app._notifications]}"
    )


async def test_history_then_events_written_by_another_thread(app, service, clock):
    busy_tenant(service, clock)
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(app, pilot)
        assert len(log.entries) == service.last_event_id()
        before = len(log.entries)

        def writer():
            for n in range(25):
                record_send(service, user_id=f"auth0|t{n}", phone="+14155550100", region="US")

        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        await wait_until(app, pilot, lambda: len(log.entries) == before + 25)
        assert [e.user_id for e in log.entries[-25:]] == [f"auth0|t{n}" for n in range(25)]


async def test_events_written_by_another_process_appear(app, service, db_path):
    script = (
        "import sys; from phonemfa.service import PhoneMfa\n"
        "from phonemfa.testing.traffic import record_send\n"
        "svc = PhoneMfa.open(sys.argv[1], demo=False)\n"
        "for n in range(5):\n"
        "    record_send(svc, user_id=f'auth0|proc{n}', phone='+33612345678', region='FR')\n"
    )
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(app, pilot)
        assert log.entries == []
        subprocess.run([sys.executable, "-c", script, str(db_path)], check=True, timeout=60)
        await wait_until(app, pilot, lambda: len(log.entries) == 5)
        assert log.entries[0].user_id == "auth0|proc0"
        assert (
            log.entries[0].details["phone_number"]
            == "+3\u2022\u2022\u2022\u2022\u2022\u2022\u20225678"
        )


async def test_filters_apply_to_history_and_new_events(app, service, clock):
    busy_tenant(service, clock)
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(app, pilot)
        screen = app.screen
        screen.query_one("#f-kind", Select).value = "failed"
        screen.query_one("#f-country", Input).value = "fr"
        await pilot.pause(0.4)  # the filter waits for typing to pause
        await settle(app, pilot)
        assert log.entries and {(e.category, e.details.get("region")) for e in log.entries} == {
            ("failed", "FR")
        }
        record_send(service, user_id="auth0|x", phone="+33600000000", region="FR", ok=False)
        record_send(service, user_id="auth0|y", phone="+33600000001", region="FR")
        record_send(service, user_id="auth0|z", phone="+14150000000", region="US", ok=False)
        await wait_until(app, pilot, lambda: log.entries[-1].user_id == "auth0|x")
        await pilot.pause(0.3)
        await settle(app, pilot)
        assert log.entries[-1].user_id == "auth0|x"

        await pilot.press("ctrl+l")
        await settle(app, pilot)
        screen.query_one("#f-text", Input).value = "carrier"
        screen.query_one("#f-channel", Select).value = "sms"
        await pilot.pause(0.4)
        await settle(app, pilot)
        assert log.entries
        assert all(
            e.type == "gd_send_sms_failure" and "carrier" in e.details["provider_error"]["message"]
            for e in log.entries
        )
        screen.query_one("#f-user", Input).value = "nobody"
        await pilot.pause(0.4)
        await settle(app, pilot)
        assert log.entries == []
        assert "filter:" in str(screen.query_one("#log-status").render())


async def test_pause_holds_new_events_until_resumed(app, service):
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(app, pilot)
        log.focus()
        await pilot.press("p")
        for n in range(3):
            record_send(service, user_id=f"auth0|p{n}", phone="+14155550100", region="US")
        await pilot.pause(0.6)
        await settle(app, pilot)
        assert log.entries == []
        await wait_until(
            app, pilot, lambda: "3 new ·" in str(app.screen.query_one("#log-status").render())
        )
        await pilot.press("p")
        await wait_until(app, pilot, lambda: len(log.entries) == 3)


async def test_selecting_an_event_shows_its_json(app, service, clock):
    busy_tenant(service, clock)
    async with app.run_test(size=SIZE) as pilot:
        log = await open_log(app, pilot)
        log.focus()
        await pilot.press("up", "up")  # from the newest: the limit_mu, then the refusal
        await pilot.press("enter")
        await wait_until(app, pilot, lambda: isinstance(app.screen, EventDetailScreen))
        event = app.screen.event
        assert event.type == "gd_start_enroll_failed"
        assert event.log_id == log.entries[-2].log_id
        shown = json.loads(app.screen.text)
        assert shown == event.to_json() and shown["log_id"] == event.log_id
        assert (
            shown["details"]["failure_details"]["message"] == "Refused by the premium numbers rule."
        )
        await pilot.press("escape")
        assert isinstance(app.screen, LiveLogScreen)


async def test_panels_show_limits_countries_and_reasons(app, service, clock):
    busy_tenant(service, clock)
    async with app.run_test(size=SIZE) as pilot:
        await open_log(app, pilot)
        screen = app.screen
        limited = screen.query_one("#limited")
        rows = [limited.get_row_at(i) for i in range(limited.row_count)]
        assert [(r[0], r[1], r[2], str(r[3])) for r in rows] == [
            ("auth0|bruno", "0/10", 8, "in 42 min"),
            ("auth0|emma", "2/10", 16, "now"),
        ]
        blocked = screen.query_one("#blocked")
        assert blocked.get_row_at(0)[:2] == ["192.0.2.66", "limit_mu"]
        countries = screen.query_one("#countries")
        by_region = {
            countries.get_row_at(i)[0]: countries.get_row_at(i) for i in range(countries.row_count)
        }
        assert by_region["FR"][1] == 8 and by_region["FR"][4] == 16  # 2 segments per SMS
        reasons = screen.query_one("#reasons")
        labels = [reasons.get_row_at(i)[0] for i in range(reasons.row_count)]
        assert "send_sms_failure · 30007" in labels and "limit_phone · too_many_sms" in labels


async def test_streams_added_paused_and_removed_from_the_console(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await open_log(app, pilot)
        app.screen.query_one(TabbedContent).active = "tab-streams"
        await pilot.pause()
        await pilot.click("#stream-add")
        await wait_until(app, pilot, lambda: isinstance(app.screen, StreamFormScreen))
        form = app.screen
        form.query_one("#stream-name", Input).value = "siem"
        form.query_one("#stream-target", Input).value = "not a url"
        await pilot.click("#save")
        await wait_until(
            app,
            pilot,
            lambda: "httpEndpoint must be an http" in str(form.query_one("#form-error").render()),
        )
        form.query_one("#stream-target", Input).value = "https://siem.example/ingest"
        form.query_one("#stream-auth", Input).value = "Bearer console-0123456789"
        form.query_one("#stream-format", Select).value = "JSONARRAY"
        form.query_one("#stream-filters", Input).value = "failed, limit_mu"
        await pilot.pause(0.3)  # a Button ignores presses during its 0.2 s "active" effect
        await pilot.click("#save")
        await wait_until(app, pilot, lambda: isinstance(app.screen, LiveLogScreen))
        [stream] = service.list_streams()
        assert (stream.name, stream.content_format) == ("siem", "JSONARRAY")
        assert [f.name for f in stream.filters] == ["failed", "limit_mu"]
        assert service.stream_authorization(stream.id) == "Bearer console-0123456789"
        await settle(app, pilot)

        await wait_until(app, pilot, lambda: not app.screen.query_one("#stream-toggle").disabled)
        await pilot.click("#stream-toggle")
        await wait_until(app, pilot, lambda: service.get_stream("siem").status == "paused")

        await pilot.click("#stream-remove")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#answer-cancel")
        await wait_until(app, pilot, lambda: isinstance(app.screen, LiveLogScreen))
        await settle(app, pilot)
        assert service.list_streams() != []
        await pilot.pause(0.3)  # past the button's "active" effect
        await pilot.click("#stream-remove")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#answer-remove")
        await wait_until(app, pilot, lambda: service.list_streams() == [])


async def test_alert_banner_until_acknowledged(app, service):
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        banner = app.screen.query_one(AlertBanner)
        assert not banner.has_class("-open")
        record_ip_block(service, ip="192.0.2.66")
        [firing] = service.evaluate_alerts()
        await wait_until(app, pilot, lambda: banner.has_class("-open"))
        assert "IP blocked for sign-up flood" in str(banner.query_one("#alert-text").render())
        await pilot.click("#alert-ack")
        await wait_until(app, pilot, lambda: not banner.has_class("-open"))
        assert service.open_alerts() == []
        assert service.recent_alerts()[0].acknowledged_by == "console"


async def test_the_console_runs_the_delivery_loop(service, tmp_path):
    from phonemfa.tui.app import PhoneMfaApp

    out = tmp_path / "events.jsonl"
    service.create_stream(name="archive", type="file", file_path=str(out))
    app = PhoneMfaApp(service, background=True)  # as the `phonemfa` command opens it
    async with app.run_test(size=SIZE) as pilot:
        record_send(service, user_id="auth0|a", phone="+14155550100", region="US")
        await wait_until(app, pilot, lambda: out.exists() and out.read_text().count("\n") == 1)
    assert service.lease_holder(f"sink:{service.get_stream('archive').id}") is None  # released


ALICE = "+14155550123"


def engine_on(service):
    service.update_settings({"enabled": True, "message_types": ["sms"]}, actor="test")


async def open_limits(app, pilot):
    await open_log(app, pilot)
    app.screen.query_one(TabbedContent).active = "tab-limits"
    await settle(app, pilot)


async def test_unblock_an_ip_from_the_console(app, service):
    """The engine blocks an IP after 50 enrollment starts in a minute; the operator lifts it."""
    from phonemfa.errors import PhoneMfaError

    engine_on(service)
    ip = "198.51.100.7"
    for n in range(50):
        service.start_enrollment(f"auth0|bot{n}", ALICE, ip=ip)
    try:
        service.start_enrollment("auth0|bot50", ALICE, ip=ip)
    except PhoneMfaError as exc:
        assert exc.code == "too_many_attempts"
    assert [b.ip for b in service.blocked_ips()] == [ip]
    async with app.run_test(size=SIZE) as pilot:
        await open_limits(app, pilot)
        blocked = app.screen.query_one("#blocked")
        assert blocked.get_row_at(0)[:2] == [ip, "limit_mu"]
        await pilot.click("#unblock")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#answer-cancel")
        await wait_until(app, pilot, lambda: isinstance(app.screen, LiveLogScreen))
        assert [b.ip for b in service.blocked_ips()] == [ip]  # cancelled: still blocked
        await pilot.pause(0.3)  # past the button's "active" effect
        await pilot.click("#unblock")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#answer-unblock")
        await wait_until(app, pilot, lambda: service.blocked_ips() == [])
        await wait_until(app, pilot, lambda: blocked.row_count == 0)
        log = app.screen.query_one(EventLog)
        await wait_until(app, pilot, lambda: log.entries[-1].details.get("unblocked_ip") == ip)
    service.start_enrollment("auth0|human", ALICE, ip=ip)  # accepted again


async def test_a_user_at_the_message_limit_and_a_reset(app, service):
    """Ten messages in a row empty alice's bucket; the eleventh is refused; the console shows
    her limited until the next message, and the operator may reset her limits."""
    from phonemfa.errors import PhoneMfaError

    engine_on(service)
    sent = service.start_enrollment("auth0|alice", ALICE)
    code = service.inbox(ALICE)[-1].text.split()[0]
    service.verify(sent.transaction_id, code)
    for _ in range(9):
        service.challenge("auth0|alice")
    try:
        service.challenge("auth0|alice")
        raise AssertionError("the 11th message went out")
    except PhoneMfaError as exc:
        assert exc.code == "too_many_sms"
    async with app.run_test(size=SIZE) as pilot:
        await open_limits(app, pilot)
        limited = app.screen.query_one("#limited")
        row = limited.get_row_at(0)
        assert (row[0], row[1], row[2], str(row[3])) == ("auth0|alice", "0/10", 10, "in 60 min")
        await pilot.click("#reset-user")
        await wait_until(app, pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.click("#answer-reset")
        await wait_until(app, pilot, lambda: limited.row_count == 0)
    service.challenge("auth0|alice")  # allowed again
