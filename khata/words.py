"""Words for codes the book stores, written one way wherever a person reads them (a form's
options, a table cell, a statement's "Paid by Cash", the audit log). CSV and Excel keep the codes."""
from __future__ import annotations

from .i18n import N_, _

METHODS = {"cash": N_("Cash"), "upi": N_("UPI"), "card": N_("Card"), "other": N_("Other")}


def method_word(code) -> str:
    """A payment method in the current language ("Cash", "नकद"); an unknown code as stored."""
    return _(METHODS[code]) if code in METHODS else ("" if code is None else str(code))
