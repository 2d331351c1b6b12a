"""Status refresh: what Twilio later learned about messages it accepted.

Messages sent in the last ``REFRESH_DAYS`` days are asked about (network, no
connection open); changes are written in one short transaction. A message that
failed because the number is not on WhatsApp flags the customer, with an audit
line, exactly as when the send itself failed that way; one that failed because the
customer blocked or opted out of the sender turns their reminders off.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from .. import db
from ..notify import NOT_ON_WHATSAPP_CODE, Notifier
from ..notify.codes import opted_out
from ..notify.ratelimit import RateLimiter
from .consent import opt_out_for_error
from .delivery import log, rate_from_env, workers_from_env
from .outbox import flag_not_on_whatsapp
from .run_context import checked_now

REFRESH_DAYS = 3
TWILIO_STATUS = {"delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed"}


def refresh_statuses(root, notifier: Notifier, *, now: datetime, shop_ids, days: int = REFRESH_DAYS,
                     rate_per_s: float | None = None, workers: int | None = None, logger=None) -> dict:
    """Ask Twilio about these shops' messages sent in the last ``days`` days; record
    delivered/read/failed."""
    logger = logger or log
    now = checked_now(now)
    if notifier.dry_run:
        return {"checked": 0, "updated": 0}
    ids = [int(s) for s in shop_ids]
    pending = root.on_connection(lambda con: db.rows_as_dicts(con.execute(
        "SELECT shop_id, customer_id, reminder_date, message_sid, status FROM reminder_outbox"
        " WHERE message_sid IS NOT NULL AND status IN ('sent', 'delivered') AND sent_at >= ?"
        " AND list_contains(?, shop_id)", [now - timedelta(days=days), ids])))
    if not pending:
        return {"checked": 0, "updated": 0}
    limiter = RateLimiter(rate_per_s or rate_from_env())

    def ask(row):
        limiter.acquire()
        return row, notifier.fetch_status(row["message_sid"])

    with ThreadPoolExecutor(max_workers=max(1, min(workers or workers_from_env(), len(pending)))) as pool:
        answers = list(pool.map(ask, pending))
    changes = []
    for row, answer in answers:
        new = TWILIO_STATUS.get(answer.status) if answer is not None else None
        if new and new != row["status"]:
            changes.append((new, answer.error_code, answer.error_message, row))
    if not changes:
        return {"checked": len(pending), "updated": 0}

    def work(con):
        for new, code, reason, row in changes:
            con.execute(
                "UPDATE reminder_outbox SET status = ?, error_code = coalesce(?, error_code),"
                " error_message = coalesce(?, error_message), status_updated_at = ?"
                " WHERE shop_id = ? AND customer_id = ? AND reminder_date = ? AND message_sid = ?",
                [new, code, reason, now, row["shop_id"], row["customer_id"], row["reminder_date"], row["message_sid"]])
            if code == str(NOT_ON_WHATSAPP_CODE):
                flag_not_on_whatsapp(con, row["shop_id"], row["customer_id"], code, now)
            elif opted_out(code):
                opt_out_for_error(con, row["shop_id"], row["customer_id"], code, now)
        return len(changes)

    updated = root.in_transaction(work)
    logger.info("Refreshed Twilio status of %d message(s); %d changed.", len(pending), updated)
    return {"checked": len(pending), "updated": updated}
