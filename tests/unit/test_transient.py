"""What the daily run retries: only failures that can go away by themselves."""
import duckdb
import pytest
from twilio.base.exceptions import TwilioRestException

from khata.errors import DatabaseBusy, NotFound, ValidationError
from khata.transient import is_transient, plain


@pytest.mark.parametrize("err", [
    DatabaseBusy("busy"), duckdb.IOException('Could not set lock on file "k.duckdb": Conflicting lock is held'),
    ConnectionResetError("reset"), TimeoutError("slow"),
    TwilioRestException(503, "https://api.twilio.com", "Service unavailable"),
    TwilioRestException(429, "https://api.twilio.com", "Too many requests"),
])
def test_transient(err):
    assert is_transient(err)


@pytest.mark.parametrize("err", [
    PermissionError(13, "Permission denied", "/data/khata.duckdb"),
    duckdb.IOException('Cannot open file "/data/khata.duckdb": Permission denied'),
    NotFound("No shopkeeper with the username 'nobody'."), ValidationError("Run date 2199-12-31 is not allowed"),
    TwilioRestException(400, "https://api.twilio.com", "Invalid parameter"), KeyError("bug"),
    NotADirectoryError(20, "x"),
])
def test_not_transient(err):
    assert not is_transient(err)


def test_plain_is_one_line():
    assert plain(duckdb.IOException("IO Error: Permission denied\nmore\ntraceback")) == "IO Error: Permission denied"
    assert plain(KeyError()) == "KeyError"
