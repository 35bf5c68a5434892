import pytest


@pytest.fixture(autouse=True)
def _loopback_receiver_allowed(settings):
    """The tests' receiver listens on 127.0.0.1, an internal address the SSRF guard refuses unless listed."""
    settings.LIANXIN = {**settings.LIANXIN, "WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"]}
