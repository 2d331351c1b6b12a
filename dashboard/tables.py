"""Display tables: rows from the book -> a frame with shopkeeper labels, ₹ strings,
readable dates and phones, and blank cells for missing values."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from khata.i18n import N_, _

from . import format as fmt

# words the book stores as keys, shown in the shopkeeper's language (lowercase, as they always were)
LOAN_STATUS = {"pending": N_("pending"), "overdue": N_("overdue"), "paid": N_("paid"), "reversed": N_("reversed")}
METHODS = {"cash": N_("cash"), "upi": N_("upi"), "card": N_("card"), "other": N_("other")}
ENTRIES = {"sale": N_("sale"), "repayment": N_("repayment"), "sale reversed": N_("sale reversed"),
           "repayment reversed": N_("repayment reversed")}


def word(words: dict, value):
    """A stored key (a status, a method) as its word in the session's language; others as they are."""
    return _(words[value]) if value in words else value


def table(rows: list[dict], columns: dict[str, str], *, money=(), dates=(), phones=(),
          words: dict[str, dict] | None = None) -> pd.DataFrame:
    """Rows -> a display frame; a missing value is a blank cell (st.dataframe would write "None").
    ``words``: column -> {stored key: N_() word}, cells shown translated."""
    out = {}
    words = words or {}
    for key, label in columns.items():
        values = [row.get(key) for row in rows]
        if key in words:
            values = [fmt.blank_if_none(word(words[key], v)) for v in values]
        elif key in money:
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
        text += " · " + _("can take {amount} more").format(amount=fmt.inr(row["available_credit"]))
    return text


PAGE_ROWS = 100


def page_of(rows: list, key: str, size: int = PAGE_ROWS) -> list:
    """The slice of ``rows`` on the chosen page, so only what is on screen is formatted and sent
    (a big shop has thousands). Past one page: a _("Page") number and a "rows X–Y of N" caption."""
    if len(rows) <= size:
        return rows
    pages = -(-len(rows) // size)
    if st.session_state.get(key, 1) > pages:  # the filters changed and this page no longer exists
        st.session_state[key] = pages
    number = st.number_input(_("Page"), min_value=1, max_value=pages, step=1, key=key,
                             help=_("{pages} pages of {size} rows.").format(pages=pages, size=size))
    start = (int(number) - 1) * size
    shown = rows[start:start + size]
    st.caption(_("rows {first}–{last} of {total}").format(first=f"{start + 1:,}", last=f"{start + len(shown):,}",
                                                         total=f"{len(rows):,}"))
    return shown
