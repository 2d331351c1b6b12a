"""The reminder message: one builder for the text and the WhatsApp template variables.

Twilio rejects template variables that hold a newline, a tab or a run of spaces
(and the text is one WhatsApp line anyway), while names and shop names typed
before the services normalised text may still hold them. So every value from the
book goes through ``one_line`` before it reaches the text or a variable.

Template variables (see ``khata.notify.twilio_whatsapp``): {{1}} customer name,
{{2}} shop name, {{3}} amount, {{4}} oldest due date, {{5}} UPI link (or "Please
pay at the shop.").
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from babel.dates import format_date

from ..money import format_inr

PAY_AT_SHOP = "Please pay at the shop."
_BLANKS = re.compile(r"\s+")


def one_line(value) -> str:
    """Text safe for a template variable: control characters (newlines, tabs, ...)
    and runs of spaces become one space; invisible joiners that Indian scripts need
    (format characters) are kept."""
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in str(value or ""))
    return _BLANKS.sub(" ", text).strip()


def upi_link(upi_id: str, payee: str, amount: Decimal, note: str) -> str:
    """``upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…`` with every value percent-encoded (spaces as %20)."""
    params = [
        ("pa", quote(upi_id.strip(), safe="@.-_")),
        ("pn", quote(payee[:50], safe="")),
        ("am", f"{Decimal(amount).quantize(Decimal('0.01'))}"),
        ("cu", "INR"),
        ("tn", quote(note[:50], safe="")),
    ]
    return "upi://pay?" + "&".join(f"{k}={v}" for k, v in params)


def message_date(value: date) -> str:
    """A due date as the message shows it: 27 Nov 2026."""
    return format_date(value, "d MMM y", locale="en_IN")


def compose(shop: dict, due: dict) -> tuple[str, dict]:
    """(free-form text, template variables) for one reminder: ``shop`` needs name and
    upi_id; ``due`` needs name, kind, amount, oldest_due_date and loan_count."""
    name, shop_name = one_line(due["name"]), one_line(shop["name"])
    amount = format_inr(due["amount"])
    when = message_date(due["oldest_due_date"])
    purchases = f"{due['loan_count']} purchase{'s' if due['loan_count'] != 1 else ''}"
    link = None
    if shop.get("upi_id"):
        link = upi_link(one_line(shop["upi_id"]), shop_name, due["amount"], f"Khata {name}")
    if due["kind"] == "overdue":
        text = (f"Namaste {name}, this is a reminder from {shop_name}: {amount} is overdue on your "
                f"account, due since {when} ({purchases}).")
    else:
        text = (f"Namaste {name}, a friendly reminder from {shop_name}: {amount} is due on {when} "
                f"({purchases}).")
    text += f" Pay by UPI: {link}" if link else f" {PAY_AT_SHOP}"
    text += " Thank you!"
    variables = {"1": name, "2": shop_name, "3": amount, "4": when, "5": link or PAY_AT_SHOP}
    return text, variables
