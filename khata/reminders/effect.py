"""Do reminders work? The ``reminder_effect`` view (migrations 005, 010) as the Reminders
page and the daily run's artifact show it.

Of the customers reminded of an overdue amount on a day, how many paid something within
1, 3 and 7 days and how much, by channel or by the shop's configured ladder step, against
the customers who were overdue that day but were not reminded. Reminders sent before the
due date are their own group, outside "all reminded" (their customers owed nothing overdue).
Only days whose 7-day window has closed count (reminder day + 7
<= the shop's today), so a recent reminder does not look like one that failed.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from .. import db
from ..book import Book
from ..errors import ValidationError
from ..i18n import N_, _

WINDOWS = (1, 3, 7)
DEFAULT_DAYS = 90                 # reminder days looked at: the last 90 whose window has closed
BY = ("channel", "ladder_step")
CONTROL = "not reminded"
BEFORE_DUE = "reminded before due"
CHANNEL_WORDS = {"whatsapp": N_("Automatic WhatsApp"), "whatsapp_manual": N_("WhatsApp by hand"),
                 "sms_manual": N_("SMS by hand")}
CONTROL_WORDS = N_("Not reminded (overdue)")
ALL_WORDS = N_("All reminded")
BEFORE_DUE_WORDS = N_("Reminded before the due date")

_SUMS = ", ".join([
    "sum(customers) AS customers",
    *(f"sum(paid_{n}d) AS paid_{n}d" for n in WINDOWS),
    *(f"CAST(sum(amount_{n}d) AS DECIMAL(18,2)) AS amount_{n}d" for n in WINDOWS),
])


def step_words(ladder_day) -> str:
    if ladder_day is None:
        return _(CONTROL_WORDS)
    if ladder_day < 0:
        return _("{days} day(s) before due").format(days=-ladder_day)
    if ladder_day == 0:
        return _("On the due date")
    return _("{days} day(s) overdue").format(days=ladder_day)


def _label(by: str, key) -> str:
    if key is None:
        return _(CONTROL_WORDS)
    if by == "channel":
        return _(CHANNEL_WORDS.get(key, key))
    return step_words(key)


def _shape(rows: list[dict], by: str) -> list[dict]:
    """Rows of (cohort, group) sums -> the groups, then 'all reminded', then the control group,
    each with the share who paid in each window (Decimal percent, one decimal)."""
    def finish(row: dict, label: str, group) -> dict:
        out = {"group": group, "label": label, "reminded": group != CONTROL, "customers": int(row["customers"])}
        for n in WINDOWS:
            paid = int(row[f"paid_{n}d"])
            out[f"paid_{n}d"] = paid
            out[f"share_{n}d"] = (Decimal(paid * 100) / out["customers"]).quantize(Decimal("0.1")) \
                if out["customers"] else Decimal("0.0")
            out[f"amount_{n}d"] = Decimal(row[f"amount_{n}d"] or 0).quantize(Decimal("0.01"))
        return out

    keys = ("customers", *(f"paid_{n}d" for n in WINDOWS), *(f"amount_{n}d" for n in WINDOWS))
    reminded = [r for r in rows if r["cohort"] == "reminded"]
    before = [r for r in rows if r["cohort"] == BEFORE_DUE]
    control = [r for r in rows if r["cohort"] == CONTROL]
    out = [finish(r, _label(by, r["grp"]), r["grp"]) for r in reminded]
    if len(reminded) > 1:
        out.append(finish({k: sum(r[k] for r in reminded) for k in keys}, _(ALL_WORDS), "all"))
    if before and by == "ladder_step":   # each courtesy day its own group
        out += [{**finish(r, step_words(r["grp"]), r["grp"]), "before_due": True} for r in before]
    elif before:                         # one group, whatever the channel
        out.append({**finish({k: sum(r[k] for r in before) for k in keys}, _(BEFORE_DUE_WORDS), BEFORE_DUE),
                    "before_due": True})
    out += [finish(r, _(CONTROL_WORDS), CONTROL) for r in control]
    return out


def _by(by: str) -> str:
    if by not in BY:
        raise ValidationError(_("Reminder results can be grouped by channel or by ladder step."))
    return by


def reminder_effect(book: Book, *, by: str = "channel", days: int = DEFAULT_DAYS) -> list[dict]:
    """The shop's answer: one row per channel (or ladder step), 'all reminded' when there
    are several, and 'not reminded'; empty when no reminder day's window has closed yet."""
    column = _by(by)
    last = book.today - timedelta(days=max(WINDOWS))
    rows = book.rows(
        f"SELECT cohort, {column} AS grp, {_SUMS} FROM reminder_effect WHERE shop_id = ?"
        " AND reminder_date BETWEEN ? AND ? GROUP BY cohort, grp ORDER BY cohort, grp NULLS LAST",
        [book.shop_id, last - timedelta(days=days - 1), last])
    if not any(r["cohort"] != CONTROL for r in rows):
        return []
    return _shape(rows, by)


def effect_for_shops(root, shop_ids, *, now: datetime, by: str = "channel", days: int = DEFAULT_DAYS) -> list[dict]:
    """The same over many shops together (the daily run's artifact), each shop's window
    closed by its own today."""
    column = _by(by)
    ids = [int(s) for s in shop_ids]
    if not ids:
        return []

    def work(con):
        return db.rows_as_dicts(con.execute(
            f"SELECT cohort, {column} AS grp, {_SUMS} FROM reminder_effect e JOIN shops s USING (shop_id)"
            " WHERE list_contains(?, e.shop_id)"
            " AND e.reminder_date + ? <= CAST(timezone(s.timezone, CAST(? AS TIMESTAMPTZ)) AS DATE)"
            " AND e.reminder_date + ? > CAST(timezone(s.timezone, CAST(? AS TIMESTAMPTZ)) AS DATE)"
            " GROUP BY cohort, grp ORDER BY cohort, grp NULLS LAST",
            [ids, max(WINDOWS), now, max(WINDOWS) + days, now]))

    rows = root.on_connection(work)
    if not any(r["cohort"] != CONTROL for r in rows):
        return []
    return _shape(rows, by)


def window_closed_by(today: date) -> date:
    """The newest reminder day counted on ``today``."""
    return today - timedelta(days=max(WINDOWS))
