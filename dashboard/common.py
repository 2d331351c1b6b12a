"""Helpers every page shares: the logged-in shop, cached reads, form tokens,
flash messages, display tables and safe CSV downloads.

Reads go through ``st.cache_data`` keyed by shop id and database file; any
write calls ``changed()``, which clears them. Nothing here holds a database
connection: each service call opens and closes its own.
"""
from __future__ import annotations

import csv
import io
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pandas as pd
import streamlit as st

from khata import customers, dashboard_queries, db, loans, repayments, reports
from khata.accounts import get_settings
from khata.dates import shop_today

from . import format as fmt
from .text import plain

TTL = 60  # seconds; the flow and the CLI may write from other processes


# ---- who is logged in -----------------------------------------------------------------

def current() -> dict:
    """{shop_id, username, name, shop_name, timezone} of the logged-in shopkeeper."""
    me = st.session_state.get("_khata_me")
    if not me:
        st.error("Please log in.")
        st.stop()
    return me


def shop_id() -> int:
    return current()["shop_id"]


def actor() -> str:
    return current()["username"]


def db_key() -> str:
    return str(db.db_path())


def today() -> date:
    return shop_today(current().get("timezone") or "Asia/Kolkata")


def month_start(day: date) -> date:
    return day.replace(day=1)


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=int(days))


# ---- cached reads ---------------------------------------------------------------------

@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def overview_reads(sid: int, key: str, as_of: date) -> dict:
    """Everything the overview needs that does not depend on its filters, read in
    parallel (each read is its own short connection; DuckDB runs them side by side,
    which halves the cold time for a big shop)."""
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


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def period_totals(sid: int, key: str, date_from: date, date_to: date) -> dict:
    return dashboard_queries.period_totals(sid, date_from=date_from, date_to=date_to, path=key)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def issued_vs_collected(sid: int, key: str, period: str, date_from: date, date_to: date) -> pd.DataFrame:
    return reports.issued_vs_collected_frame(sid, period=period, date_from=date_from, date_to=date_to, path=key)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def customer_list(sid: int, key: str, search: str = "", sort: str = "name", descending: bool = False,
                  only_overdue: bool = False, limit: int | None = None) -> list[dict]:
    return customers.list_customers(sid, search=search or None, sort=sort, descending=descending,
                                    only_overdue=only_overdue, limit=limit, path=key)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def loan_list(sid: int, key: str, status: str | None = None, customer_id: int | None = None,
              date_from: date | None = None, date_to: date | None = None, limit: int | None = None) -> list[dict]:
    return loans.list_loans(sid, status=status, customer_id=customer_id, date_from=date_from, date_to=date_to,
                            limit=limit, path=key)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def repayment_list(sid: int, key: str, customer_id: int | None = None, date_from: date | None = None,
                   date_to: date | None = None, limit: int | None = None) -> dict:
    return repayments.list_repayments(sid, customer_id=customer_id, date_from=date_from, date_to=date_to,
                                      limit=limit, path=key)


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=200)
def settings(sid: int, key: str) -> dict:
    return get_settings(sid, path=key)


def changed() -> None:
    """Call after every write: the cached reads may now be stale."""
    st.cache_data.clear()


# ---- forms ----------------------------------------------------------------------------

def form_token(name: str) -> str:
    """An idempotency key for one rendering of a form; the same until it succeeds,
    so a double-click (two reruns with the same form) posts once."""
    key = f"_form_token_{name}"
    if key not in st.session_state:
        st.session_state[key] = uuid.uuid4().hex
    return st.session_state[key]


def renew_token(name: str) -> None:
    st.session_state[f"_form_token_{name}"] = uuid.uuid4().hex


def flash(message: str) -> None:
    """A success message shown after the rerun that follows a write."""
    st.session_state["_khata_flash"] = message


def show_flash() -> None:
    """The pending success message, shown as plain text (it names customers, items...)."""
    message = st.session_state.pop("_khata_flash", None)
    if message:
        st.success(plain(message))


def show_error(err) -> None:
    """A refusal from the core, as plain text: its message may quote what was typed."""
    st.error(plain(str(err)))


def done(form: str, message: str) -> None:
    """After a successful write: clear caches, new form token (empties the form), rerun."""
    changed()
    renew_token(form)
    flash(message)
    st.rerun()


# ---- display tables -------------------------------------------------------------------

def table(rows: list[dict], columns: dict[str, str], *, money=(), dates=(), phones=()) -> pd.DataFrame:
    """Rows -> a display frame with shopkeeper labels, ₹ strings and readable dates;
    a missing value is a blank cell (st.dataframe would write "None")."""
    out = {}
    for key, label in columns.items():
        values = [row.get(key) for row in rows]
        if any(value is None for value in values):
            values = [fmt.blank_if_none(v) if key not in (*money, *dates, *phones) else v for v in values]
        if key in money:
            values = [fmt.inr(v) for v in values]
        elif key in dates:
            values = [fmt.day(v) for v in values]
        elif key in phones:
            values = [fmt.phone(v) for v in values]
        out[label] = values
    return pd.DataFrame(out, columns=list(columns.values()))


def show_table(frame: pd.DataFrame, **kwargs) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


# ---- CSV downloads --------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")  # +919876543210, -250.50: data, not formulas


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ get a leading quote,
    except a plain number such as a phone in E.164)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_bytes(rows: list[dict], columns: dict[str, str]) -> bytes:
    """UTF-8 CSV (with BOM so spreadsheets show ₹ and names right), formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(label) for label in columns.values()])
    for row in rows:
        writer.writerow([safe_cell(row.get(key)) for key in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def customer_label(row: dict) -> str:
    """'Asha Rao · +91 98765 43210 · can take ₹2,000.00 more'."""
    text = f"{row['name']} · {fmt.phone(row['phone'])}"
    if row.get("available_credit") is not None:
        text += f" · can take {fmt.inr(row['available_credit'])} more"
    return text


# ---- reminders (issue 4 builds khata.reminders; until then the page is empty) ----------

def _missing_table(err: Exception) -> bool:
    text = str(err)
    return type(err).__name__ == "CatalogException" or "does not exist" in text


def reminders_module():
    """khata.reminders if it is installed and has what the page needs, else None."""
    try:
        from khata import reminders
    except ImportError:
        return None
    if not all(hasattr(reminders, name) for name in ("reminder_log", "upcoming_reminders")):
        return None
    return reminders


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def reminder_log(sid: int, key: str, date_from: date | None, date_to: date | None, status: str | None) -> list | None:
    """The outbox for this shop; None while the reminder flow has not been set up."""
    module = reminders_module()
    if module is None:
        return None
    try:
        return module.reminder_log(sid, date_from=date_from, date_to=date_to, status=status, limit=500, path=key)
    except Exception as err:  # noqa: BLE001 - only "no outbox table yet" becomes the empty state
        if _missing_table(err):
            return None
        raise


@st.cache_data(ttl=TTL, show_spinner=False, max_entries=100)
def upcoming_reminders(sid: int, key: str) -> list | None:
    module = reminders_module()
    if module is None:
        return None
    try:
        return module.upcoming_reminders(sid, path=key)
    except Exception as err:  # noqa: BLE001
        if _missing_table(err):
            return None
        raise


def progress_callback(bar):
    """A (done, total) callable for the importer that moves an ``st.progress`` bar."""
    def report(done_rows: int, total: int) -> None:
        fraction = min(1.0, done_rows / total) if total else 1.0
        bar.progress(fraction, text=f"Checked {min(done_rows, total):,} of {total:,}")
    return report


EXPORTS = {
    "customers": ("Customers", {"customer_id": "customer_id", "name": "name", "phone": "phone", "address": "address",
                                "credit_limit": "credit_limit", "outstanding": "outstanding", "overdue": "overdue",
                                "available_credit": "available_credit", "trust_score": "trust_score",
                                "whatsapp_opt_out": "whatsapp_opt_out", "last_activity": "last_activity",
                                "notes": "notes"}),
    "loans": ("Credit sales", {"loan_id": "loan_id", "customer_id": "customer_id", "customer_name": "customer_name",
                               "item": "item", "principal": "amount", "repaid": "repaid",
                               "outstanding": "outstanding", "issue_date": "issue_date", "due_date": "due_date",
                               "grace_days": "grace_days", "status": "status", "days_past_due": "days_past_due",
                               "reversal_reason": "reversal_reason"}),
    "repayments": ("Repayments", {"repayment_id": "repayment_id", "loan_id": "loan_id", "customer_id": "customer_id",
                                  "customer_name": "customer_name", "amount": "amount", "paid_on": "paid_on",
                                  "method": "method", "note": "note", "reversed": "reversed",
                                  "reversal_reason": "reversal_reason"}),
    "reminders": ("Reminders", {"reminder_date": "reminder_date", "customer_id": "customer_id",
                                "customer_name": "customer_name", "kind": "kind", "amount": "amount",
                                "status": "status", "error_code": "error_code", "error_message": "error_message",
                                "sent_at": "sent_at", "message_text": "message_text"}),
}


REMINDER_LOG_MAX = 5000  # khata.reminders.reminder_log returns at most this many rows per call


def all_reminders(sid: int, key: str) -> list[dict]:
    """Every outbox row of the shop, newest first, for the CSV download.

    ``reminder_log`` caps one call at 5,000 rows (newest first), so read it like a
    cursor: a full page is complete for every date after its oldest date; that
    date is read on its own (split by status if it alone fills a page), then
    the next page ends the day before. Never silently short."""
    from khata import reminders

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


def export_rows(table_name: str, sid: int, key: str) -> list[dict] | None:
    if table_name == "customers":
        return customers.list_customers(sid, path=key)
    if table_name == "loans":
        return loans.list_loans(sid, path=key)
    if table_name == "repayments":
        return repayments.list_repayments(sid, path=key)["rows"]
    if table_name == "reminders":
        module = reminders_module()
        if module is None:
            return None
        try:
            return all_reminders(sid, key)
        except Exception as err:  # noqa: BLE001
            if _missing_table(err):
                return None
            raise
    raise ValueError(table_name)


def export_csv(table_name: str, sid: int, key: str):
    """A callable for ``st.download_button``: the CSV is built only when clicked."""
    def build() -> bytes:
        rows = export_rows(table_name, sid, key) or []
        return csv_bytes(rows, EXPORTS[table_name][1])
    return build
