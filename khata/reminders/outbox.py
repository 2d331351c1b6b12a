"""The outbox: one row per (shop, customer, reminder date), written before anything is sent.

``prepare`` closes what earlier runs left open, ``plan_shops`` selects and queues
the day's reminders, ``claim`` hands a batch to the sender in a short
transaction, ``record_results`` writes what happened in another one. The primary
key (shop, customer, date) makes a second run that day select nobody. No step
reads the clock: the run's ``now`` is handed in.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from .. import db
from ..accounts import shop_languages
from ..book import record_audit
from ..customer_links import with_page_links
from ..dates import parse_date, shop_today
from ..notify.codes import opted_out
from .consent import opt_out_for_error
from .message import compose
from .run_context import RUN_ACTOR, checked_now
from .selection import select_due_many, shop_rows

DEFAULT_BATCH = 500           # rows claimed per short transaction
STALE_AFTER_S = 15 * 60       # a 'sending' row older than this belongs to a run that died
SKIP_EXPIRED = "Not sent on its day (the run stopped before sending); not resent later."
UNKNOWN_REASON = "The run stopped after claiming this message: it may or may not have been sent. Not resent."
def prepare(root, *, now: datetime, shop_ids, stale_after_s: float = STALE_AFTER_S) -> dict:
    """Close what earlier runs left open: stale ``sending`` -> ``unknown``, old ``queued`` -> ``skipped``."""
    now = checked_now(now)
    ids = [int(s) for s in shop_ids]
    cutoff = now - timedelta(seconds=stale_after_s)

    def work(con):
        unknown = con.execute(
            "UPDATE reminder_outbox o SET status = 'unknown', error_message = ?, status_updated_at = ?"
            " WHERE status = 'sending' AND claimed_at <= ? AND list_contains(?, o.shop_id) RETURNING o.customer_id",
            [UNKNOWN_REASON, now, cutoff, ids]).fetchall()
        expired = con.execute(
            "UPDATE reminder_outbox o SET status = 'skipped', error_message = ?, status_updated_at = ?"
            " FROM shops s WHERE s.shop_id = o.shop_id AND o.status = 'queued'"
            " AND o.reminder_date < CAST(timezone(s.timezone, CAST(? AS TIMESTAMPTZ)) AS DATE)"
            " AND list_contains(?, o.shop_id) RETURNING o.customer_id",
            [SKIP_EXPIRED, now, now, ids]).fetchall()
        return {"unknown": len(unknown), "expired": len(expired)}

    return root.in_transaction(work)


def _due_rows(con, shop_ids, today: date | None, now: datetime,
              run_id: str | None = None) -> tuple[list[dict], list[dict]]:
    """(outbox rows the day's selection would write, one plan dict per shop)."""
    shops = shop_rows(con, shop_ids)
    days = {s["shop_id"]: parse_date(today, "Today") if today is not None else shop_today(s["timezone"], now)
            for s in shops}
    due = select_due_many(con, shops, days, now)
    rows, plans = [], []
    for shop in shops:
        sid, day = shop["shop_id"], days[shop["shop_id"]]
        for_shop = []
        for cand in with_page_links(con, sid, due[sid], day):
            text = compose(shop, cand)[0]
            for_shop.append({
                "shop_id": sid, "customer_id": cand["customer_id"], "reminder_date": day,
                "kind": cand["kind"], "ladder_day": cand["ladder_day"], "amount": cand["amount"],
                "oldest_due_date": cand["oldest_due_date"], "loan_count": cand["loan_count"],
                "phone": cand["phone"], "message_text": text,
                "status": "skipped" if cand["skip_reason"] else "queued",
                "error_message": cand["skip_reason"], "created_at": now, "status_updated_at": now,
                "run_id": run_id,
            })
        rows += for_shop
        plans.append({"shop_id": sid, "shop_name": shop["name"], "reminder_date": day,
                      "selected": len(for_shop),
                      "queued": sum(1 for r in for_shop if r["status"] == "queued"),
                      "skipped": sum(1 for r in for_shop if r["status"] == "skipped")})
    return rows, plans


def plan_shop(root, shop_id, *, now: datetime, today: date | None = None, run_id: str | None = None) -> dict:
    """Select today's reminders for one shop and queue them; returns counts and the date used."""
    return plan_shops(root, [shop_id], today=today, now=now, run_id=run_id)[0]


def plan_shops(root, shop_ids, *, now: datetime, today: date | None = None, run_id: str | None = None) -> list[dict]:
    """Select and queue today's reminders for many shops in one unit of work (one ledger
    query per distinct shop-local date); one plan dict per shop, in the order given. The
    rows carry the planning run's ``run_id`` (its skipped rows too), so a run counts its own."""
    now = checked_now(now)

    def work(con):
        rows, plans = _due_rows(con, shop_ids, today, now, run_id)
        _insert_outbox(con, rows)
        return plans

    return root.in_transaction(work)


def preview_shops(root, shop_ids, *, now: datetime, today: date | None = None) -> tuple[list[dict], list[dict]]:
    """What ``plan_shops`` would queue, plus rows already queued for that day (a real run
    would send those too), without writing anything: the dry run's answer."""
    now = checked_now(now)

    def work(con):
        rows, plans = _due_rows(con, shop_ids, today, now)
        waiting = []
        if plans:
            match = " OR ".join("(shop_id = ? AND reminder_date = ?)" for _ in plans)
            waiting = db.rows_as_dicts(con.execute(
                "SELECT shop_id, customer_id, reminder_date, kind, ladder_day, amount, oldest_due_date, loan_count,"
                " phone, message_text, status, error_message, created_at, status_updated_at FROM reminder_outbox"
                f" WHERE status = 'queued' AND ({match}) ORDER BY shop_id, customer_id",
                [v for p in plans for v in (p["shop_id"], p["reminder_date"])]))
        by_shop = {p["shop_id"]: p for p in plans}
        for row in waiting:
            by_shop[row["shop_id"]]["selected"] += 1
            by_shop[row["shop_id"]]["queued"] += 1
        rows += waiting
        names = {(r[0], r[1]): r[2] for r in con.execute(  # the preview shows who, not only a masked phone
            "SELECT shop_id, customer_id, name FROM customers WHERE list_contains(?, shop_id)",
            [[int(s) for s in shop_ids]]).fetchall()} if rows else {}
        for row in rows:
            row["customer"] = names.get((row["shop_id"], row["customer_id"]), "")
        return rows, plans

    return root.on_connection(work)


def _insert_outbox(con, rows: list[dict]) -> int:
    """Append the planned rows, each with the next ``reminder_id``."""
    if not rows:
        return 0
    ids = [r[0] for r in con.execute("SELECT nextval('reminder_id_seq') FROM range(?)", [len(rows)]).fetchall()]
    return db.insert_rows(con, "reminder_outbox", [{**row, "reminder_id": rid} for row, rid in zip(rows, ids)])


def claim(root, shop_dates: dict, *, run_id: str, now: datetime, batch: int = DEFAULT_BATCH) -> list[dict]:
    """Mark up to ``batch`` queued rows of these (shop, date) pairs ``sending``; returns them
    with the message text, the customer's language and the template variables in it."""
    now = checked_now(now)
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

        db.register(con, "_claim_keys", pa.Table.from_pylist(
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
            people = {(r[0], r[1]): r[2:] for r in con.execute(
                "SELECT c.shop_id, c.customer_id, c.name, c.language FROM customers c"
                " JOIN _claim_keys k ON k.shop_id = c.shop_id AND k.customer_id = c.customer_id").fetchall()}
        finally:
            con.unregister("_claim_keys")
        languages = shop_languages(con, shops)
        for (sid, day), group in _groups(rows).items():
            with_page_links(con, sid, group, day)  # the same link as the queued text (same day)
        for row in rows:
            name, language = people.get((row["shop_id"], row["customer_id"]), ("", None))
            row["language"] = language or languages[row["shop_id"]]
            row["variables"] = compose(shops[row["shop_id"]], {**row, "name": name})[1]
        rows.sort(key=lambda r: (r["shop_id"], r["customer_id"]))
        return rows

    return root.in_transaction(work)


def _groups(rows: list[dict]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["shop_id"], row["reminder_date"]), []).append(row)
    return groups


def flag_not_on_whatsapp(con, shop_id: int, customer_id: int, error_code, now: datetime) -> bool:
    """Mark the customer's number as not on WhatsApp (later runs skip it), with an audit
    line; False when it was already flagged."""
    changed = con.execute(
        "UPDATE customers SET whatsapp_invalid = TRUE, updated_at = ? WHERE shop_id = ? AND customer_id = ?"
        " AND NOT whatsapp_invalid RETURNING customer_id", [now, shop_id, customer_id]).fetchall()
    if changed:
        record_audit(con, shop_id, RUN_ACTOR, "flag_whatsapp_invalid", "customer", customer_id,
                     {"whatsapp_invalid": False}, {"whatsapp_invalid": True, "twilio_error": error_code})
    return bool(changed)


def record_results(root, results: list[dict], *, run_id: str, now: datetime) -> dict:
    """Write what happened to each claimed row; flag numbers that are not on WhatsApp and turn
    reminders off for customers Twilio says blocked or opted out of the sender."""
    now = checked_now(now)
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

    def work(con):
        db.register(con, "_results", frame)
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
        for r in results:
            if r["invalid_number"]:
                flag_not_on_whatsapp(con, r["shop_id"], r["customer_id"], r["error_code"], now)
            elif opted_out(r["error_code"]):       # blocked or opted out of the sender: stop reminding
                opt_out_for_error(con, r["shop_id"], r["customer_id"], r["error_code"], now)
        counts: dict[str, int] = {}
        for r in results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return counts

    return root.in_transaction(work)

