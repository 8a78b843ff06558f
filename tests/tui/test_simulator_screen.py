"""The simulator in a real Textual run: the seed's two flows, refusals, limits, replays."""

from __future__ import annotations

import re
import threading

from textual.widgets import Input, Select

from phonemfa.core.trail import USER_TEXTS
from phonemfa.tui.widgets.virtual_phone import DIGIT_GAP
from tests.tui.conftest import SIZE
from tests.tui.simulator_support import (
    click,
    code_on_phone,
    enter_code,
    open_simulator,
    phone_cards,
    phone_messages,
    pick_user,
    settle,
    text_of,
    trail_text,
    type_phone,
)


async def test_sms_only_flow_from_enrollment_to_a_later_login(demo_service, demo_app, clock):
    demo_service.update_settings({"message_types": ["sms"]}, actor="test")
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        screen = demo_app.screen
        # "When you only enable SMS, the flow is simpler": no choice of channel.
        assert screen.query_one("#sim-channel-row").display is False
        assert "Only SMS is offered" in text_of(demo_app, "#sim-channel-note")
        assert screen.query_one("#sim-user", Select).value == "auth0|alice"
        assert screen.query_one("#sim-phone", Input).value == "+14155550123"
        await click(pilot, "#sim-enroll")
        assert "SMS sent" in trail_text(demo_app)
        assert "expires in 5:00" in text_of(demo_app, "#phone-countdown")
        (sms,) = phone_messages(demo_app)
        assert sms.endswith("Please enter this code to verify your enrollment.")
        await enter_code(pilot, code_on_phone(demo_app))
        assert "Enrollment confirmed" in trail_text(demo_app)
        assert "Enrolled +1•••••••0123 by SMS" in text_of(demo_app, "#sim-user-status")

        clock.advance(3600)
        await click(pilot, "#sim-login")
        assert len(phone_messages(demo_app)) == 2
        assert "Login code by SMS" in text_of(demo_app, "#phone-countdown")
        await enter_code(pilot, code_on_phone(demo_app))
        trail = trail_text(demo_app)
    assert "Verify login code · auth0|alice" in trail and "Second factor passed." in trail
    (enrollment,) = demo_service.list_enrollments("auth0|alice")
    assert enrollment.status == "confirmed" and enrollment.last_auth == clock.now()
    events = demo_service.store.query(
        "SELECT type, simulated FROM events WHERE user_id = ?", ("auth0|alice",)
    )
    assert events and all(e["simulated"] for e in events)


async def test_sms_and_voice_flow_with_a_choice(demo_service, demo_app, clock):
    async with demo_app.run_test(size=SIZE) as pilot:
        # The console alone: choose the demo's Custom action (the simulated phone) in F1.
        await pilot.click("#provider-phone-message-hook")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await open_simulator(pilot)
        screen = demo_app.screen
        assert screen.query_one("#sim-channel-row").display is True  # the user chooses
        await pick_user(pilot, "auth0|bruno")
        assert screen.query_one("#sim-phone", Input).value == "+33612345678"
        await click(pilot, "#sim-channel-voice")
        await click(pilot, "#sim-enroll")
        (card,) = phone_cards(demo_app)
        assert card.border_title.startswith("Call")
        call = phone_messages(demo_app)[0]
        assert "Incoming call" in call and "[pause 1s]" in call
        assert "Bonjour, votre code d'inscription pour Acme Travel est" in call  # Bruno is French
        assert "→ Custom action phonemfa.actions.virtual_phone" in call and "vphone_" in call
        code = code_on_phone(demo_app)
        assert call.count(DIGIT_GAP.join(code)) == 2  # read digit by digit, twice
        await enter_code(pilot, code)
        assert "Enrollment confirmed" in trail_text(demo_app)
        assert "Enrolled +3•••••••5678 by voice" in text_of(demo_app, "#sim-user-status")

        clock.advance(600)
        await click(pilot, "#sim-login")  # the next login calls the registered phone again
        assert phone_cards(demo_app)[-1].border_title.startswith("Call")
        assert "Bonjour, votre code est" in phone_messages(demo_app)[-1]
        await enter_code(pilot, code_on_phone(demo_app))
        assert "Second factor passed." in trail_text(demo_app)
    assert demo_service.list_enrollments("auth0|bruno")[0].channel == "voice"
    assert [m.channel for m in demo_service.inbox("+33612345678")] == ["voice", "voice"]


async def test_a_refused_number_shows_its_rule(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        await type_phone(pilot, "0909 876 5432", country="GB")  # a UK premium-rate number
        check = text_of(demo_app, "#sim-phone-check")
        assert "premium-rate" in check and "blocked_number_types" in check
        await click(pilot, "#sim-enroll")
        trail = trail_text(demo_app)
    assert "✗ Country, type" in trail
    assert "Premium-rate numbers are refused (blocked_number_types)." in trail
    assert "Refused by country, type (rule blocked_number_types)." in trail
    assert f"The user sees phone-not-allowed: “{USER_TEXTS['phone-not-allowed']}”" in trail
    assert "refused: phone_number_not_allowed" in trail
    assert demo_service.inbox() == []


async def test_the_eleventh_message_is_refused_with_the_right_text(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_simulator(pilot)
        await click(pilot, "#sim-enroll")
        for _ in range(9):
            await click(pilot, "#sim-resend")
        assert "0/10 left" in text_of(demo_app, "#sim-gauges")
        assert "SMS sent" in trail_text(demo_app)
        await click(pilot, "#sim-resend")  # the 11th message
        trail = trail_text(demo_app)
        toasts = [n.message for n in demo_app._notifications]
    assert "✗ User's messages" in trail
    assert "auth0|alice has used all 10 messages; the next one is allowed in 60 min" in trail
    assert f"The user sees too-many-sms: “{USER_TEXTS['too-many-sms']}”" in trail
    assert USER_TEXTS["too-many-sms"] in toasts
    assert len(demo_service.inbox("+14155550123")) == 10


async def test_wrong_code_then_recovery_code_then_unenroll(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        await click(pilot, "#sim-enroll")
        right = code_on_phone(demo_app)
        await enter_code(pilot, "000000" if right != "000000" else "111111")
        trail = trail_text(demo_app)
        assert "✗ Code" in trail and "Wrong code (9 wrong codes left)." in trail
        assert "9/10 left" in text_of(demo_app, "#sim-gauges").split("Wrong codes")[1]
        await enter_code(pilot, right)
        status = text_of(demo_app, "#sim-user-status")
        recovery = status.split("keep it: ")[1].replace(" ", "").strip()
        assert len(recovery) == 24
        demo_app.screen.query_one("#sim-recovery", Input).value = recovery
        await click(pilot, "#sim-recover")
        assert "Second factor passed with a recovery code." in trail_text(demo_app)
        new = text_of(demo_app, "#sim-user-status").split("keep it: ")[1].replace(" ", "")
        assert new.strip() != recovery
        await click(pilot, "#sim-unenroll")
        await click(pilot, "#answer-unenroll")
        assert "Deleted dev_" in trail_text(demo_app)
        assert "No phone enrolled yet" in text_of(demo_app, "#sim-user-status")
    assert demo_service.list_enrollments("auth0|alice") == []


async def test_a_new_user_and_another_ip(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        demo_app.screen.query_one("#sim-new-user", Input).value = "auth0|zoe"
        await click(pilot, "#sim-add-user")
        assert demo_app.screen.query_one("#sim-user", Select).value == "auth0|zoe"
        await type_phone(pilot, "06 12 34 56 99", country="FR")
        assert "FR · mobile · +33 6 12 34 56 99" in text_of(demo_app, "#sim-phone-check")
        demo_app.screen.query_one("#sim-ip", Input).value = "198.51.100.200"
        await settle(pilot)
        await click(pilot, "#sim-enroll")
        gauges = text_of(demo_app, "#sim-gauges")
        assert "198.51.100.200: 49/50 enrollment starts/min" in gauges
        demo_app.screen.query_one("#sim-ip", Input).value = "not an ip"
        await settle(pilot)
        assert "is not an IP address" in text_of(demo_app, "#sim-ip-check")
    assert demo_service.find_user("auth0|zoe") is not None
    assert demo_service.list_enrollments("auth0|zoe")[0].phone_number == "+3•••••••5699"


async def test_play_a_scenario_and_see_its_summary(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        screen = demo_app.screen
        assert str(screen.query_one("#sim-scenario", Select).value).endswith("sms_pumping.jsonl")
        screen.query_one("#sim-speed", Select).value = "max"
        await click(pilot, "#sim-play")
        await settle(pilot)
        trail = trail_text(demo_app)
    assert "Replay · SMS pumping attack" in trail and "Done: 374 of 374 requests" in trail
    assert "Codes sent 252" in trail and "Refused 122" in trail
    assert re.search(r"80 +number_rules/blocked_number_types", trail)
    assert "Blocked IPs 198.51.100.7, 198.51.100.8" in trail
    assert "alr_sms_spike: SMS sends spike" in trail and "alr_ip_blocked" in trail
    assert len(demo_service.blocked_ips()) == 2


async def test_escape_cancels_a_replay_and_the_screen_stays_usable(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        screen = demo_app.screen
        screen.query_one("#sim-speed", Select).value = "real"  # nine minutes of attack, live
        await pilot.click("#sim-play")
        await pilot.pause(0.5)
        assert "Replaying · SMS pumping attack" in trail_text(demo_app)
        assert screen.query_one("#sim-play").disabled
        # The console still answers meanwhile (no settle here: it would wait for the replay).
        screen.query_one("#sim-user", Select).value = "auth0|carmen"
        await pilot.pause(0.2)
        assert screen.query_one("#sim-phone", Input).value == "+34612345678"
        await pilot.press("escape")
        await settle(pilot)
        trail = trail_text(demo_app)
        assert not screen.query_one("#sim-play").disabled
    assert "Cancelled:" in trail and "of 374 requests" in trail and "cancelled" in trail


async def test_a_blocked_ip_shows_and_can_be_unblocked(demo_service, demo_app):
    demo_service.update_settings({"limit_ip_enroll_per_minute": 1}, actor="test")
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        await click(pilot, "#sim-enroll")
        await click(pilot, "#sim-resend")  # a second start from this IP within the minute
        trail = trail_text(demo_app)
        assert "✗ IP address" in trail and "too-many-attempts" in trail
        assert "203.0.113.10 BLOCKED (limit_mu)" in text_of(demo_app, "#sim-gauges")
        assert demo_app.screen.query_one("#sim-unblock").display is True
        await click(pilot, "#sim-unblock")
        assert "203.0.113.10: 1/1 enrollment starts/min" in text_of(demo_app, "#sim-gauges")
    assert demo_service.blocked_ips() == []


async def test_a_twilio_delivery_shows_what_twilio_was_handed(demo_service, demo_app, monkeypatch):
    from tests.twilio_support import FROM, configure, isolate_env, new_fake

    isolate_env(monkeypatch)
    with new_fake() as fake:
        configure(demo_service, fake, monkeypatch)
        demo_service.update_settings({"provider": "twilio"}, actor="test")
        async with demo_app.run_test(size=SIZE) as pilot:
            await open_simulator(pilot)
            await click(pilot, "#sim-enroll")
            (text,) = phone_messages(demo_app)
            (card,) = phone_cards(demo_app)
            code = code_on_phone(demo_app)
            await enter_code(pilot, code)
            confirmed = trail_text(demo_app)
            await pick_user(pilot, "auth0|emma")
            fake.fail_next(400, 21211)  # Twilio refuses the number
            await click(pilot, "#sim-enroll")
            failed = phone_messages(demo_app)[-1]
            failed_card = phone_cards(demo_app)[-1]
            trail = trail_text(demo_app)
    (sent,) = fake.messages
    assert code in sent["body"] and sent["from"] == FROM
    assert card.border_subtitle == "Twilio"
    assert f"→ Twilio POST …/Messages.json To +1•••••••0123 From {FROM}" in text
    assert f"← {sent['sid']} status queued" in text
    assert "Enrollment confirmed" in confirmed
    assert failed_card.border_subtitle == "not delivered"
    assert "← error 21211" in failed
    assert "✗ Result" in trail and "send-sms-failed" in trail


async def test_the_phone_and_limits_follow_what_others_do(demo_service, demo_app):
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_simulator(pilot)
        assert phone_messages(demo_app) == []
        # Another front door (the API, the CLI) enrolls Alice's phone meanwhile.
        worker = threading.Thread(
            target=demo_service.start_enrollment, args=("auth0|alice", "+14155550123")
        )
        worker.start()
        worker.join()
        for _ in range(40):  # the screen polls every other second
            await pilot.pause(0.1)
            if phone_messages(demo_app):
                break
        await settle(pilot)
        assert len(phone_messages(demo_app)) == 1
        assert "9/10 left" in text_of(demo_app, "#sim-gauges")
        assert "Pending +1•••••••0123 by SMS" in text_of(demo_app, "#sim-user-status")


async def test_a_bug_in_a_worker_is_a_notification_not_a_crash(demo_service, demo_app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    monkeypatch.setattr(demo_service, "start_enrollment", broken)
    async with demo_app.run_test(size=SIZE, notifications=True) as pilot:
        await open_simulator(pilot)
        await click(pilot, "#sim-enroll")
        toasts = [n.message for n in demo_app._notifications]
        assert not demo_app.screen.query_one("#sim-enroll").disabled  # usable again
    assert any("RuntimeError: database on fire" in t for t in toasts)
