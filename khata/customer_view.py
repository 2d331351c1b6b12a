"""What a customer's link shows: their own khata, read as the link's principal.

The public page (dashboard/app_pages/customer_link.py) hands the token from its address to
``visit`` and shows what comes back. The token alone decides which customer: the services here
read the customer's id from the Book's principal (``principals.customer_link``), never from an
argument, and the permission table lets that principal call these services and no other.
What the shop keeps for itself stays out: the customer's notes, address and credit terms, the
notes typed with payments and reversals, and who entered what.

A wrong, changed, revoked or expired token gives ``{"khata": None}`` whatever the reason; bad links
are counted per client address in the book (``link_misses``), so after 5 in 10 minutes every
answer to that address, in any tab, session or app process, waits 2 seconds.
"""
from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from .book import Book
from .customer_links import (
    MISSES_BEFORE_WAIT,
    WAIT_S,
    address_hash,
    find_link,
    recent_misses,
    record_miss,
)
from .i18n import use_language
from .principals import customer_link
from .reports import customer_statement
from .statement import statement_for
from .statement_pdf import statement_pdf as draw_statement_pdf


def _customer_book(root, link: dict, *, now: datetime | None = None, writing: bool = False) -> Book:
    """The one place a customer's link opens a unit of work: its shop, as its own principal."""
    return Book(root, link["shop_id"], customer_link(link["customer_id"]), now=now, writing=writing)


def _statement(book: Book) -> dict:
    """The statement of the link's customer, in their language, without the shop's notes."""
    found = statement_for(book, book.principal.customer_id)
    with use_language(found["language"]):
        found["entries"] = [{**e, "created_by": None}
                            for e in customer_statement(book, book.principal.customer_id, notes=False)]
    return found


def customer_khata(book: Book) -> dict:
    """The link's customer's khata: shop (name, phone, whether it takes UPI), the customer's name,
    the language to show it in, what they owe and what of it is overdue, their open sales with
    due dates (oldest first), every entry with its running balance (latest first) and the
    ``upi://pay`` link for the whole amount owed (None without a UPI id or nothing owed)."""
    book.require("customer_view.customer_khata")
    found = _statement(book)
    open_sales = book.rows(
        "SELECT item, due_date, outstanding, status = 'overdue' AS overdue FROM loan_balances_for(?, ?)"
        " WHERE customer_id = ? AND outstanding > 0 ORDER BY due_date, loan_id",
        [book.shop_id, book.today, book.principal.customer_id])
    return {
        "shop": {"name": found["shop"]["name"], "phone": found["shop"]["phone"],
                 "takes_upi": bool(found["shop"]["upi_id"])},
        "customer": {"name": found["customer"]["name"]},
        "language": found["language"],
        "due": Decimal(found["due"]),
        "overdue": Decimal(found["overdue"]),
        "open_sales": open_sales,
        "entries": list(reversed(found["entries"])),
        "upi_link": found["upi_link"],
        "today": book.today,
    }


def statement_pdf(book: Book) -> bytes:
    """The link's customer's PDF statement (the shop's PDF, without the shop's notes)."""
    book.require("customer_view.statement_pdf")
    return draw_statement_pdf(_statement(book))


def record_opening(book: Book, link_hash: str) -> None:
    """The customer opened their link (once per browser session): shown on the shop's customer
    page and in the ``reminder_link_opened`` view."""
    book.require("customer_view.record_opening")
    book.con.execute("INSERT INTO link_openings (shop_id, customer_id, opened_at, link_hash) VALUES (?, ?, ?, ?)",
                     [book.shop_id, book.principal.customer_id, book.now, link_hash])


def visit(root, token: str | None, *, address: str | None, first_view: bool,
          now: datetime | None = None) -> dict:
    """One answer of the public page: {"khata": customer_khata or None for any bad link}.
    ``first_view``: the first view in this browser session (recorded as an opening)."""
    now = now or datetime.now(UTC)
    who = address_hash(address)

    def unit(con):
        wait = recent_misses(con, who, now) >= MISSES_BEFORE_WAIT
        link = find_link(con, token or "", now)
        if link is None:
            record_miss(con, who, now)
            return {"khata": None, "wait": wait}
        book = _customer_book(root, link, now=now, writing=True).attach(con)
        if first_view:
            record_opening(book, link["link_hash"])
        return {"khata": customer_khata(book), "wait": wait}

    answer = root.in_transaction(unit)
    if answer["wait"]:
        time.sleep(WAIT_S)  # outside the transaction: the book is not held while waiting
    return answer


def pdf_for(root, token: str | None) -> bytes | None:
    """The PDF statement of a valid link (None for a bad one), for the page's download button."""
    now = datetime.now(UTC)

    def unit(con):
        link = find_link(con, token or "", now)
        if link is None:
            return None
        return statement_pdf(_customer_book(root, link, now=now).attach(con))

    return root.on_connection(unit)
