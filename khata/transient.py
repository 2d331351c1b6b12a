"""Which failures are worth retrying, and how to say a failure in one line.

A retry helps only when the cause can go away by itself: the book held by another
program for a moment (``DatabaseBusy``, DuckDB's lock error), the network (a refused or
reset connection, a timeout), Twilio busy or overloaded (HTTP 429 or 5xx). Anything else
(a permission error, a missing or damaged file, an unknown shop, a bug) fails the same way
on every attempt, so the daily run fails at once and says why in one plain line
(``plain``) instead of retrying for a minute and ending in a traceback.
"""
from __future__ import annotations

import socket

from .errors import DatabaseBusy, KhataError

_LOCK_WORDS = ("Could not set lock", "Conflicting lock", "Unique file handle conflict")


def is_transient(err: BaseException) -> bool:
    """True when the same step may well succeed if tried again in a moment."""
    if isinstance(err, DatabaseBusy):
        return True
    if isinstance(err, KhataError):
        return False  # the shopkeeper's words: a bad date, an unknown shop, a refused action
    if isinstance(err, PermissionError | FileNotFoundError | IsADirectoryError):
        return False
    if isinstance(err, ConnectionError | TimeoutError | socket.timeout):
        return True
    text = str(err)
    if any(word in text for word in _LOCK_WORDS):
        return True
    status = getattr(err, "status", None)  # twilio's TwilioRestException
    if isinstance(status, int) and (status == 429 or status >= 500):
        return True
    name = type(err).__name__
    return name in ("ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout")  # requests, under twilio


def plain(err: BaseException) -> str:
    """The failure in one line: its first line of text, else its kind."""
    lines = [line.strip() for line in str(err).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(err).__name__
