"""SVG snapshots of the simulator (update deliberately: look at the SVG first). Codes, recovery
codes and device ids are random in real runs; here they are fixed so the pictures repeat."""

from __future__ import annotations

import pytest

from tests.tui.conftest import SIZE
from tests.tui.simulator_support import click, open_simulator, pick_user, type_phone


@pytest.fixture(autouse=True)
def fixed_secrets(monkeypatch):
    from phonemfa.core import codes
    from phonemfa.store import enrollments_repo

    monkeypatch.setattr(codes, "new_hotp_secret", lambda: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    monkeypatch.setattr(codes, "new_recovery_code", lambda: "N3BGPZZWJ85JLCNPZBDW6QXC")
    monkeypatch.setattr(enrollments_repo, "new_device_id", lambda: "dev_SNAPSHOT00000000")


def test_simulator_mid_enrollment_by_sms(snap_compare, demo_app):
    async def enroll(pilot):
        await open_simulator(pilot)
        await click(pilot, "#sim-enroll")

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=enroll)


def test_simulator_mid_enrollment_by_voice(snap_compare, demo_service, demo_app):
    demo_service.update_settings({"provider": "phone-message-hook"}, actor="test")

    async def enroll_by_voice(pilot):
        await open_simulator(pilot)
        await pick_user(pilot, "auth0|bruno")
        await click(pilot, "#sim-channel-voice")
        await click(pilot, "#sim-enroll")

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=enroll_by_voice)


def test_simulator_refusal_with_its_trail(snap_compare, demo_app):
    async def premium_number(pilot):
        await open_simulator(pilot)
        await type_phone(pilot, "0909 876 5432", country="GB")
        await click(pilot, "#sim-enroll")
        pilot.app.clear_notifications()  # a toast's lifetime is wall-clock time: keep it out

    assert snap_compare(demo_app, terminal_size=SIZE, run_before=premium_number)
