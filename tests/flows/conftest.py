"""One Prefect test server for the flow tests (about 10 s to start)."""
from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def no_twilio(monkeypatch, tmp_path):
    """No Twilio credentials anywhere (environment, .env), so nothing can reach the real Twilio."""
    for key in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_CONTENT_SID"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KHATA_DOTENV", str(tmp_path / "no.env"))
