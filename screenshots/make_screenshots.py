"""Regenerate screenshots/*.svg: the real console, headless, on a fresh demo database.

python screenshots/make_screenshots.py
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

from phonemfa.clock import FakeClock
from phonemfa.service import PhoneMfa
from phonemfa.testing.traffic import busy_tenant
from phonemfa.tui.app import PhoneMfaApp
from phonemfa.tui.sections import SECTIONS

OUT = Path(__file__).resolve().parent
SIZE = (120, 40)


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def play_an_enrollment(pilot) -> None:
    """The simulator is empty until someone plays: Carmen enrolls her phone by a voice call,
    through the demo's Custom action (the simulated phone), so the user has the seed's choice."""
    screen = pilot.app.screen
    screen.service.update_settings({"provider": "phone-message-hook"}, actor="screenshots")
    screen.refresh_state()
    screen.query_one("#sim-user").value = "auth0|carmen"
    await settle(pilot)
    await pilot.click("#sim-channel-voice")
    await pilot.click("#sim-enroll")
    await settle(pilot)


# What to do in a section before shooting it, so the picture shows the feature at work.
PREPARE = {"simulator": play_an_enrollment}


async def shoot(service: PhoneMfa) -> list[Path]:
    app = PhoneMfaApp(service)
    app.animation_level = "none"
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        for section in SECTIONS:
            await pilot.press(section.key)
            await settle(pilot)
            if section.mode in PREPARE:
                await PREPARE[section.mode](pilot)
                app.clear_notifications()
            name = f"{section.mode}.svg"
            app.save_screenshot(name, str(OUT))
            saved.append(OUT / name)
    return saved


def fix_randomness() -> None:
    """Codes, recovery codes and device ids are random in real runs; fixed here so the
    screenshots change only when the screens do."""
    from phonemfa.core import codes
    from phonemfa.store import enrollments_repo

    codes.new_hotp_secret = lambda: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    codes.new_recovery_code = lambda: "N3BGPZZWJ85JLCNPZBDW6QXC"
    enrollments_repo.new_device_id = lambda: "dev_SCREENSHOT000000"


def main() -> int:
    fix_randomness()
    with tempfile.TemporaryDirectory() as tmp:
        clock = FakeClock()
        service = PhoneMfa.open(Path(tmp) / "demo.db", clock=clock, demo=True)
        busy_tenant(service, clock)  # 40 minutes of traffic for the live log
        try:
            for path in asyncio.run(shoot(service)):
                print(path.relative_to(OUT.parent))
        finally:
            service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
