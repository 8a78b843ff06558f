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


async def shoot(service: PhoneMfa) -> list[Path]:
    app = PhoneMfaApp(service)
    app.animation_level = "none"
    saved = []
    async with app.run_test(size=SIZE) as pilot:
        for section in SECTIONS:
            await pilot.press(section.key)
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause(0.3)
            name = f"{section.mode}.svg"
            app.save_screenshot(name, str(OUT))
            saved.append(OUT / name)
    return saved


def main() -> int:
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
