"""The reminder message: one builder for the text and the WhatsApp template variables.

Twilio rejects template variables that hold a newline, a tab or a run of spaces
(and the text is one WhatsApp line anyway), while names and shop names typed
before the services normalised text may still hold them. So every value from the
book goes through ``one_line`` before it reaches the text or a variable.

Template variables (see ``khata.notify.twilio_whatsapp``): {{1}} customer name,
{{2}} shop name, {{3}} amount, {{4}} oldest due date, {{5}} the customer's own page link when
``KHATA_PUBLIC_URL`` is set (``due["page_link"]``, from ``khata.customer_links``), else the UPI
link (or "Please pay at the shop."). WhatsApp makes an https link tappable, not a ``upi://`` one:
the page opens the UPI app in one tap. Text and variables are in the customer's language (their own, else the
shop's default, the owner's); Twilio's template for that language is chosen by the notifier.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from ..dates import format_day
from ..i18n import DEFAULT_LANGUAGE, N_, _, ngettext, supported, use_language
from ..money import format_inr

PAY_AT_SHOP = N_("Please pay at the shop.")
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


def message_date(value: date, language: str | None = None) -> str:
    """A due date as the message shows it: 27 Nov 2026 (the month in the message's language)."""
    return format_day(value, language)


def message_language(shop: dict, due: dict) -> str:
    """The customer's language (selection fills it in, the shop's default when the customer
    has none), else the shop's, else English."""
    return supported(due.get("language")) or supported(shop.get("language")) or DEFAULT_LANGUAGE


# One whole sentence per case (a translator sees each message entire): kind x UPI link, none, or the
# customer's own page link ("page").
TEMPLATES = {
    ("overdue", True): N_("Namaste {name}, this is a reminder from {shop}: {amount} is overdue on your account, "
                          "due since {date} ({purchases}). Pay by UPI: {link} Thank you!"),
    ("overdue", False): N_("Namaste {name}, this is a reminder from {shop}: {amount} is overdue on your account, "
                           "due since {date} ({purchases}). Please pay at the shop. Thank you!"),
    ("due_soon", True): N_("Namaste {name}, a friendly reminder from {shop}: {amount} is due on {date} "
                           "({purchases}). Pay by UPI: {link} Thank you!"),
    ("due_soon", False): N_("Namaste {name}, a friendly reminder from {shop}: {amount} is due on {date} "
                            "({purchases}). Please pay at the shop. Thank you!"),
    ("overdue", "page"): N_("Namaste {name}, this is a reminder from {shop}: {amount} is overdue on your account, "
                            "due since {date} ({purchases}). See your khata and pay: {link} Thank you!"),
    ("due_soon", "page"): N_("Namaste {name}, a friendly reminder from {shop}: {amount} is due on {date} "
                             "({purchases}). See your khata and pay: {link} Thank you!"),
}
# The one-tap SMS with the page link: short, so that in English it is one 160-character SMS
# (plain GSM letters: "Rs" for the rupee sign) with a 30-character host in the link.
SMS_TEMPLATES = {
    "overdue": N_("{shop}: {name}, {amount} overdue. See and pay: {link}"),
    "due_soon": N_("{shop}: {name}, {amount} due {date}. See and pay: {link}"),
}
SMS_NAME_CHARS, SMS_SHOP_CHARS = 15, 20


def compose(shop: dict, due: dict) -> tuple[str, dict]:
    """(free-form text, template variables) for one reminder, in the customer's language
    (``message_language``): ``shop`` needs name and upi_id; ``due`` needs name, kind,
    amount, oldest_due_date and loan_count (and language)."""
    language = message_language(shop, due)
    with use_language(language):
        name, shop_name = one_line(due["name"]), one_line(shop["name"])
        amount = format_inr(due["amount"])
        when = message_date(due["oldest_due_date"])
        count = due["loan_count"]
        purchases = ngettext("{count} purchase", "{count} purchases", count).format(count=count)
        link = due.get("page_link")
        if link is None and shop.get("upi_id"):
            link = upi_link(one_line(shop["upi_id"]), shop_name, due["amount"],
                            _("Khata {name}").format(name=name))
        kind = "overdue" if due["kind"] == "overdue" else "due_soon"
        key = (kind, "page") if due.get("page_link") else (kind, link is not None)
        text = _(TEMPLATES[key]).format(
            name=name, shop=shop_name, amount=amount, date=when, purchases=purchases, link=link)
        variables = {"1": name, "2": shop_name, "3": amount, "4": when, "5": link or _(PAY_AT_SHOP)}
    return text, variables


def _short(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[:chars].rstrip()  # no "…": not a GSM letter


def compose_sms(shop: dict, due: dict) -> str:
    """The one-tap SMS: with the customer's page link, a short text (one SMS in English);
    without one, the same text as the WhatsApp message (as before)."""
    if not due.get("page_link"):
        return compose(shop, due)[0]
    language = message_language(shop, due)
    with use_language(language):
        amount = format_inr(due["amount"])
        if language == DEFAULT_LANGUAGE:
            amount = amount.replace("₹", "Rs ")  # ₹ is not a GSM letter: one would make it a 70-character SMS
        kind = "overdue" if due["kind"] == "overdue" else "due_soon"
        return _(SMS_TEMPLATES[kind]).format(
            shop=_short(one_line(shop["name"]), SMS_SHOP_CHARS), name=_short(one_line(due["name"]), SMS_NAME_CHARS),
            amount=amount, date=message_date(due["oldest_due_date"]), link=due["page_link"])
