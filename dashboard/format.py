"""How the dashboard shows money, dates and phone numbers to a shopkeeper.

Money goes through ``khata.money.format_inr`` (Babel, the current language's locale with
Latin digits and Indian grouping: ₹12,34,567.50); dates read the way a shopkeeper writes
them, with the month in the current language (27 Nov 2026, 27 नव॰ 2026).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import pandas as pd

from khata.dates import format_clock, format_day
from khata.i18n import current_language
from khata.money import format_inr
from khata.phones import pretty_phone

__all__ = ["inr", "day", "when", "percent", "phone", "pretty_phone", "blank_if_none"]


def blank_if_none(value):
    """A table cell: nothing shown for a missing value."""
    return "" if value is None else value


def inr(amount) -> str:
    """₹ with Indian grouping; blank for a missing amount."""
    if amount is None or (isinstance(amount, float) and amount != amount):
        return ""
    return format_inr(amount)


def day(value) -> str:
    """27 Nov 2026 (blank for None)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime().date()
    return _day(value, current_language())


@lru_cache(maxsize=8192)
def _day(value: date, language: str) -> str:
    """Cached: a table of a thousand rows has a few dozen distinct dates."""
    return format_day(value, language)


def when(value, zone: str | None = None) -> str:
    """An instant in the shop's view: 27 Nov 2026, 08:00 (in the time zone ``zone``, the shop's,
    when given: the book keeps instants in UTC). Blank for a missing one."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if hasattr(value, "to_pydatetime"):  # pandas Timestamp
        value = value.to_pydatetime()
    if zone and value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(zone))
    return f"{_day(value.date(), current_language())}, {value:%H:%M}"


def clock(value) -> str:
    """A time of day in the page's language: 7:30, 17:30 (``khata.reminders.ladder.SEND_TIME``)."""
    return format_clock(value)


def percent(rate) -> str:
    """Decimal('0.8123') -> '81.2%'."""
    if rate is None:
        return ""
    return f"{Decimal(rate) * 100:.1f}%"


def phone(e164) -> str:
    return pretty_phone(e164)
