import pytest

from phonemfa.logstream import BackgroundLoop
from phonemfa.testing.webhook_server import FakeWebhook


@pytest.fixture
def hook():
    with FakeWebhook() as server:
        yield server


def fast_loop(service, **kwargs) -> BackgroundLoop:
    """The real loop with retry delays and backoff shrunk to keep tests quick."""
    options = {
        "retry_delays": (0.01, 0.01),
        "failure_backoff": (0.0, 0.0),
        "timeout": 5.0,
        "alerts": False,
        "interval": 0.05,
    }
    options.update(kwargs)
    return BackgroundLoop(service, **options)
