"""Who the reminder run is in the audit trail, and its one 'now': the two facts every step of
the run (outbox, consent, status) shares, kept below them so none imports another for them."""
from __future__ import annotations

from datetime import datetime

RUN_ACTOR = "reminders"       # the audit trail's actor for what the reminder run changes


def checked_now(now: datetime) -> datetime:
    if not isinstance(now, datetime) or now.tzinfo is None:
        raise ValueError("now must be a timezone-aware datetime (the run's one 'now')")
    return now
