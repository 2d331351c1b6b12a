"""A customer's statement: what the PDF, the customer page's QR and the CLI show.

One read of the book gives the shop, the customer with balances, every entry with
its running balance, and the UPI link for the amount due, so every form of the
statement tells the same story.
"""
from __future__ import annotations

from decimal import Decimal

from .book import Book
from .customers import customer_language, get_customer
from .i18n import _, use_language
from .money import format_inr
from .reminders.message import one_line, upi_link
from .reports import customer_statement


def statement_for(book: Book, customer_id) -> dict:
    """Shop, customer, entries (date order, running balance), due, overdue, the UPI pay link and
    the customer's language (theirs, else the shop's), which the PDF is written in."""
    customer = get_customer(book, customer_id, include_archived=True)
    entries = customer_statement(book, customer["customer_id"])
    shop = dict(book.shop)
    due = Decimal(customer["outstanding"])
    language = customer_language(book, customer)
    with use_language(language):  # the pay note is read in the customer's UPI app
        link = pay_link(shop, customer["name"], due)
    return {
        "shop": {"name": shop["name"], "phone": shop.get("phone"), "upi_id": shop.get("upi_id")},
        "customer": customer,
        "entries": entries,
        "period_from": entries[0]["entry_date"] if entries else None,
        "period_to": book.today,
        "due": due,
        "overdue": Decimal(customer["overdue"]),
        "upi_link": link,
        "language": language,
    }


def pay_link(shop: dict, customer_name: str, amount: Decimal) -> str | None:
    """``upi://pay`` for ``amount`` to the shop's UPI id; None without a UPI id or nothing due."""
    if not shop.get("upi_id") or amount <= 0:
        return None
    note = _("Khata {name}").format(name=one_line(customer_name))
    return upi_link(one_line(shop["upi_id"]), one_line(shop["name"]), amount, note)


def pay_words(statement: dict) -> str:
    """What to pay and where, in words a customer reads (the QR beside them carries the link,
    which is never printed: percent-encoded, it means nothing to a person)."""
    return _("Pay {amount} to UPI ID {upi_id} ({payee}).").format(
        amount=format_inr(statement["due"]), upi_id=statement["shop"]["upi_id"], payee=statement["shop"]["name"])
