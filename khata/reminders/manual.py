"""One-tap reminders from the shopkeeper's own WhatsApp or SMS app (no Twilio account needed).

The same message builder as the automatic run; the links open the app with the text filled
in. A tap is recorded as the customer's reminder for the day (status ``opened``), so the
daily run (``ladder.SEND_TIME``) sends no second message and the ladder counts the step.
"""
from __future__ import annotations

from urllib.parse import quote

from ..book import Book
from ..customer_links import with_page_links
from ..customers import customer_language, customer_row
from ..errors import Conflict, ValidationError
from ..i18n import _
from .message import compose, compose_sms
from .selection import messaged_customers, select_due

CHANNELS = ("whatsapp_manual", "sms_manual")


def whatsapp_link(phone: str, text: str) -> str:
    """``https://wa.me/<digits>?text=…``: WhatsApp wants the E.164 number without the +."""
    return f"https://wa.me/{phone.lstrip('+')}?text={quote(text, safe='')}"


def sms_link(phone: str, text: str) -> str:
    """``sms:<E.164>?body=…``, which Android and iOS both open in the messages app."""
    return f"sms:{phone}?body={quote(text, safe='')}"


def _done_today(book: Book) -> dict[int, dict]:
    rows = book.rows("SELECT customer_id, channel, status FROM reminder_outbox WHERE shop_id = ? AND reminder_date = ?",
                     [book.shop_id, book.today])
    return {r["customer_id"]: r for r in rows}


def _messaged_today(book: Book, customer_id: int) -> bool:
    """Messaged today by any run or tap, whatever reminder date it was for (a catch-up)."""
    return (book.shop_id, customer_id) in messaged_customers(book.con, [book.shop], {book.shop_id: book.today},
                                                              book.now)


def _with_links(due: dict, text: str, sms: str | None = None) -> dict:
    """The reminder with its WhatsApp text and both one-tap links (the SMS may be shorter)."""
    return {**due, "message_text": text, "whatsapp_link": whatsapp_link(due["phone"], text),
            "sms_link": sms_link(due["phone"], sms or text)}


def _composed(book: Book, due: dict) -> dict:
    return _with_links(due, compose(book.shop, due)[0], compose_sms(book.shop, due))


def remind_today(book: Book, *, offset: int = 0, limit: int | None = None) -> dict:
    """The customers the ladder picks for today, largest amount first (one order all day, so a tap
    does not move anyone to another page; those reminded show it):
    ``count``, ``waiting``, ``done`` and the ``rows`` from ``offset`` (``limit`` of them; all when
    None), each with the message, its two links and ``done`` (how they were reminded today).
    Messages are built only for the rows returned: a big shop has thousands to pick from."""
    people = [{**due, "done": None} for due in select_due(book.con, book.shop, book.today, book.now)
              if not due["skip_reason"]]  # opted out or not reachable: no button
    waiting = len(people)
    people += [{**row, "done": row["channel"]} for row in book.rows(
        "SELECT o.customer_id, c.name, o.phone, o.amount, o.kind, o.oldest_due_date, o.channel, o.message_text"
        " FROM reminder_outbox o JOIN customers c USING (shop_id, customer_id)"
        " WHERE o.shop_id = ? AND o.reminder_date = ? AND o.status <> 'skipped'",
        [book.shop_id, book.today])]
    people.sort(key=lambda r: (-r["amount"], r["name"], r["customer_id"]))
    offset = max(0, int(offset))
    shown = people[offset:] if limit is None else people[offset:offset + int(limit)]
    with_page_links(book.con, book.shop_id, [p for p in shown if not p["done"]], book.today)
    rows = [_with_links(p, p["message_text"]) if p["done"] else _composed(book, p) for p in shown]
    return {"count": len(people), "waiting": waiting, "done": len(people) - waiting, "offset": offset, "rows": rows}


def reminded_today(book: Book, customer_id) -> str | None:
    """How the customer was reminded today (the outbox channel), None when not yet."""
    row = _done_today(book).get(customer_row(book, customer_id)["customer_id"])
    return row["channel"] if row and row["status"] != "skipped" else None


def reminder_for(book: Book, customer_id) -> dict | None:
    """Today's one-tap reminder for one customer (customer page): the ladder's pick when there is
    one, else what is overdue now; None when nothing is overdue or due, or they opted out."""
    customer = customer_row(book, customer_id)
    if customer["whatsapp_opt_out"]:
        return None
    for due in select_due(book.con, book.shop, book.today, book.now):
        if due["customer_id"] == customer["customer_id"]:
            return None if due["skip_reason"] else _composed(book, with_page_links(
                book.con, book.shop_id, [due], book.today)[0])
    row = book.row(
        "SELECT sum(outstanding) AS amount, min(due_date) AS oldest, count(*) AS n, max(days_past_due) AS worst"
        " FROM loan_balances_for(?, ?) WHERE customer_id = ? AND status = 'overdue'",
        [book.shop_id, book.today, customer["customer_id"]])
    if not row or not row["n"]:
        return None
    due = {"customer_id": customer["customer_id"], "name": customer["name"], "phone": customer["phone"],
           "language": customer_language(book, customer), "kind": "overdue", "ladder_day": row["worst"],
           "amount": row["amount"], "oldest_due_date": row["oldest"], "loan_count": row["n"], "skip_reason": None}
    return _composed(book, with_page_links(book.con, book.shop_id, [due], book.today)[0])


def record_manual_reminder(book: Book, customer_id, channel: str) -> dict:
    """Record a tap on "Send on WhatsApp" / "Send SMS" as the customer's reminder for today.
    A second tap the same day records nothing more; returns {recorded, reminder}."""
    if channel not in CHANNELS:
        raise ValidationError(_("Choose WhatsApp or SMS."))
    customer = customer_row(book, customer_id)
    if customer["whatsapp_opt_out"]:
        raise Conflict(_("{name} asked not to get reminders.").format(name=customer["name"]))
    reminder = reminder_for(book, customer["customer_id"])
    existing = _done_today(book).get(customer["customer_id"])
    if existing is not None:
        return {"recorded": False, "reminder": reminder, "channel": existing["channel"]}
    if _messaged_today(book, customer["customer_id"]):  # a catch-up run's message for yesterday, sent today
        return {"recorded": False, "reminder": None, "channel": "whatsapp"}
    if reminder is None:
        raise Conflict(_("{name} has nothing overdue or due to be reminded about.").format(name=customer["name"]))
    rid = book.value("SELECT nextval('reminder_id_seq')")
    book.insert_rows("reminder_outbox", [{
        "shop_id": book.shop_id, "customer_id": customer["customer_id"], "reminder_date": book.today,
        "reminder_id": rid, "kind": reminder["kind"], "ladder_day": reminder["ladder_day"],
        "amount": reminder["amount"], "oldest_due_date": reminder["oldest_due_date"],
        "loan_count": reminder["loan_count"], "phone": reminder["phone"], "message_text": reminder["message_text"],
        "channel": channel, "status": "opened", "attempts": 1, "created_at": book.now, "sent_at": book.now,
        "status_updated_at": book.now}])
    book.audit("manual_reminder", "customer", customer["customer_id"], None,
               {"channel": channel, "reminder_date": book.today.isoformat()})
    return {"recorded": True, "reminder": reminder, "channel": channel}
