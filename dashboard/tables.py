"""Display tables: rows from the book -> a frame with shopkeeper labels, ₹ strings,
readable dates and phones, and blank cells for missing values."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from . import format as fmt


def table(rows: list[dict], columns: dict[str, str], *, money=(), dates=(), phones=()) -> pd.DataFrame:
    """Rows -> a display frame; a missing value is a blank cell (st.dataframe would write "None")."""
    out = {}
    for key, label in columns.items():
        values = [row.get(key) for row in rows]
        if key in money:
            values = [fmt.inr(v) for v in values]
        elif key in dates:
            values = [fmt.day(v) for v in values]
        elif key in phones:
            values = [fmt.phone(v) for v in values]
        elif any(value is None for value in values):
            values = [fmt.blank_if_none(v) for v in values]
        out[label] = values
    return pd.DataFrame(out, columns=list(columns.values()))


def show_table(frame: pd.DataFrame, **kwargs) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", **kwargs)


def customer_label(row: dict) -> str:
    """'Asha Rao · +91 98765 43210 · can take ₹2,000.00 more' (a selectbox option: plain text)."""
    text = f"{row['name']} · {fmt.phone(row['phone'])}"
    if row.get("available_credit") is not None:
        text += f" · can take {fmt.inr(row['available_credit'])} more"
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
    number = st.number_input("Page", min_value=1, max_value=pages, step=1, key=key,
                             help=f"{pages} pages of {size} rows.")
    start = (int(number) - 1) * size
    st.caption(f"rows {start + 1:,}–{min(start + size, total):,} of {total:,}")
    return start
