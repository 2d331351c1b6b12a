"""Display tables: rows from the book -> a frame with shopkeeper labels, ₹ strings,
readable dates and phones, and blank cells for missing values."""
from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from khata.i18n import N_, _
from khata.words import METHODS as PAYMENT_METHODS

from . import format as fmt
from . import session
from .text import plain

# words the book stores as keys, shown in the shopkeeper's language (lowercase, as they always were)
LOAN_STATUS = {"pending": N_("pending"), "overdue": N_("overdue"), "paid": N_("paid"), "reversed": N_("reversed")}
METHODS = PAYMENT_METHODS  # one set of words (khata.words): Cash, UPI, Card, Other
ENTRIES = {"sale": N_("sale"), "repayment": N_("repayment"), "sale reversed": N_("sale reversed"),
           "repayment reversed": N_("repayment reversed")}


def word(words: dict, value):
    """A stored key (a status, a method) as its word in the session's language; others as they are."""
    return _(words[value]) if value in words else value


def table(rows: list[dict], columns: dict[str, str], *, money=(), dates=(), phones=(), times=(),
          words: dict[str, dict] | None = None) -> pd.DataFrame:
    """Rows -> a display frame whose every column holds one type; a missing value is a blank cell
    (st.dataframe would write "None"). ``words``: column -> {stored key: N_() word}, cells shown
    translated. An instant (``times``, or any column holding datetimes) is written in the shop's
    time zone (27 Nov 2026, 08:00) and a day as a day, so a column never mixes times and blank
    strings (Arrow refuses that, and Streamlit logs a traceback on every render before patching it)."""
    out = {}
    words = words or {}
    shop_zone = session.shop_timezone()
    for key, label in columns.items():
        values = [row.get(key) for row in rows]
        if key in words:
            values = [fmt.blank_if_none(word(words[key], v)) for v in values]
        elif key in money:
            values = [fmt.inr(v) for v in values]
        elif key in dates:
            values = [fmt.day(v) for v in values]
        elif key in times or any(isinstance(v, datetime) for v in values):
            values = [fmt.when(v, shop_zone) for v in values]
        elif any(isinstance(v, date) for v in values):
            values = [fmt.day(v) for v in values]
        elif key in phones:
            values = [fmt.phone(v) for v in values]
        elif any(value is None for value in values):  # text, so a blank cell never sits among numbers
            values = ["" if v is None else v if isinstance(v, str) else str(v) for v in values]
        out[label] = values
    return pd.DataFrame(out, columns=list(columns.values()))


def show_table(frame: pd.DataFrame, **kwargs) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


NBSP = "\u00a0"


def narrow(frame: pd.DataFrame) -> None:
    """A table of a row's essentials (a few columns of ``frame``) that fits a 390 px phone without
    sideways scrolling: a static table whose cells wrap, where a canvas data grid keeps its column
    widths and scrolls. Its cells are Markdown to Streamlit, so every value goes through ``plain``
    (shown as typed); a date or an amount never breaks inside ("27 Nov 2026", "₹1,234.00")."""
    shown = frame.map(lambda v: plain(v).replace(" ", NBSP) if _unbreakable(v) else plain(v))
    st.table(shown, hide_index=True)


def _unbreakable(value) -> bool:
    """A date or an amount: short text that reads wrong broken over lines."""
    text = str(value)
    return len(text) <= 14 and (text.startswith(("₹", "-₹", "−₹")) or text[:2].isdigit())


def essentials_or_all(rows_frame: pd.DataFrame, essentials: list[str], key: str,
                      column_help: dict[str, str] | None = None, hidden: list[str] = ()) -> None:
    """The essentials (``narrow``) by default, every column (the sortable data grid) one tap away,
    the choice kept for the session: a phone shows date, what, amount and balance without
    swiping; the desktop's wide view is the toggle. ``column_help``: header -> its explanation
    (a tooltip on the header); ``hidden``: columns only the essentials show (one made for the phone)."""
    if st.toggle(_("All columns"), key=key, help=_("Every column, in a table you can sort and scroll sideways.")):
        show_table(rows_frame.drop(columns=list(hidden)), column_config={label: st.column_config.Column(help=text)
                                              for label, text in (column_help or {}).items()} or None)
    else:
        narrow(rows_frame[essentials])


def customer_label(row: dict) -> str:
    """'Asha Rao · +91 98765 43210 · can take ₹2,000.00 more' (a selectbox option: plain text)."""
    text = f"{row['name']} · {fmt.phone(row['phone'])}"
    if row.get("available_credit") is not None:
        text += " · " + _("can take {amount} more").format(amount=fmt.inr(row["available_credit"]))
    return text


PAGE_ROWS = 100


def page_of(rows: list, key: str, size: int = PAGE_ROWS) -> list:
    """The slice of ``rows`` on the chosen page, so only what is on screen is formatted and sent
    (a big shop has thousands). Past one page: a "Page" number and a "rows X–Y of N" caption."""
    start = pager(len(rows), key, size)
    return rows[start:start + size]


def wanted_page_start(key: str, size: int = PAGE_ROWS) -> int:
    """Where the page chosen last run starts, before its pager is drawn: a read that fetches
    only one page (``pager`` then says whether that page still exists)."""
    return (max(1, int(st.session_state.get(key, 1) or 1)) - 1) * size


def pager(total: int, key: str, size: int = PAGE_ROWS) -> int:
    """A "Page" number and a "rows X–Y of N" caption when ``total`` rows need more than one
    page; returns the first row of the chosen page."""
    if total <= size:
        return 0
    pages = -(-total // size)
    if st.session_state.get(key, 1) > pages:  # the filters changed and this page no longer exists
        st.session_state[key] = pages
    number = st.number_input(_("Page"), min_value=1, max_value=pages, step=1, key=key,
                             help=_("{pages} pages of {size} rows.").format(pages=pages, size=size))
    start = (int(number) - 1) * size
    st.caption(_("rows {first}–{last} of {total}").format(first=f"{start + 1:,}", last=f"{min(start + size, total):,}",
                                                         total=f"{total:,}"))
    return start
