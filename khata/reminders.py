"""Overdue reminders: who gets a WhatsApp message today, and sending it exactly once.

The steps (the Prefect flow ``flows/overdue_reminders.py`` runs each as a task;
``run_reminders`` runs them in order without Prefect, for the CLI and the benchmark):

1. ``prepare``          rows a crashed run left in ``sending`` become ``unknown`` (never resent);
                        ``queued`` rows whose day has passed become ``skipped``.
2. ``refresh_statuses`` Twilio's delivered/read/failed for messages sent in the last 3 days.
3. ``plan_shops``       at each shop-local date: select who is due on the ladder (one query
                        for all shops sharing a date) and write one outbox row per customer (``queued``, or ``skipped`` for an
                        opted-out or non-WhatsApp number). The primary key (shop, customer,
                        date) makes a second run that day select nobody.
4. ``claim``            a short transaction turns up to ``batch`` queued rows into ``sending``.
5. ``deliver``          no database connection is open: messages go out concurrently under a
                        rate limit, transient errors retried with backoff.
6. ``record_results``   another short transaction writes sent/failed/simulated, SIDs and errors,
                        and flags customers whose number is not on WhatsApp.

The ladder (per shop, ``reminder_days`` and ``reminder_repeat_days`` in the shop settings):
days are counted from the due date plus grace days. Non-positive days (default -1) are a
courtesy "due soon" reminder for a purchase not yet overdue. Positive days (default 1, 3,
7, 14, 30) are for overdue balances, counted on the customer's oldest overdue purchase,
then every ``reminder_repeat_days`` (default 7) after the last one. A ladder step missed
(the computer was off that morning) is sent at the next run, once; a customer never gets
more than one message a day, whatever the number of purchases.
"""
from __future__ import annotations

import logging
import os
import random
import time
import uuid
from functools import lru_cache
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote

from babel.dates import format_date

from . import db
from .accounts import get_shopkeeper, parse_reminder_days
from .book import audit, resolve_today, shop_row
from .dates import parse_date, shop_today
from .errors import NotFound, ValidationError
from .money import format_inr
from .notify import Notifier, OutgoingMessage, SendResult
from .notify.ratelimit import RateLimiter
from .phones import mask_phone

log = logging.getLogger("khata.reminders")

STATUSES = ("queued", "sending", "sent", "delivered", "read", "failed", "skipped", "simulated", "unknown")
DEFAULT_RATE = 10.0           # messages per second, Twilio's default for a WhatsApp sender
DEFAULT_WORKERS = 8
DEFAULT_BATCH = 500           # rows claimed per short transaction
STALE_AFTER_S = 15 * 60       # a 'sending' row older than this belongs to a run that died
REFRESH_DAYS = 3
SKIP_OPTED_OUT = "Customer opted out of WhatsApp reminders."
SKIP_INVALID = "Number is not on WhatsApp (flagged earlier)."
SKIP_EXPIRED = "Not sent on its day (the run stopped before sending); not resent later."
UNKNOWN_REASON = "The run stopped after claiming this message: it may or may not have been sent. Not resent."


def rate_from_env() -> float:
    return float(os.environ.get("KHATA_REMINDER_RATE") or DEFAULT_RATE)


def workers_from_env(rate_per_s: float | None = None) -> int:
    """KHATA_REMINDER_WORKERS, else enough threads to keep ``rate_per_s`` busy at ~400 ms per request."""
    if os.environ.get("KHATA_REMINDER_WORKERS"):
        return int(os.environ["KHATA_REMINDER_WORKERS"])
    return min(64, max(DEFAULT_WORKERS, int((rate_per_s or DEFAULT_RATE) * 0.4 + 0.999)))


def _utcnow(now: datetime | None) -> datetime:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now


# ---- the ladder ------------------------------------------------------------------------

def overdue_step(days_past_due: int, reminder_days, repeat_days: int) -> int | None:
    """The latest ladder step at or before ``days_past_due`` (>= 1), or None before the first."""
    steps = _overdue_steps(tuple(reminder_days))
    if not steps or days_past_due < steps[0]:
        return None
    last = steps[-1]
    if days_past_due > last and repeat_days and repeat_days > 0:
        return last + repeat_days * ((days_past_due - last) // repeat_days)
    return max(s for s in steps if s <= days_past_due)


@lru_cache(maxsize=256)
def _overdue_steps(reminder_days: tuple) -> tuple[int, ...]:
    return tuple(sorted(d for d in reminder_days if d >= 1))


def is_ladder_day(days: int, reminder_days, repeat_days: int) -> bool:
    """True on the exact days of the ladder (the rule without catch-up), for display and tests."""
    if days <= 0:
        return days in reminder_days
    return overdue_step(days, reminder_days, repeat_days) == days


# ---- the message -----------------------------------------------------------------------

def upi_link(upi_id: str, payee: str, amount: Decimal, note: str) -> str:
    """``upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…`` with every value percent-encoded (spaces as %20)."""
    params = [
        ("pa", quote(upi_id.strip(), safe="@.-_")),
        ("pn", quote(payee[:50], safe="")),
        ("am", f"{Decimal(amount).quantize(Decimal('0.01'))}"),
        ("cu", "INR"),
        ("tn", quote(note[:50], safe="")),
    ]
    return "upi://pay?" + "&".join(f"{k}={v}" for k, v in params)


def nice_date(value: date) -> str:
    return format_date(value, "d MMM y", locale="en_IN")


def compose(shop: dict, candidate: dict) -> tuple[str, dict]:
    """(free-form text, template variables) for one reminder."""
    name, shop_name = candidate["name"], shop["name"]
    amount = format_inr(candidate["amount"])
    when = nice_date(candidate["oldest_due_date"])
    count = candidate["loan_count"]
    purchases = f"{count} purchase{'s' if count != 1 else ''}"
    link = None
    if shop.get("upi_id"):
        link = upi_link(shop["upi_id"], shop_name, candidate["amount"], f"Khata {name}")
    if candidate["kind"] == "overdue":
        text = (f"Namaste {name}, this is a reminder from {shop_name}: {amount} is overdue on your "
                f"account, due since {when} ({purchases}).")
    else:
        text = (f"Namaste {name}, a friendly reminder from {shop_name}: {amount} is due on {when} "
                f"({purchases}).")
    text += f" Pay by UPI: {link}" if link else " Please pay at the shop."
    text += " Thank you!"
    variables = {"1": name, "2": shop_name, "3": amount, "4": when, "5": link or "Please pay at the shop."}
    return text, variables


# ---- selection -------------------------------------------------------------------------

def _shop_settings(shop: dict) -> tuple[tuple[int, ...], int]:
    return parse_reminder_days(shop["reminder_days"]), int(shop["reminder_repeat_days"] or 0)


def select_due(con, shop: dict, today: date) -> list[dict]:
    """Customers of ``shop`` due a reminder on ``today``, one dict each; nothing is written.

    Customers who already have an outbox row for ``today`` are left out. Opted-out and
    invalid numbers are included with ``skip_reason`` set (they get a ``skipped`` row).
    """
    return select_due_many(con, [shop], {shop["shop_id"]: today})[shop["shop_id"]]


_CANDIDATE_SQL = """
WITH open_loans AS (
    SELECT b.shop_id, b.customer_id, b.outstanding, b.due_date, b.grace_days, b.status, b.days_past_due,
           CAST(? AS DATE) - (b.due_date + b.grace_days) AS rel,
           list_contains(list_transform(string_split(s.reminder_days, ','), d -> CAST(trim(d) AS INTEGER)),
                         CAST(CAST(? AS DATE) - (b.due_date + b.grace_days) AS INTEGER)) AS courtesy_day
    FROM loan_balances_for(?, ?) b
    JOIN shops s ON s.shop_id = b.shop_id
    WHERE b.outstanding > 0 AND b.status IN ('overdue', 'pending') AND {shops}
)
SELECT o.shop_id, o.customer_id, c.name, c.phone, c.whatsapp_opt_out, c.whatsapp_invalid,
       max(o.days_past_due) FILTER (WHERE o.status = 'overdue')          AS worst,
       sum(o.outstanding) FILTER (WHERE o.status = 'overdue')            AS overdue_amount,
       min(o.due_date) FILTER (WHERE o.status = 'overdue')               AS oldest_overdue,
       count(*) FILTER (WHERE o.status = 'overdue')                      AS overdue_count,
       sum(o.outstanding) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) AS soon_amount,
       min(o.rel) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day)         AS soon_rel,
       min(o.due_date + o.grace_days) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day)
                                                                        AS soon_due,
       count(*) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) AS soon_count
FROM open_loans o
JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id
WHERE c.archived_at IS NULL
GROUP BY o.shop_id, o.customer_id, c.name, c.phone, c.whatsapp_opt_out, c.whatsapp_invalid
HAVING count(*) FILTER (WHERE o.status = 'overdue') > 0
    OR count(*) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) > 0
ORDER BY o.shop_id, o.customer_id
"""


def select_due_many(con, shops: list[dict], day_by_shop: dict[int, date]) -> dict[int, list[dict]]:
    """``select_due`` for many shops at once: one ledger query per distinct local date
    (usually one for every shop), aggregated per customer in SQL; the ladder step is
    decided here in Python."""
    enabled = [s for s in shops if s["reminders_enabled"]]
    out: dict[int, list[dict]] = {s["shop_id"]: [] for s in shops}
    by_day: dict[date, list[int]] = {}
    for s in enabled:
        by_day.setdefault(day_by_shop[s["shop_id"]], []).append(s["shop_id"])
    settings = {s["shop_id"]: _shop_settings(s) for s in enabled}
    for day, ids in by_day.items():
        if len(ids) == 1:  # the macro filters the shop itself: fastest for one shop
            customers = con.execute(_CANDIDATE_SQL.format(shops="TRUE"), [day, day, ids[0], day]).fetchall()
            scope, params = "shop_id = ?", [ids[0]]
        else:
            customers = con.execute(_CANDIDATE_SQL.format(shops="list_contains(?, b.shop_id)"),
                                    [day, day, None, day, ids]).fetchall()
            scope, params = "list_contains(?, shop_id)", [ids]
        history: dict[tuple[int, int], date] = {
            (r[0], r[1]): r[2] for r in con.execute(
                "SELECT shop_id, customer_id, max(reminder_date) FROM reminder_outbox"
                f" WHERE {scope} AND kind = 'overdue' AND reminder_date < ? GROUP BY ALL",
                [*params, day]).fetchall()}
        done_today = {(r[0], r[1]) for r in con.execute(
            f"SELECT shop_id, customer_id FROM reminder_outbox WHERE {scope} AND reminder_date = ?",
            [*params, day]).fetchall()}
        for row in customers:
            shop_id, customer_id = row[0], row[1]
            if (shop_id, customer_id) in done_today:
                continue
            days, repeat = settings[shop_id]
            candidate = _candidate(row, days, repeat, day, history.get((shop_id, customer_id)))
            if candidate is not None:
                out[shop_id].append(candidate)
    return out


def _candidate(row: tuple, days, repeat: int, today: date, last_overdue_reminder: date | None) -> dict | None:
    """The ladder for one customer (a row of _CANDIDATE_SQL): an overdue reminder on a
    ladder step not yet sent, else a courtesy 'due soon' one, else None."""
    (_, customer_id, name, phone, opted_out, invalid, worst, overdue_amount, oldest_overdue, overdue_count,
     soon_amount, soon_rel, soon_due, soon_count) = row
    candidate = None
    if overdue_count:
        step = overdue_step(worst, days, repeat)
        if step is not None:
            step_date = today - timedelta(days=worst - step)
            if last_overdue_reminder is None or last_overdue_reminder < step_date:
                candidate = {"kind": "overdue", "ladder_day": worst, "amount": overdue_amount,
                             "oldest_due_date": oldest_overdue, "loan_count": overdue_count}
    if candidate is None and soon_count:
        candidate = {"kind": "due_soon", "ladder_day": soon_rel, "amount": soon_amount,
                     "oldest_due_date": soon_due, "loan_count": soon_count}
    if candidate is None:
        return None
    candidate["amount"] = Decimal(candidate["amount"]).quantize(Decimal("0.01"))
    skip = SKIP_OPTED_OUT if opted_out else SKIP_INVALID if invalid else None
    candidate.update(customer_id=customer_id, name=name, phone=phone, skip_reason=skip)
    return candidate


# ---- the steps ------------------------------------------------------------------------

def list_shops(username: str | None = None, path=None) -> list[dict]:
    """Every shop (or the one of ``username``), with its time zone and reminder switch."""
    if username:
        keeper = get_shopkeeper(username, path)
        if keeper is None:
            raise NotFound(f"No shopkeeper with the username '{username}'.")
        where, params = " WHERE shop_id = ?", [keeper["shop_id"]]
    else:
        where, params = "", []
    return db.read(lambda con: db.rows_as_dicts(con.execute(
        "SELECT shop_id, name, timezone, reminders_enabled FROM shops" + where + " ORDER BY shop_id",
        params)), path)


def prepare(*, now: datetime | None = None, stale_after_s: float = STALE_AFTER_S, shop_ids=None,
            path=None) -> dict:
    """Close what earlier runs left open: stale ``sending`` -> ``unknown``, old ``queued`` -> ``skipped``."""
    now = _utcnow(now)
    cutoff = now - timedelta(seconds=stale_after_s)
    scope, params = "", []
    if shop_ids is not None:
        ids = [int(s) for s in shop_ids] or [-1]
        scope = f" AND o.shop_id IN ({', '.join('?' for _ in ids)})"
        params = ids

    def work(con):
        unknown = con.execute(
            "UPDATE reminder_outbox o SET status = 'unknown', error_message = ?, status_updated_at = ?"
            " WHERE status = 'sending' AND claimed_at <= ?" + scope + " RETURNING o.customer_id",
            [UNKNOWN_REASON, now, cutoff, *params]).fetchall()
        expired = con.execute(
            "UPDATE reminder_outbox o SET status = 'skipped', error_message = ?, status_updated_at = ?"
            " FROM shops s WHERE s.shop_id = o.shop_id AND o.status = 'queued'"
            " AND o.reminder_date < CAST(timezone(s.timezone, CAST(? AS TIMESTAMPTZ)) AS DATE)" + scope
            + " RETURNING o.customer_id",
            [SKIP_EXPIRED, now, now, *params]).fetchall()
        return {"unknown": len(unknown), "expired": len(expired)}

    return db.write(work, path)


def shop_rows(con, shop_ids) -> list[dict]:
    """The shops, in the order given, in one query; NotFound if any does not exist."""
    ids = [int(sid) for sid in shop_ids]
    found = {r["shop_id"]: r for r in db.rows_as_dicts(
        con.execute("SELECT * FROM shops WHERE list_contains(?, shop_id)", [ids]))}
    missing = [sid for sid in ids if sid not in found]
    if missing:
        raise NotFound("That shop does not exist.")
    return [found[sid] for sid in ids]


def plan_shop(shop_id, *, today: date | None = None, now: datetime | None = None, path=None) -> dict:
    """Select today's reminders for one shop and queue them; returns counts and the date used."""
    return plan_shops([shop_id], today=today, now=now, path=path)[0]


def plan_shops(shop_ids, *, today: date | None = None, now: datetime | None = None, path=None) -> list[dict]:
    """Select and queue today's reminders for many shops in one unit of work (one ledger
    query per distinct shop-local date); one plan dict per shop, in the order given."""
    now = _utcnow(now)

    def work(con):
        shops = shop_rows(con, shop_ids)
        days = {s["shop_id"]: (parse_date(today, "Today") if today is not None
                               else shop_today(s["timezone"], now)) for s in shops}
        due = select_due_many(con, shops, days)
        rows, plans = [], []
        for shop in shops:
            sid, day = shop["shop_id"], days[shop["shop_id"]]
            for_shop = []
            for cand in due[sid]:
                text, _ = compose(shop, cand)
                for_shop.append({
                    "shop_id": sid, "customer_id": cand["customer_id"], "reminder_date": day,
                    "kind": cand["kind"], "ladder_day": cand["ladder_day"], "amount": cand["amount"],
                    "oldest_due_date": cand["oldest_due_date"], "loan_count": cand["loan_count"],
                    "phone": cand["phone"], "message_text": text,
                    "status": "skipped" if cand["skip_reason"] else "queued",
                    "error_message": cand["skip_reason"], "created_at": now,
                    "status_updated_at": now,
                })
            rows += for_shop
            plans.append({"shop_id": sid, "shop_name": shop["name"], "reminder_date": day,
                          "selected": len(for_shop),
                          "queued": sum(1 for r in for_shop if r["status"] == "queued"),
                          "skipped": sum(1 for r in for_shop if r["status"] == "skipped")})
        _insert_outbox(con, rows)
        return plans

    return db.write(work, path)


def _insert_outbox(con, rows: list[dict]) -> int:
    if not rows:
        return 0
    import pyarrow as pa

    frame = pa.Table.from_pylist(rows)
    cols = ", ".join(frame.column_names)
    con.register("_outbox_rows", frame)
    try:
        return len(con.execute(
            f"INSERT INTO reminder_outbox ({cols}, reminder_id)"
            f" SELECT {cols}, nextval('reminder_id_seq') FROM _outbox_rows"
            " ON CONFLICT DO NOTHING RETURNING customer_id").fetchall())
    finally:
        con.unregister("_outbox_rows")


def claim(shop_dates: dict, *, run_id: str, now: datetime | None = None, batch: int = DEFAULT_BATCH,
          path=None) -> list[dict]:
    """Mark up to ``batch`` queued rows of these (shop, date) pairs ``sending``; returns them with shop data."""
    now = _utcnow(now)
    pairs = [(int(s), parse_date(d)) for s, d in shop_dates.items()]
    if not pairs:
        return []
    match = " OR ".join("(shop_id = ? AND reminder_date = ?)" for _ in pairs)
    params = [v for pair in pairs for v in pair]

    def work(con):
        keys = con.execute(
            f"SELECT shop_id, customer_id, reminder_date FROM reminder_outbox WHERE status = 'queued' AND ({match})"
            " ORDER BY shop_id, reminder_id LIMIT ?", [*params, batch]).fetchall()
        if not keys:
            return []
        import pyarrow as pa

        con.register("_claim_keys", pa.Table.from_pylist(
            [{"shop_id": k[0], "customer_id": k[1], "reminder_date": k[2]} for k in keys]))
        try:
            rows = db.rows_as_dicts(con.execute(
                "UPDATE reminder_outbox o SET status = 'sending', run_id = ?, claimed_at = ?, status_updated_at = ?"
                " FROM _claim_keys k WHERE o.shop_id = k.shop_id AND o.customer_id = k.customer_id"
                " AND o.reminder_date = k.reminder_date AND o.status = 'queued'"
                " RETURNING o.shop_id, o.customer_id, o.reminder_date, o.kind, o.amount, o.oldest_due_date,"
                " o.loan_count, o.phone, o.message_text", [run_id, now, now]))
            shops = {s["shop_id"]: s for s in db.rows_as_dicts(con.execute(
                "SELECT shop_id, name, upi_id FROM shops WHERE shop_id IN (SELECT shop_id FROM _claim_keys)"))}
            names = {(r[0], r[1]): r[2] for r in con.execute(
                "SELECT c.shop_id, c.customer_id, c.name FROM customers c"
                " JOIN _claim_keys k ON k.shop_id = c.shop_id AND k.customer_id = c.customer_id").fetchall()}
        finally:
            con.unregister("_claim_keys")
        for row in rows:
            shop = shops[row["shop_id"]]
            cand = {**row, "name": names.get((row["shop_id"], row["customer_id"]), "")}
            row["variables"] = compose(shop, cand)[1]
        rows.sort(key=lambda r: (r["shop_id"], r["customer_id"]))
        return rows

    return db.write(work, path)


def deliver(rows: list[dict], notifier: Notifier, *, rate_per_s: float | None = None,
            limiter: RateLimiter | None = None, workers: int | None = None, max_attempts: int = 4,
            backoff_s: float = 0.5, logger=None) -> list[dict]:
    """Send the claimed rows (no database connection is open here); one result dict per row.

    Concurrent (``workers`` threads), at most ``rate_per_s`` requests a second (retries
    included), transient errors retried up to ``max_attempts`` with exponential backoff
    and jitter. A failure is recorded for that customer only; nothing here raises.
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
                                  key=(row["shop_id"], row["customer_id"], row["reminder_date"]))
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
                "sent_at": datetime.now(timezone.utc) if result.status in ("sent", "simulated") else None}

    if workers == 1 or len(rows) == 1:
        return [one(r) for r in rows]
    with ThreadPoolExecutor(max_workers=min(workers, len(rows)), thread_name_prefix="remind") as pool:
        return list(pool.map(one, rows))


def record_results(results: list[dict], *, run_id: str, now: datetime | None = None, path=None) -> dict:
    """Write what happened to each claimed row; flag numbers that are not on WhatsApp."""
    now = _utcnow(now)
    if not results:
        return {}
    import pyarrow as pa

    frame = pa.Table.from_pylist([
        {k: r[k] for k in ("shop_id", "customer_id", "reminder_date", "status", "message_sid", "error_code",
                           "error_message", "attempts", "sent_at")} for r in results],
        schema=pa.schema([("shop_id", pa.int64()), ("customer_id", pa.int64()), ("reminder_date", pa.date32()),
                          ("status", pa.string()), ("message_sid", pa.string()), ("error_code", pa.string()),
                          ("error_message", pa.string()), ("attempts", pa.int32()),
                          ("sent_at", pa.timestamp("us", tz="UTC"))]))
    invalid = [r for r in results if r["invalid_number"]]

    def work(con):
        con.register("_results", frame)
        try:
            con.execute(
                "UPDATE reminder_outbox o SET status = r.status, message_sid = r.message_sid,"
                " error_code = r.error_code, error_message = r.error_message, attempts = o.attempts + r.attempts,"
                " sent_at = r.sent_at, status_updated_at = ?"
                " FROM _results r WHERE o.shop_id = r.shop_id AND o.customer_id = r.customer_id"
                " AND o.reminder_date = r.reminder_date AND o.run_id = ? AND o.status IN ('sending', 'unknown')",
                [now, run_id])
        finally:
            con.unregister("_results")
        for r in invalid:
            changed = con.execute(
                "UPDATE customers SET whatsapp_invalid = TRUE, updated_at = ? WHERE shop_id = ? AND customer_id = ?"
                " AND NOT whatsapp_invalid RETURNING customer_id", [now, r["shop_id"], r["customer_id"]]).fetchall()
            if changed:
                audit(con, r["shop_id"], "reminders", "flag_whatsapp_invalid", "customer", r["customer_id"],
                      {"whatsapp_invalid": False}, {"whatsapp_invalid": True, "twilio_error": r["error_code"]})
        counts: dict[str, int] = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return counts

    return db.write(work, path)


_TWILIO_STATUS = {"delivered": "delivered", "read": "read", "failed": "failed", "undelivered": "failed"}


def refresh_statuses(notifier: Notifier, *, now: datetime | None = None, days: int = REFRESH_DAYS,
                     rate_per_s: float | None = None, workers: int | None = None, shop_ids=None,
                     logger=None, path=None) -> dict:
    """Ask Twilio about messages sent in the last ``days`` days; record delivered/read/failed."""
    logger = logger or log
    now = _utcnow(now)
    if notifier.dry_run:
        return {"checked": 0, "updated": 0}
    scope, params = "", []
    if shop_ids is not None:
        ids = [int(s) for s in shop_ids] or [-1]
        scope = f" AND shop_id IN ({', '.join('?' for _ in ids)})"
        params = ids
    pending = db.read(lambda con: db.rows_as_dicts(con.execute(
        "SELECT shop_id, customer_id, reminder_date, message_sid, status FROM reminder_outbox"
        " WHERE message_sid IS NOT NULL AND status IN ('sent', 'delivered') AND sent_at >= ?" + scope,
        [now - timedelta(days=days), *params])), path)
    if not pending:
        return {"checked": 0, "updated": 0}
    limiter = RateLimiter(rate_per_s or rate_from_env())

    def one(row):
        limiter.acquire()
        return row, notifier.fetch_status(row["message_sid"])

    with ThreadPoolExecutor(max_workers=max(1, min(workers or workers_from_env(), len(pending)))) as pool:
        answers = list(pool.map(one, pending))
    changes = []
    for row, answer in answers:
        if answer is None:
            continue
        new = _TWILIO_STATUS.get(answer.status)
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
            if code == "63003":
                con.execute("UPDATE customers SET whatsapp_invalid = TRUE WHERE shop_id = ? AND customer_id = ?",
                            [row["shop_id"], row["customer_id"]])
        return len(changes)

    updated = db.write(work, path)
    logger.info("Refreshed Twilio status of %d message(s); %d changed.", len(pending), updated)
    return {"checked": len(pending), "updated": updated}


def summarize(shop_dates: dict, path=None) -> list[dict]:
    """Per shop and date: selected, sent (incl. delivered/read), simulated, skipped, failed, unknown."""
    def work(con):
        out = []
        for shop_id, day in shop_dates.items():
            name = con.execute("SELECT name FROM shops WHERE shop_id = ?", [int(shop_id)]).fetchone()
            counts = dict(con.execute(
                "SELECT status, count(*) FROM reminder_outbox WHERE shop_id = ? AND reminder_date = ? GROUP BY status",
                [int(shop_id), parse_date(day)]).fetchall())
            out.append({
                "shop_id": int(shop_id), "shop": name[0] if name else "?", "date": parse_date(day).isoformat(),
                "selected": sum(counts.values()),
                "sent": sum(counts.get(s, 0) for s in ("sent", "delivered", "read")),
                "simulated": counts.get("simulated", 0), "skipped": counts.get("skipped", 0),
                "failed": counts.get("failed", 0), "unknown": counts.get("unknown", 0),
                "pending": counts.get("queued", 0) + counts.get("sending", 0),
            })
        return out

    return db.read(work, path)


def failures(shop_dates: dict, path=None) -> list[dict]:
    """Failed and unknown reminders of these (shop, date) pairs, with masked phones and reasons."""
    def work(con):
        out = []
        for shop_id, day in shop_dates.items():
            out += db.rows_as_dicts(con.execute(
                "SELECT o.shop_id, s.name AS shop, c.name AS customer, o.phone, o.status, o.error_code,"
                " o.error_message, o.attempts FROM reminder_outbox o JOIN shops s USING (shop_id)"
                " LEFT JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id"
                " WHERE o.shop_id = ? AND o.reminder_date = ? AND o.status IN ('failed', 'unknown')"
                " ORDER BY c.name", [int(shop_id), parse_date(day)]))
        for row in out:
            row["phone"] = mask_phone(row["phone"])
        return out

    return db.read(work, path)


def new_run_id() -> str:
    return uuid.uuid4().hex


def run_reminders(*, today: date | None = None, now: datetime | None = None, shop: str | None = None,
                  notifier: Notifier | None = None, dry_run: bool = False, config=None,
                  rate_per_s: float | None = None, workers: int | None = None, batch: int = DEFAULT_BATCH,
                  stale_after_s: float = STALE_AFTER_S, max_attempts: int = 4, backoff_s: float = 0.5,
                  limiter: RateLimiter | None = None, logger=None, path=None) -> dict:
    """All the steps in order, without Prefect (the CLI and the benchmark use this).

    ``notifier`` wins; else Twilio when ``config`` (or the environment) has credentials and
    ``dry_run`` is false; else the outbox-only dry run.
    """
    from .notify import make_notifier
    from .notify.twilio_whatsapp import TwilioConfig

    logger = logger or log
    now = _utcnow(now)
    if notifier is None:
        config = config if config is not None else (None if dry_run else TwilioConfig.from_env())
        notifier = make_notifier(config, dry_run=dry_run)
    shops = list_shops(shop, path)
    ids = [s["shop_id"] for s in shops]
    prepared = prepare(now=now, stale_after_s=stale_after_s, shop_ids=ids if shop else None, path=path)
    refreshed = refresh_statuses(notifier, now=now, rate_per_s=rate_per_s, shop_ids=ids if shop else None,
                                 logger=logger, path=path)
    plans = plan_shops([s["shop_id"] for s in shops], today=today, now=now, path=path)
    shop_dates = {p["shop_id"]: p["reminder_date"] for p in plans}
    run_id = new_run_id()
    if limiter is None and not notifier.dry_run:
        limiter = RateLimiter(rate_per_s or rate_from_env())
    while True:
        rows = claim(shop_dates, run_id=run_id, now=now, batch=batch, path=path)
        if not rows:
            break
        results = deliver(rows, notifier, limiter=limiter, workers=workers, max_attempts=max_attempts,
                          backoff_s=backoff_s, logger=logger)
        record_results(results, run_id=run_id, path=path)
    summary = summarize(shop_dates, path)
    for s in summary:
        logger.info("%s %s: selected %d, sent %d, simulated %d, skipped %d, failed %d, unknown %d",
                    s["shop"], s["date"], s["selected"], s["sent"], s["simulated"], s["skipped"],
                    s["failed"], s["unknown"])
    return {"run_id": run_id, "dry_run": notifier.dry_run, "prepared": prepared, "refreshed": refreshed,
            "shops": summary, "totals": _totals(summary)}


def _totals(summary: list[dict]) -> dict:
    keys = ("selected", "sent", "simulated", "skipped", "failed", "unknown")
    return {k: sum(s[k] for s in summary) for k in keys}


# ---- for the dashboard -----------------------------------------------------------------

def reminder_log(shop_id, *, date_from=None, date_to=None, status: str | None = None, limit: int = 200,
                 path=None) -> list[dict]:
    """The shop's reminders, newest first (the dashboard's Reminders page)."""
    if status is not None and status not in STATUSES:
        raise ValidationError(f"Unknown reminder status '{status}'.")
    limit = max(1, min(int(limit), 5000))

    def work(con):
        sid = shop_row(con, shop_id)["shop_id"]
        where, params = ["shop_id = ?"], [sid]
        if date_from not in (None, ""):
            where.append("reminder_date >= ?")
            params.append(parse_date(date_from, "From"))
        if date_to not in (None, ""):
            where.append("reminder_date <= ?")
            params.append(parse_date(date_to, "To"))
        if status:
            where.append("status = ?")
            params.append(status)
        return db.rows_as_dicts(con.execute(
            "SELECT customer_id, customer_name, reminder_date, kind, ladder_day, amount, oldest_due_date,"
            " loan_count, status, error_code, error_message, message_sid, attempts, sent_at, status_updated_at,"
            " message_text FROM reminder_log WHERE " + " AND ".join(where)
            + " ORDER BY reminder_date DESC, customer_name LIMIT ?", [*params, limit]))

    return db.read(work, path)


def upcoming_reminders(shop_id, *, today: date | None = None, path=None) -> list[dict]:
    """Who gets a reminder tomorrow (if nothing is paid today): name, masked phone, kind, amount."""
    def work(con):
        shop = shop_row(con, shop_id)
        tomorrow = resolve_today(con, shop["shop_id"], today) + timedelta(days=1)
        out = []
        for cand in select_due(con, shop, tomorrow):
            out.append({
                "customer_id": cand["customer_id"], "customer_name": cand["name"],
                "phone": mask_phone(cand["phone"]), "reminder_date": tomorrow, "kind": cand["kind"],
                "ladder_day": cand["ladder_day"], "amount": cand["amount"],
                "oldest_due_date": cand["oldest_due_date"], "loan_count": cand["loan_count"],
                "will_send": cand["skip_reason"] is None, "skip_reason": cand["skip_reason"],
                "message_text": compose(shop, cand)[0],
            })
        out.sort(key=lambda r: (-r["amount"], r["customer_name"]))
        return out

    return db.read(work, path)
