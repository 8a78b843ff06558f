"""SVG snapshots of each screen (update deliberately: look at the SVG first)."""

from tests.tui.conftest import SIZE


def test_factor_settings_screen(snap_compare, demo_app):
    assert snap_compare(demo_app, terminal_size=SIZE)
