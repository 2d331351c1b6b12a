"""Sending claimed reminders: network only, no database connection is open here.

Messages go out concurrently under a shared rate limit; transient errors (429,
5xx, timeouts) are retried with backoff and jitter, permanent ones recorded. A
failure is that customer's alone: nothing here raises.
"""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from .. import settings
from ..notify import Notifier, OutgoingMessage, SendResult
from ..notify.ratelimit import RateLimiter
from ..phones import mask_phone

log = logging.getLogger("khata.reminders")

DEFAULT_RATE = 10.0           # messages per second, Twilio's default for a WhatsApp sender
DEFAULT_WORKERS = 8


def utc_now() -> datetime:
    """The clock of the reminder run (read once per run for its ``now``, and for the
    instants a batch is claimed and a message is accepted)."""
    return datetime.now(UTC)


def rate_from_env() -> float:
    """KHATA_REMINDER_RATE: messages per second (default 10)."""
    return float(settings.get("KHATA_REMINDER_RATE") or DEFAULT_RATE)


def workers_from_env(rate_per_s: float | None = None) -> int:
    """KHATA_REMINDER_WORKERS, else enough threads to keep ``rate_per_s`` busy at ~400 ms per request."""
    workers = settings.get("KHATA_REMINDER_WORKERS")
    if workers:
        return int(workers)
    return min(64, max(DEFAULT_WORKERS, int((rate_per_s or DEFAULT_RATE) * 0.4 + 0.999)))


def deliver(rows: list[dict], notifier: Notifier, *, rate_per_s: float | None = None,
            limiter: RateLimiter | None = None, workers: int | None = None, max_attempts: int = 4,
            backoff_s: float = 0.5, clock: Callable[[], datetime] = utc_now, logger=None) -> list[dict]:
    """Send the claimed rows; one result dict per row (``sent_at`` from ``clock`` when accepted).

    Concurrent (``workers`` threads), at most ``rate_per_s`` requests a second (retries
    included), transient errors retried up to ``max_attempts`` with exponential backoff.
    """
    logger = logger or log
    if not rows:
        return []
    if notifier.dry_run:
        limiter = None
    elif limiter is None:
        limiter = RateLimiter(rate_per_s or rate_from_env())
    workers = max(1, workers or workers_from_env(limiter.rate if limiter else None))

    def one(row: dict) -> dict:
        message = OutgoingMessage(to=row["phone"], body=row["message_text"], variables=row.get("variables") or {},
                                  key=(row["shop_id"], row["customer_id"], row["reminder_date"]),
                                  language=row.get("language"))
        result = SendResult("failed", error_code="error", error_message="not attempted")
        attempts = 0
        for attempt in range(1, max_attempts + 1):
            attempts = attempt
            if limiter is not None:
                limiter.acquire()
            try:
                result = notifier.send(message)
            except Exception as err:  # a notifier must not raise; if one does, it is this row's failure
                result = SendResult("failed", error_code="error", error_message=f"{type(err).__name__}")
            if not (result.status == "failed" and result.transient) or attempt == max_attempts:
                break
            time.sleep(backoff_s * (2 ** (attempt - 1)) * (0.5 + random.random()))
        if result.status == "failed":
            logger.warning("Reminder to %s failed (code %s, %d attempt(s)): %s", mask_phone(row["phone"]),
                           result.error_code, attempts, result.error_message)
        return {"shop_id": row["shop_id"], "customer_id": row["customer_id"], "reminder_date": row["reminder_date"],
                "status": result.status, "message_sid": result.sid, "error_code": result.error_code,
                "error_message": result.error_message, "attempts": attempts,
                "invalid_number": bool(result.invalid_number),
                "sent_at": clock() if result.status in ("sent", "simulated") else None}

    if workers == 1 or len(rows) == 1:
        return [one(r) for r in rows]
    with ThreadPoolExecutor(max_workers=min(workers, len(rows)), thread_name_prefix="remind") as pool:
        return list(pool.map(one, rows))
