"""Customer pickers that never carry a big shop's 5,000 names: a search box (name or
phone) that narrows as you type (``live``: it commits after a short typing pause, no
Enter needed) feeding a choice of the first ``reads.PICKER_LIMIT`` matches, matched in
SQL and cached per shop (``reads.find_customers``). A selectbox holding every customer
would filter in the browser, but it sends ~5,000 options on every run of the page;
measured against this in bench/README.md ("Customer pickers on the big shop")."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from khata.i18n import _

from . import format as fmt
from . import reads, session
from .text import plain
from .to_customer import customer_link

TYPING_PAUSE = "300ms"  # a rerun after each pause, not each letter: a page run is ~0.1-0.2 s on a big shop


def search_box(key: str) -> str:
    """The 'find a customer' box, narrowing as you type; what was typed, stripped."""
    return st.text_input(_("Find a customer (name or phone)"), key=key, type="search", live=TYPING_PAUSE,
                         placeholder=_("e.g. Asha or 98765")).strip()


def matches(search: str, **kind) -> list[dict]:
    """This shop's first matches for ``search`` (see ``reads.find_customers``), with a caption
    when nothing matches or when there are more than are offered."""
    rows = reads.find_customers(session.shop_id(), reads.db_key(), search, **kind)
    if search and not rows:
        st.caption(_("No customer matches {text}.").format(text=plain(search)))
    elif len(rows) == reads.PICKER_LIMIT:
        st.caption(_("The first {count} matches; type more of the name or phone to find others.")
                   .format(count=reads.PICKER_LIMIT))
    return rows


def choose(label: str, rows: list[dict], describe: Callable[[dict], str], *, key: str,
           placeholder: str) -> int | None:
    """A selectbox over ``rows`` (plain-text options), nothing chosen at first."""
    labels = {row["customer_id"]: describe(row) for row in rows}
    return st.selectbox(label, list(labels), format_func=labels.get, index=None, placeholder=placeholder, key=key)


def name_and_phone(row: dict) -> str:
    return f"{row['name']} · {fmt.phone(row['phone'])}"


def owing_label(row: dict) -> str:
    return _("{name} · {phone} · owes {amount}").format(name=row["name"], phone=fmt.phone(row["phone"]),
                                                         amount=fmt.inr(row["outstanding"]))


def filter_picker(key: str) -> int | None:
    """A list's 'Customer' filter: search, then one of the matches (None: all customers); once
    chosen, their name is also a link to their page (one more tap opens the customer)."""
    search = search_box(f"{key}_find")
    rows = matches(search, balances=False)
    chosen = choose(_("Customer"), rows, name_and_phone, key=key, placeholder=_("All customers"))
    if chosen is not None:
        customer_link(chosen, next(row["name"] for row in rows if row["customer_id"] == chosen))
    return chosen

