"""The Customers list on a phone: one short card per customer, the name a one-tap link to their
page, then what matters at the counter (owes, overdue, days late, phone) on one wrapped line.
A 9-column table hid the balance off a 390 px screen; every column stays in the owner's Excel."""
from __future__ import annotations

import streamlit as st

from khata.i18n import _, ngettext

from . import format as fmt
from .text import plain
from .to_customer import customer_link

CARDS = 25  # cards a page: each is a link and a line, and a phone scrolls


def counter_line(row: dict) -> str:
    """'Owes ₹1,200.00 · ₹400.00 overdue, 12 days late · +91 98765 43210' (Markdown, text escaped)."""
    parts = [_("Owes {amount}").format(amount=fmt.inr(row["outstanding"]))
             if row["outstanding"] else _("Owes nothing")]
    if row.get("overdue"):
        late = int(row.get("max_days_past_due") or 0)
        overdue = _("{amount} overdue").format(amount=fmt.inr(row["overdue"]))
        if late > 0:
            overdue += ", " + ngettext("{days} day late", "{days} days late", late).format(days=late)
        parts.append(f"**:red[{plain(overdue)}]**")
    parts.append(fmt.phone(row["phone"]))
    return " · ".join(plain(part) if not part.startswith("**") else part for part in parts)


def customer_card(row: dict) -> None:
    """One customer of the list: their name (opens their page) and the counter line."""
    with st.container(border=True, gap="small"):
        customer_link(row["customer_id"], row["name"])
        st.caption(counter_line(row))
