"""Console tests: the real app on a tmp_path database with a frozen clock."""

from __future__ import annotations

import pytest

from phonemfa.tui.app import PhoneMfaApp

SIZE = (120, 40)


def make_app(service) -> PhoneMfaApp:
    app = PhoneMfaApp(service)
    app.animation_level = "none"
    return app


@pytest.fixture
def app(service) -> PhoneMfaApp:
    return make_app(service)


@pytest.fixture
def demo_app(demo_service) -> PhoneMfaApp:
    return make_app(demo_service)


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch):
    """Snapshots must not depend on when the cursor blinked."""
    from textual.widgets import Input, TextArea

    monkeypatch.setattr(Input, "cursor_blink", False, raising=False)
    monkeypatch.setattr(TextArea, "cursor_blink", False, raising=False)
