"""Requests waiting for the owner, stored and read back: the lowest layer of maker-checker.

``loans.create_loan`` keeps a staff sale above the shop's limit here (``request_sale``), and
``approvals`` decides requests by running ``loans``/``repayments``; keeping the storage apart
lets both depend on it without depending on each other (no import cycle)."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from .book import Book, to_json
from .errors import NotFound
from .i18n import _
from .validate import as_id

REQUEST_SQL = """
SELECT a.approval_id, a.kind, a.entry_id, a.customer_id, c.name AS customer_name, a.amount, a.details,
       a.reason, a.status, a.requested_by, a.requested_at, a.decided_by, a.decided_at, a.decision_note, a.result_id
FROM pending_approvals a
LEFT JOIN (SELECT customer_id, name FROM customers WHERE shop_id = ?) c ON c.customer_id = a.customer_id
WHERE a.shop_id = ?
"""


def shaped(row: dict) -> dict:
    row["details"] = json.loads(row["details"])
    return row


def approval_row(book: Book, approval_id) -> dict:
    """One request of this shop; NotFound for another shop's id."""
    row = book.row(REQUEST_SQL + " AND a.approval_id = ?",
                   [book.shop_id, book.shop_id, as_id(approval_id, "request")])
    if row is None:
        raise NotFound(_("That request does not exist in this shop."))
    return shaped(row)


def insert_request(book: Book, kind: str, *, entry_id, customer_id: int, amount: Decimal, details: dict,
                   reason) -> dict:
    """Keep one request for the owner (a reversal or a sale); the ledger is not touched."""
    approval_id = book.next_id("approval_id_seq")
    book.con.execute(
        "INSERT INTO pending_approvals (approval_id, shop_id, kind, entry_id, customer_id, amount, details, reason,"
        " requested_by, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [approval_id, book.shop_id, kind, entry_id, customer_id, amount, to_json(details), reason,
         book.actor or "", book.now])
    book.audit("request", "approval", approval_id, None, {"kind": kind, "entry_id": entry_id, "amount": amount})
    return approval_row(book, approval_id)


def request_sale(book: Book, customer: dict, *, amount: Decimal, item: str, issue_date: date, due_date: date,
                 grace_days: int) -> dict:
    """A checked staff sale above the shop's limit, kept for the owner (called by ``loans.create_loan``)."""
    details = {"item": item, "issue_date": issue_date, "due_date": due_date, "grace_days": grace_days}
    return insert_request(book, "sale", entry_id=None, customer_id=customer["customer_id"], amount=amount,
                   details=details, reason=None)
