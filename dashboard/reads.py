"""The dashboard's door for reading the book: every read of a khata service the
pages need, in one place (when the services change shape, only this file and
``dashboard.writes`` follow).

Reads that a rerun repeats go through ``st.cache_data`` keyed by shop id,
database file and the shop's cache generation (``dashboard.cache``), so a write
clears that shop's entries only. Nothing here holds a connection between calls.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pandas as pd
import streamlit as st

from khata import customers, dashboard_queries, db, loans, reminders, repayments, reports
from khata.accounts import get_settings

from .cache import generation
from .session import days_after, month_start

TTL = 60  # seconds; the flow and the CLI may write from other processes
REMINDER_LOG_MAX = 5000  # khata.reminders.reminder_log returns at most this many rows per call


def db_key() -> str:
    """The database file the cached reads belong to (tests switch files)."""
    return str(db.db_path())


# ---- cached: one entry per (shop, file, generation, arguments) --------------------------

@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _overview(sid: int, key: str, gen: int, as_of: date) -> dict:
    jobs = {
        "summary": lambda: reports.shop_summary(sid, today=as_of, path=key),
        "month": lambda: dashboard_queries.period_totals(sid, date_from=month_start(as_of), date_to=as_of,
                                                         path=key),
        "top": lambda: reports.top_customers_frame(sid, n=10, today=as_of, path=key),
        "expected": lambda: reports.expected_collections_frame(sid, weeks=8, today=as_of, path=key),
        "days_to_repay": lambda: reports.days_to_repay_frame(sid, today=as_of, path=key),
    }
    # One connection held by this thread while the workers open theirs: they then share
    # the process's open database. Without it, threads that all waited for another
    # process's file lock open the file at the same moment and DuckDB refuses some with
    # "Unique file handle conflict" (measured: 43 of 165 reads under contention).
    with db.connect(key), ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = {name: pool.submit(job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def overview_reads(sid: int, key: str, as_of: date) -> dict:
    """Everything the overview needs that does not depend on its filters, read in
    parallel (each read is its own short connection; DuckDB runs them side by side,
    which halves the cold time for a big shop)."""
    return _overview(sid, key, generation(sid), as_of)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _period_totals(sid: int, key: str, gen: int, date_from: date, date_to: date) -> dict:
    return dashboard_queries.period_totals(sid, date_from=date_from, date_to=date_to, path=key)


def period_totals(sid: int, key: str, date_from: date, date_to: date) -> dict:
    return _period_totals(sid, key, generation(sid), date_from, date_to)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _issued_vs_collected(sid: int, key: str, gen: int, period: str, date_from: date, date_to: date):
    return reports.issued_vs_collected_frame(sid, period=period, date_from=date_from, date_to=date_to, path=key)


def issued_vs_collected(sid: int, key: str, period: str, date_from: date, date_to: date) -> pd.DataFrame:
    return _issued_vs_collected(sid, key, generation(sid), period, date_from, date_to)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _customer_list(sid: int, key: str, gen: int, search: str, sort: str, descending: bool, only_overdue: bool,
                   limit: int | None) -> list[dict]:
    return customers.list_customers(sid, search=search or None, sort=sort, descending=descending,
                                    only_overdue=only_overdue, limit=limit, path=key)


def customer_list(sid: int, key: str, search: str = "", sort: str = "name", descending: bool = False,
                  only_overdue: bool = False, limit: int | None = None) -> list[dict]:
    return _customer_list(sid, key, generation(sid), search, sort, descending, only_overdue, limit)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _loan_list(sid: int, key: str, gen: int, status, customer_id, date_from, date_to, limit) -> list[dict]:
    return loans.list_loans(sid, status=status, customer_id=customer_id, date_from=date_from, date_to=date_to,
                            limit=limit, path=key)


def loan_list(sid: int, key: str, status: str | None = None, customer_id: int | None = None,
              date_from: date | None = None, date_to: date | None = None, limit: int | None = None) -> list[dict]:
    return _loan_list(sid, key, generation(sid), status, customer_id, date_from, date_to, limit)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _repayment_list(sid: int, key: str, gen: int, customer_id, date_from, date_to, limit) -> dict:
    return repayments.list_repayments(sid, customer_id=customer_id, date_from=date_from, date_to=date_to,
                                      limit=limit, path=key)


def repayment_list(sid: int, key: str, customer_id: int | None = None, date_from: date | None = None,
                   date_to: date | None = None, limit: int | None = None) -> dict:
    return _repayment_list(sid, key, generation(sid), customer_id, date_from, date_to, limit)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def _settings(sid: int, key: str, gen: int) -> dict:
    return get_settings(sid, path=key)


def settings(sid: int, key: str) -> dict:
    return _settings(sid, key, generation(sid))


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def _reminder_log(sid: int, key: str, gen: int, date_from, date_to, status) -> list[dict]:
    return reminders.reminder_log(sid, date_from=date_from, date_to=date_to, status=status, limit=500, path=key)


def reminder_log(sid: int, key: str, date_from: date | None, date_to: date | None, status: str | None) -> list:
    """The newest 500 outbox rows of this shop in the dates (and status)."""
    return _reminder_log(sid, key, generation(sid), date_from, date_to, status)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def _upcoming_reminders(sid: int, key: str, gen: int) -> list[dict]:
    return reminders.upcoming_reminders(sid, path=key)


def upcoming_reminders(sid: int, key: str) -> list:
    return _upcoming_reminders(sid, key, generation(sid))


def aging_frame(summary: dict) -> pd.DataFrame:
    """The summary's aging buckets as a chart frame."""
    return reports.aging_frame(summary)


def status_mix_frame(summary: dict) -> pd.DataFrame:
    return reports.status_mix_frame(summary)


# ---- not cached: one customer, and whole tables for downloads -------------------------

def customer_with_statement(sid: int, wanted) -> tuple[dict, list[dict]]:
    """One customer (NotFound for another shop's id) and their running statement."""
    person = customers.get_customer(sid, wanted)
    return person, reports.customer_statement(sid, person["customer_id"])


def customer(sid: int, customer_id: int) -> dict:
    return customers.get_customer(sid, customer_id)


def all_reminders(sid: int, key: str) -> list[dict]:
    """Every outbox row of the shop, newest first, for the CSV download.

    ``reminder_log`` caps one call at 5,000 rows (newest first), so read it like a
    cursor: a full page is complete for every date after its oldest date; that
    date is read on its own (split by status if it alone fills a page), then
    the next page ends the day before. Never silently short."""
    def read(**filters) -> list[dict]:
        return reminders.reminder_log(sid, limit=REMINDER_LOG_MAX, path=key, **filters)

    def one_day(day) -> list[dict]:
        rows = read(date_from=day, date_to=day)
        if len(rows) < REMINDER_LOG_MAX:
            return rows
        by_status = [read(date_from=day, date_to=day, status=status) for status in reminders.STATUSES]
        if any(len(part) >= REMINDER_LOG_MAX for part in by_status):
            raise RuntimeError(f"More than {REMINDER_LOG_MAX:,} reminders with one status on {day}; "
                               "the download cannot hold them all.")
        return sorted((row for part in by_status for row in part), key=lambda row: row["customer_name"] or "")

    out: list[dict] = []
    upper = None
    while True:
        page = read(date_to=upper)
        if len(page) < REMINDER_LOG_MAX:
            return out + page
        oldest = page[-1]["reminder_date"]
        out.extend(row for row in page if row["reminder_date"] > oldest)
        out.extend(one_day(oldest))
        upper = days_after(oldest, -1)


def all_rows(table_name: str, sid: int, key: str) -> list[dict]:
    """Every row of one table of the shop, for its CSV download."""
    if table_name == "customers":
        return customers.list_customers(sid, path=key)
    if table_name == "loans":
        return loans.list_loans(sid, path=key)
    if table_name == "repayments":
        return repayments.list_repayments(sid, path=key)["rows"]
    if table_name == "reminders":
        return all_reminders(sid, key)
    raise ValueError(table_name)
