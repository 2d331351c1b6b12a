"""The reminder ladder: which reminder (if any) a customer is due on a given day.

Pure rules, no database and no clock, so they can be tested day by day.

Per shop, ``reminder_days`` and ``reminder_repeat_days`` (the shop settings):
days are counted from the due date plus grace days. Non-positive days (default -1)
are a courtesy "due soon" reminder for a purchase not yet overdue. Positive days
(default 1, 3, 7, 14, 30) are for overdue balances, counted on the customer's
oldest overdue purchase, then every ``reminder_repeat_days`` (default 7) after the
last one. A ladder step missed (the computer was off that morning) is sent at the
next run, once; a customer never gets more than one message a day, whatever the
number of purchases.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal
from functools import lru_cache

from ..accounts import parse_reminder_days
from ..i18n import N_

SEND_TIME = time(8, 0)  # the shop-local time of the daily run (prefect.yaml's cron; a test keeps them equal)
SKIP_OPTED_OUT = N_("Customer opted out of WhatsApp reminders.")
SKIP_INVALID = N_("Number is not on WhatsApp (flagged earlier).")


def ladder_settings(shop: dict) -> tuple[tuple[int, ...], int]:
    """(reminder days, repeat every n days) from a shop row."""
    return parse_reminder_days(shop["reminder_days"]), int(shop["reminder_repeat_days"] or 0)


def overdue_step(days_past_due: int, reminder_days, repeat_days: int) -> int | None:
    """The latest ladder step at or before ``days_past_due`` (>= 1), or None before the first."""
    steps = _overdue_steps(tuple(reminder_days))
    if not steps or days_past_due < steps[0]:
        return None
    last = steps[-1]
    if days_past_due > last and repeat_days and repeat_days > 0:
        return last + repeat_days * ((days_past_due - last) // repeat_days)
    return max(s for s in steps if s <= days_past_due)


@lru_cache(maxsize=256)
def _overdue_steps(reminder_days: tuple) -> tuple[int, ...]:
    return tuple(sorted(d for d in reminder_days if d >= 1))


def is_ladder_day(days: int, reminder_days, repeat_days: int) -> bool:
    """True on the exact days of the ladder (the rule without catch-up), for display and tests."""
    if days <= 0:
        return days in reminder_days
    return overdue_step(days, reminder_days, repeat_days) == days


def choose_reminder(customer: tuple, reminder_days, repeat_days: int, today: date,
                    last_overdue_reminder: date | None) -> dict | None:
    """The reminder one customer is due ``today`` (a row of the selection query): an
    overdue reminder on a ladder step not yet sent, else a courtesy 'due soon' one,
    else None. Opted-out and flagged numbers get ``skip_reason``."""
    (_, customer_id, name, phone, opted_out, invalid, language, worst, overdue_amount, oldest_overdue,
     overdue_count, soon_amount, soon_rel, soon_due, soon_count) = customer
    due = None
    if overdue_count:
        step = overdue_step(worst, reminder_days, repeat_days)
        if step is not None:
            step_date = today - timedelta(days=worst - step)
            if last_overdue_reminder is None or last_overdue_reminder < step_date:
                due = {"kind": "overdue", "ladder_day": worst, "amount": overdue_amount,
                       "oldest_due_date": oldest_overdue, "loan_count": overdue_count}
    if due is None and soon_count:
        due = {"kind": "due_soon", "ladder_day": soon_rel, "amount": soon_amount,
               "oldest_due_date": soon_due, "loan_count": soon_count}
    if due is None:
        return None
    due["amount"] = Decimal(due["amount"]).quantize(Decimal("0.01"))
    skip = SKIP_OPTED_OUT if opted_out else SKIP_INVALID if invalid else None
    due.update(customer_id=customer_id, name=name, phone=phone, language=language, skip_reason=skip)
    return due
