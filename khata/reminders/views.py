"""What people read about reminders: the shop's log and tomorrow's list (the
Reminders page, through a ``Book``), and the run's summary and failures (the
operator, in the Prefect UI and the CLI)."""
from __future__ import annotations

from datetime import timedelta

from .. import db
from ..customer_links import with_page_links
from ..dates import parse_date
from ..errors import ValidationError
from ..i18n import N_, _
from ..notify import codes
from ..phones import mask_phone
from .message import compose
from .selection import select_due
from .statuses import STATE_WORDS, STATUSES

TOTAL_KEYS = ("selected", "sent", "simulated", "skipped", "failed", "unknown")


def delivery_state(status: str, error_code=None, error_message: str | None = None) -> str:
    """One outbox row's state in plain words, in the current language; a failure says why
    (``khata.notify.codes``: 63016 -> outside WhatsApp's 24-hour window ...)."""
    if status == "failed":
        return _("Failed: {reason}").format(
            reason=codes.reason(error_code, error_message) or _("Twilio gave no reason"))
    if status == "skipped":
        return _("Not sent: {reason}").format(
            reason=codes.reason(error_code, error_message and _(error_message)) or _("skipped"))
    words = STATE_WORDS.get(status)
    return _(words) if words else status


def reminder_log(book, *, date_from=None, date_to=None, status: str | None = None,
                 limit: int | None = None) -> list[dict]:
    """The shop's reminders, newest first; every row unless ``limit`` is given."""
    if status is not None and status not in STATUSES:
        raise ValidationError(_("Unknown reminder status '{status}'.").format(status=status))
    where, params = ["shop_id = ?"], [book.shop_id]
    if date_from not in (None, ""):
        where.append("reminder_date >= ?")
        params.append(parse_date(date_from, N_("From")))
    if date_to not in (None, ""):
        where.append("reminder_date <= ?")
        params.append(parse_date(date_to, N_("To")))
    if status:
        where.append("status = ?")
        params.append(status)
    sql = ("SELECT customer_id, customer_name, reminder_date, kind, ladder_day, amount, oldest_due_date,"
           " loan_count, status, error_code, error_message, message_sid, attempts, sent_at, status_updated_at,"
           " message_text, channel FROM reminder_log WHERE " + " AND ".join(where)
           + " ORDER BY reminder_date DESC, customer_name, customer_id")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValidationError(_("The number of reminders to show must be a whole number of at least 1."))
        sql += " LIMIT ?"
        params.append(limit)
    return book.rows(sql, params)


def _upcoming_row(book, due: dict, tomorrow) -> dict:
    return {
        "customer_id": due["customer_id"], "customer_name": due["name"],
        "phone": mask_phone(due["phone"]), "reminder_date": tomorrow, "kind": due["kind"],
        "ladder_day": due["ladder_day"], "amount": due["amount"],
        "oldest_due_date": due["oldest_due_date"], "loan_count": due["loan_count"],
        "will_send": due["skip_reason"] is None, "skip_reason": due["skip_reason"],
        "message_text": compose(book.shop, due)[0],
    }


def upcoming_page(book, *, offset: int = 0, limit: int | None = None) -> dict:
    """Who gets a reminder tomorrow (if nothing is paid today), largest amount first:
    ``{"rows", "count", "offset"}`` with the rows from ``offset`` (at most ``limit``). Only those
    rows get a masked phone and their message: composing 5,000 messages was most of a big
    shop's Reminders page, which shows 100."""
    tomorrow = book.today + timedelta(days=1)
    due = sorted(select_due(book.con, book.shop, tomorrow), key=lambda d: (-d["amount"], d["name"]))
    offset = max(0, int(offset))
    picked = due[offset:] if limit is None else due[offset:offset + int(limit)]
    with_page_links(book.con, book.shop_id, picked, tomorrow)
    return {"rows": [_upcoming_row(book, d, tomorrow) for d in picked], "count": len(due), "offset": offset}


def upcoming_reminders(book) -> list[dict]:
    """Who gets a reminder tomorrow (if nothing is paid today): name, masked phone, kind, amount, message."""
    return upcoming_page(book)["rows"]


def summarize(root, shop_dates: dict, run_id: str | None = None) -> list[dict]:
    """Per shop and date: selected, sent (incl. delivered/read), simulated, skipped, failed, unknown;
    with ``run_id``, only the rows that run planned or sent (its own counts, not the day's)."""
    mine = " AND run_id = ?" if run_id else ""

    def work(con):
        out = []
        for shop_id, day in shop_dates.items():
            name = con.execute("SELECT name FROM shops WHERE shop_id = ?", [int(shop_id)]).fetchone()
            counts = dict(con.execute(
                "SELECT status, count(*) FROM reminder_outbox WHERE shop_id = ? AND reminder_date = ?"
                f"{mine} GROUP BY status", [int(shop_id), parse_date(day), *([run_id] if run_id else [])]).fetchall())
            out.append({
                "shop_id": int(shop_id), "shop": name[0] if name else "?", "date": parse_date(day).isoformat(),
                "selected": sum(counts.values()),
                "sent": sum(counts.get(s, 0) for s in ("sent", "delivered", "read")),
                "simulated": counts.get("simulated", 0), "skipped": counts.get("skipped", 0),
                "failed": counts.get("failed", 0), "unknown": counts.get("unknown", 0),
                "pending": counts.get("queued", 0) + counts.get("sending", 0),
            })
        return out

    return root.on_connection(work)


def totals(summary: list[dict]) -> dict:
    """The run's totals over every shop of a summary."""
    return {k: sum(s[k] for s in summary) for k in TOTAL_KEYS}


def failures(root, shop_dates: dict) -> list[dict]:
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

    return root.on_connection(work)
