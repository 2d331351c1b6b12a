"""Whole lists to take away (CSV, Excel): the owner's only.

A downloaded list is every customer's phone number in a file that leaves the
shop, so staff may see the lists on screen but not take them; the refusal is
here, not only a hidden button.
"""
from __future__ import annotations

from . import customers, loans, repayments
from .book import Book
from .reminders import views

TABLES = ("customers", "loans", "repayments", "reminders")


def table_rows(book: Book, table_name: str, **filters) -> list[dict]:
    """Every row of one of the shop's lists, with the list service's own filters."""
    book.require("downloads.table_rows")
    if table_name == "customers":
        return customers.list_customers(book, **filters)
    if table_name == "loans":
        return loans.list_loans(book, **filters)
    if table_name == "repayments":
        return repayments.list_repayments(book, **filters)["rows"]
    if table_name == "reminders":
        return views.reminder_log(book, limit=None, **filters)
    raise ValueError(table_name)
