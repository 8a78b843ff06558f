"""Snapshots of the live log with each side panel, an event's JSON, the stream form.

A frozen clock and fixed traffic make them deterministic; look at the SVG before updating.
"""

import pytest
from textual.widgets import TabbedContent

from phonemfa.testing.traffic import busy_tenant
from tests.tui.conftest import SIZE, make_app


@pytest.fixture
def busy_app(demo_service, clock):
    busy_tenant(demo_service, clock)
    demo_service.create_stream(
        name="siem",
        endpoint="https://siem.example/ingest",
        authorization="Bearer siem-0123456789abcdef",
        content_format="JSONARRAY",
        filters=[{"type": "category", "name": "failed"}, {"type": "type", "name": "limit_mu"}],
    )
    demo_service.evaluate_alerts()
    return make_app(demo_service)


async def settle(pilot):
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def on_tab(tab):
    async def run_before(pilot):
        await pilot.press("f5")
        await settle(pilot)
        pilot.app.screen.query_one(TabbedContent).active = f"tab-{tab}"
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("tab", ["traffic", "limits", "countries", "streams", "alerts"])
def test_live_log_panel(snap_compare, busy_app, tab):
    assert snap_compare(busy_app, terminal_size=SIZE, run_before=on_tab(tab))


def test_live_log_event_json(snap_compare, busy_app):
    async def run_before(pilot):
        await on_tab("traffic")(pilot)
        pilot.app.screen.query_one("#events").focus()
        await pilot.press("up", "up", "enter")
        await settle(pilot)

    assert snap_compare(busy_app, terminal_size=SIZE, run_before=run_before)


def test_live_log_filtered_and_paused(snap_compare, busy_app):
    async def run_before(pilot):
        await on_tab("limits")(pilot)
        screen = pilot.app.screen
        screen.query_one("#f-kind").value = "failed"
        await pilot.pause(0.4)
        await settle(pilot)
        screen.query_one("#events").focus()
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(busy_app, terminal_size=SIZE, run_before=run_before)


def test_stream_form(snap_compare, busy_app):
    async def run_before(pilot):
        await on_tab("streams")(pilot)
        await pilot.click("#stream-add")
        await settle(pilot)

    assert snap_compare(busy_app, terminal_size=SIZE, run_before=run_before)
