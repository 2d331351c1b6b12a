"""Sizes for the reliability runs: small in `make test`, full in `make reliability`."""
import pytest

from khata import settings

FULL = settings.get("KHATA_RELIABILITY") == "full"


@pytest.fixture
def scale():
    return {
        "threads": 8, "processes": 2,
        "payments_per_worker": 25 if FULL else 6,
        "kills": 20 if FULL else 3,
        "contention_seconds": 60 if FULL else 8,
        "examples": 300 if FULL else 40,
    }
