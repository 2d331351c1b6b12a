"""The dashboard's door for reading the book: every read of a khata service the
pages need, in one place (when the services change shape, only this file and
``dashboard.writes`` follow).

Reads that a rerun repeats go through ``st.cache_data`` keyed by shop id,
database file and the shop's cache generation (``dashboard.cache``), so a write
clears that shop's entries only. Nothing here holds a connection between calls.
"""
from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

import pandas as pd
import streamlit as st

from khata import approvals as approvals_service
from khata import (
    audit,
    book,
    customer_links,
    customer_view,
    customers,
    downloads,
    loans,
    reminders,
    repayments,
    reports,
    staff,
    statement,
)
from khata.accounts import get_settings
from khata.customer_links import TOKEN_PARAM as LINK_TOKEN_PARAM  # noqa: F401 - the public page's ?t=
from khata.i18n import current_language, use_language
from khata.principals import Principal
from khata.reminders import ladder, manual
from khata.reminders.statuses import STATUS_CELLS, STATUS_NAMES  # noqa: F401 - pages take them from here
from khata.row_cap import ROW_CAP  # noqa: F401 - pages take it from here
from khata.statement_pdf import statement_pdf

from . import door
from .cache import generation
from .door import app_root
from .session import month_start

TTL = 60  # seconds; the flow and the CLI may write from other processes
_render_book: ContextVar[book.Book | None] = ContextVar("render_book", default=None)


def db_key() -> str:
    """The database file the cached reads belong to (tests switch files)."""
    return str(app_root().path)


@contextmanager
def render_book(sid: int) -> Iterator[None]:
    """One Book for one page render: every cache miss of the render reads through
    it, so a page opens the file at most once (and not at all when all is cached)."""
    with door.unit(sid) as unit:
        token = _render_book.set(unit)
        try:
            yield
        finally:
            _render_book.reset(token)


def _read(sid: int, key: str, service, *args, **kwargs):
    """Run a read service on this render's Book (or, outside a render, its own), as the
    session's principal. Cached reads are ones every login may make: the cache is shared."""
    unit = _render_book.get()
    if unit is not None and unit.requested_shop == sid and str(unit.root.path) == key:
        return service(unit, *args, **kwargs)
    with door.unit(sid) as own:
        return service(own, *args, **kwargs)


# ---- cached: one entry per (shop, file, generation, arguments) --------------------------

def cached_read(*, max_entries: int = 200):
    """The one way a read is cached: the decorated ``fn(sid, key, ...)`` is kept in
    ``st.cache_data`` keyed by shop, file, the shop's cache generation (a write bumps it, so
    only that shop's entries go) and the arguments. Use it only for reads every login may
    make: the cache is shared by the sessions of the process."""
    def decorate(fn):
        def cached(sid: int, key: str, gen: int, *args, **kwargs):
            return fn(sid, key, *args, **kwargs)
        # st.cache_data tells functions apart by module, name and source: give each its own name
        cached.__name__ = cached.__qualname__ = f"{fn.__name__}__cached"
        cached.__module__ = fn.__module__
        store = st.cache_data(ttl=TTL, show_spinner=False, max_entries=max_entries)(cached)

        @functools.wraps(fn)
        def read(sid: int, key: str, *args, **kwargs):
            return store(sid, key, generation(sid), *args, **kwargs)
        return read
    return decorate


@cached_read()
def _overview(sid: int, key: str, as_of: date) -> dict:
    def everything(unit: book.Book) -> dict:
        return {**reports.overview(unit),
                "month": reports.period_totals(unit, date_from=month_start(as_of), date_to=as_of)}
    return _read(sid, key, everything)


def overview_reads(sid: int, key: str, as_of: date) -> dict:
    """Everything the overview needs that does not depend on its filters, in one unit of work."""
    return _overview(sid, key, as_of)


@cached_read()
def period_totals(sid: int, key: str, date_from: date, date_to: date) -> dict:
    return _read(sid, key, reports.period_totals, date_from=date_from, date_to=date_to)


@cached_read()
def issued_vs_collected(sid: int, key: str, period: str, date_from: date, date_to: date) -> pd.DataFrame:
    return _read(sid, key, reports.issued_vs_collected_frame, period=period, date_from=date_from, date_to=date_to)


@cached_read()
def _customer_list(sid: int, key: str, search: str, sort: str, descending: bool, only_overdue: bool,
                   limit: int | None) -> list[dict]:
    return _read(sid, key, customers.list_customers, search=search or None, sort=sort, descending=descending,
                 only_overdue=only_overdue, limit=limit)


def customer_list(sid: int, key: str, search: str = "", sort: str = "name", descending: bool = False,
                  only_overdue: bool = False, limit: int | None = None) -> list[dict]:
    return _customer_list(sid, key, search, sort, descending, only_overdue, limit)


PICKER_LIMIT = customers.PICKER_LIMIT


@cached_read(max_entries=300)
def _find_customers(sid: int, key: str, search: str, owing: bool, opted_out: bool, balances: bool) -> list[dict]:
    return _read(sid, key, customers.find_customers, search or None, owing=owing, opted_out=opted_out,
                 balances=balances)


def find_customers(sid: int, key: str, search: str = "", *, owing: bool = False, opted_out: bool = False,
                   balances: bool = True) -> list[dict]:
    """A picker's first ``PICKER_LIMIT`` matches (name or phone), read in SQL and cached per
    shop and search, so no page carries a big shop's 5,000 customers."""
    return _find_customers(sid, key, search.strip().lower(), owing, opted_out, balances)


@cached_read()
def _loan_list(sid: int, key: str, status, customer_id, date_from, date_to, limit) -> list[dict]:
    return _read(sid, key, loans.list_loans, status=status, customer_id=customer_id, date_from=date_from,
                 date_to=date_to, limit=limit)


def loan_list(sid: int, key: str, status: str | None = None, customer_id: int | None = None,
              date_from: date | None = None, date_to: date | None = None, limit: int | None = None) -> list[dict]:
    return _loan_list(sid, key, status, customer_id, date_from, date_to, limit)


@cached_read()
def _repayment_list(sid: int, key: str, customer_id, date_from, date_to, limit) -> dict:
    return _read(sid, key, repayments.list_repayments, customer_id=customer_id, date_from=date_from, date_to=date_to,
                 limit=limit)


def repayment_list(sid: int, key: str, customer_id: int | None = None, date_from: date | None = None,
                   date_to: date | None = None, limit: int | None = None) -> dict:
    return _repayment_list(sid, key, customer_id, date_from, date_to, limit)


@cached_read()
def settings(sid: int, key: str) -> dict:
    return _read(sid, key, get_settings)


@cached_read(max_entries=100)
def reminder_log(sid: int, key: str, date_from: date | None, date_to: date | None, status: str | None) -> list:
    """The newest ``ROW_CAP`` outbox rows of this shop in the dates (and status)."""
    return _read(sid, key, reminders.reminder_log, date_from=date_from, date_to=date_to, status=status,
                 limit=ROW_CAP)


@cached_read(max_entries=100)
def _upcoming_page(sid: int, key: str, offset: int, limit: int) -> dict:
    return _read(sid, key, reminders.upcoming_page, offset=offset, limit=limit)


def upcoming_page(sid: int, key: str, offset: int, limit: int) -> dict:
    """Tomorrow's reminders from ``offset``: {rows (at most ``limit``, with their messages), count}.
    One page is cached, not thousands of rows and messages the page does not show."""
    return _upcoming_page(sid, key, int(offset), int(limit))


@cached_read(max_entries=50)
def remind_today(sid: int, key: str, offset: int = 0, limit: int = 25) -> dict:
    """One page of today's one-tap list: who the ladder picks, largest first, and who is done."""
    return _read(sid, key, manual.remind_today, offset=offset, limit=limit)


@cached_read(max_entries=100)
def _reminder_effect(sid: int, key: str, by: str, language: str) -> list:
    with use_language(language):
        return _read(sid, key, reminders.reminder_effect, by=by)


def reminder_effect(sid: int, key: str, by: str) -> list:
    """Do reminders work? Who paid within 1, 3, 7 days, by channel or ladder step, and the not reminded."""
    return _reminder_effect(sid, key, by, current_language())


def delivery_state(row: dict) -> str:
    """One reminder's state in plain words (a failure with its reason), in the page's language."""
    return reminders.delivery_state(row.get("status"), row.get("error_code"), row.get("error_message"))


def consent_state(sid: int, customer_id: int) -> dict:
    """Whether the customer gets WhatsApp reminders, and the latest change in words (who, when, why)."""
    return _read(sid, db_key(), reminders.consent_state, customer_id)


def manual_reminder_for(sid: int, customer_id: int) -> dict | None:
    """The one-tap reminder for one customer today (None: nothing to remind, or opted out)."""
    return _read(sid, db_key(), manual.reminder_for, customer_id)


def reminded_today(sid: int, customer_id: int) -> str | None:
    """How the customer was reminded today (channel), if they were."""
    return _read(sid, db_key(), manual.reminded_today, customer_id)


def aging_frame(summary: dict) -> pd.DataFrame:
    """The summary's aging buckets as a chart frame."""
    return reports.aging_frame(summary)


def status_mix_frame(summary: dict) -> pd.DataFrame:
    return reports.status_mix_frame(summary)


# ---- not cached: one customer, and whole tables for downloads -------------------------

def customer_with_statement(sid: int, wanted) -> tuple[dict, dict]:
    """One customer (NotFound for another shop's id) and their statement (entries with a
    running balance, due, overdue and the UPI pay link)."""
    found = _read(sid, db_key(), statement.statement_for, wanted)
    found["pay_words"] = statement.pay_words(found) if found["upi_link"] else None  # the link itself is for the QR
    return found["customer"], found


def statement_pdf_maker(sid: int, customer_id: int, language: str):
    """What the PDF download button calls when tapped (Streamlit runs it on its own thread,
    so it opens its own Book and sets the language itself): the statement read fresh."""
    root, who = app_root(), door.me()

    def make() -> bytes:
        with use_language(language):
            return statement_pdf(root.read(sid, who, statement.statement_for, customer_id))
    return make


def customer_link(sid: int, customer_id: int) -> dict:
    """The customer's own page link (None without KHATA_PUBLIC_URL), when it was last opened (not
    cached: an opening comes from another session)."""
    return _read(sid, db_key(), customer_links.link_for, customer_id)


# ---- the customer's own page: no login, the token decides ------------------------------------

def link_page(token: str, *, address: str | None, seen: set) -> dict:
    """What the public page shows for ``token`` ({"khata": None} for any bad link); the first view
    of a link in a browser session (``seen``: that session's set) is recorded as an opening."""
    mark = customer_links.token_hash(token)
    answer = customer_view.visit(app_root(), token, address=address, first_view=mark not in seen)
    if answer["khata"] is not None:
        seen.add(mark)
    return answer


def link_pdf_maker(token: str):
    """What the public page's PDF button calls when tapped: the statement of a link still valid."""
    root = app_root()  # taken when the button is drawn: the tap runs on another thread
    return lambda: customer_view.pdf_for(root, token) or b""


def customer(sid: int, customer_id: int) -> dict:
    return _read(sid, db_key(), customers.get_customer, customer_id)


def download_rows(table_name: str, sid: int, key: str, who: Principal, **filters) -> list[dict]:
    """Every row of one list for a download (owner only, refused in khata.downloads);
    ``who`` is taken when the button is drawn, since the tap runs on another thread."""
    return app_root().read(sid, who, downloads.table_rows, table_name, **filters)


def all_rows(table_name: str, sid: int, key: str, who: Principal) -> list[dict]:
    """Every row of one table of the shop, for its CSV download."""
    return download_rows(table_name, sid, key, who)


# ---- owner's screens: not cached (the cache is shared by every role) -------------------

def approvals(sid: int, status: str | None = "pending") -> list[dict]:
    """Requests waiting for the owner (staff: their own)."""
    return _read(sid, db_key(), approvals_service.list_approvals, status=status)


def logins(sid: int) -> list[dict]:
    return _read(sid, db_key(), staff.list_staff)


def audit_lines(sid: int, **filters) -> list[dict]:
    return _read(sid, db_key(), audit.audit_lines, **filters)


def audit_choices(sid: int) -> dict:
    return _read(sid, db_key(), audit.audit_actors)


def send_time():
    """The daily run's time of day (``ladder.SEND_TIME``, defined once), read when asked."""
    return ladder.SEND_TIME
