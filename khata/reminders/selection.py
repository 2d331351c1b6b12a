"""Who is due a reminder on a day: the shops of a run and the customers on their ladder.

A run is scoped one way everywhere: ``list_shops(username)`` turns the optional
shopkeeper username into the run's shops, and every later step takes their ids.
Nothing here writes.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .. import db
from ..accounts import normalize_username, shop_languages
from ..errors import NotFound, ValidationError
from ..i18n import _
from .ladder import SEND_TIME, choose_reminder, ladder_settings

# An outbox row that reached (or may have reached) the customer's phone: everything but a
# row that was never sent ('skipped') or that Twilio refused ('failed').
_MESSAGED = "status NOT IN ('skipped', 'failed')"


def list_shops(root, username: str | None = None) -> list[dict]:
    """Every shop (or the one of ``username``), with its time zone and reminder switch."""
    where, params = "", []
    if username:
        try:
            where, params = " WHERE shop_id = (SELECT shop_id FROM shopkeepers WHERE username = ?)", \
                [normalize_username(username)]
        except ValidationError:
            where, params = " WHERE FALSE", []
    shops = root.on_connection(lambda con: db.rows_as_dicts(con.execute(
        "SELECT shop_id, name, timezone, reminders_enabled FROM shops" + where + " ORDER BY shop_id",
        params)))
    if username and not shops:
        raise NotFound(f"No shopkeeper with the username '{username}'.")
    return shops


def shop_rows(con, shop_ids) -> list[dict]:
    """The shops, in the order given, in one query; NotFound if any does not exist."""
    ids = [int(sid) for sid in shop_ids]
    found = {r["shop_id"]: r for r in db.rows_as_dicts(
        con.execute("SELECT * FROM shops WHERE list_contains(?, shop_id)", [ids]))}
    if any(sid not in found for sid in ids):
        raise NotFound(_("That shop does not exist."))
    return [found[sid] for sid in ids]


def select_due(con, shop: dict, today: date, now: datetime | None = None) -> list[dict]:
    """Customers of ``shop`` due a reminder on ``today``, one dict each; nothing is written.

    Customers who already have an outbox row for ``today`` are left out, and, when the
    sending instant ``now`` is given, so is anyone messaged since ``messaged_since`` (one
    message per customer per calendar day of sending). Opted-out and invalid numbers are
    included with ``skip_reason`` set (they get a ``skipped`` row).
    """
    return select_due_many(con, [shop], {shop["shop_id"]: today}, now)[shop["shop_id"]]


def messaged_since(shop: dict, day: date, now: datetime) -> datetime:
    """The instant from which an earlier message rules out another one, for a reminder of
    ``day`` sent at ``now``: the start of the shop's calendar day of sending, or, for a
    catch-up of an earlier day, that day's scheduled run time (``SEND_TIME``), whichever
    is earlier. So a customer gets at most one message per day of sending, and a catch-up
    for yesterday reaches only those not messaged since yesterday's run should have gone."""
    zone = ZoneInfo(shop["timezone"])
    sending_day = now.astimezone(zone).date()
    midnight = datetime.combine(sending_day, datetime.min.time(), zone)
    scheduled = datetime.combine(day, SEND_TIME, zone)
    return min(midnight, scheduled)


def messaged_customers(con, shops: list[dict], day_by_shop: dict[int, date], now: datetime) -> set[tuple[int, int]]:
    """(shop_id, customer_id) of everyone messaged, automatically or by hand, since
    ``messaged_since`` for their shop: whatever reminder date the row was for."""
    if not shops:
        return set()
    match = " OR ".join("(shop_id = ? AND coalesce(sent_at, claimed_at, created_at) >= ?)" for _shop in shops)
    params = [v for s in shops for v in (s["shop_id"], messaged_since(s, day_by_shop[s["shop_id"]], now))]
    return {(r[0], r[1]) for r in con.execute(
        f"SELECT DISTINCT shop_id, customer_id FROM reminder_outbox WHERE {_MESSAGED} AND ({match})",
        params).fetchall()}


_CUSTOMERS_SQL = """
WITH open_loans AS (
    SELECT b.shop_id, b.customer_id, b.outstanding, b.due_date, b.grace_days, b.status, b.days_past_due,
           CAST(? AS DATE) - (b.due_date + b.grace_days) AS rel,
           list_contains(list_transform(string_split(s.reminder_days, ','), lambda d: CAST(trim(d) AS INTEGER)),
                         CAST(CAST(? AS DATE) - (b.due_date + b.grace_days) AS INTEGER)) AS courtesy_day
    FROM loan_balances_for(?, ?) b
    JOIN shops s ON s.shop_id = b.shop_id
    WHERE b.outstanding > 0 AND b.status IN ('overdue', 'pending') AND {shops}
)
SELECT o.shop_id, o.customer_id, c.name, c.phone, c.whatsapp_opt_out, c.whatsapp_invalid, c.language,
       max(o.days_past_due) FILTER (WHERE o.status = 'overdue')          AS worst,
       sum(o.outstanding) FILTER (WHERE o.status = 'overdue')            AS overdue_amount,
       min(o.due_date) FILTER (WHERE o.status = 'overdue')               AS oldest_overdue,
       count(*) FILTER (WHERE o.status = 'overdue')                      AS overdue_count,
       sum(o.outstanding) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) AS soon_amount,
       min(o.rel) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day)         AS soon_rel,
       min(o.due_date + o.grace_days) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day)
                                                                        AS soon_due,
       count(*) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) AS soon_count
FROM open_loans o
JOIN customers c ON c.shop_id = o.shop_id AND c.customer_id = o.customer_id
WHERE c.archived_at IS NULL
GROUP BY o.shop_id, o.customer_id, c.name, c.phone, c.whatsapp_opt_out, c.whatsapp_invalid, c.language
HAVING count(*) FILTER (WHERE o.status = 'overdue') > 0
    OR count(*) FILTER (WHERE o.status = 'pending' AND o.rel <= 0 AND o.courtesy_day) > 0
ORDER BY o.shop_id, o.customer_id
"""


def select_due_many(con, shops: list[dict], day_by_shop: dict[int, date],
                    now: datetime | None = None) -> dict[int, list[dict]]:
    """``select_due`` for many shops at once: one ledger query per distinct local date
    (usually one for every shop), aggregated per customer in SQL; the ladder step is
    decided in Python (``ladder.choose_reminder``). With ``now`` (a run or a tap about to
    send), customers already messaged that day of sending are left out."""
    enabled = [s for s in shops if s["reminders_enabled"]]
    messaged = messaged_customers(con, enabled, day_by_shop, now) if now is not None else set()
    out: dict[int, list[dict]] = {s["shop_id"]: [] for s in shops}
    by_day: dict[date, list[int]] = {}
    for s in enabled:
        by_day.setdefault(day_by_shop[s["shop_id"]], []).append(s["shop_id"])
    settings = {s["shop_id"]: ladder_settings(s) for s in enabled}
    languages = shop_languages(con, settings)  # for customers without a language of their own
    for day, ids in by_day.items():
        if len(ids) == 1:  # the macro filters the shop itself, and '=' lets DuckDB skip row groups
            customers = con.execute(_CUSTOMERS_SQL.format(shops="TRUE"), [day, day, ids[0], day]).fetchall()
            scope, params = "shop_id = ?", [ids[0]]
        else:
            customers = con.execute(_CUSTOMERS_SQL.format(shops="list_contains(?, b.shop_id)"),
                                    [day, day, None, day, ids]).fetchall()
            scope, params = "list_contains(?, shop_id)", [ids]
        last_overdue: dict[tuple[int, int], date] = {
            (r[0], r[1]): r[2] for r in con.execute(
                "SELECT shop_id, customer_id, max(reminder_date) FROM reminder_outbox"
                f" WHERE {scope} AND kind = 'overdue' AND reminder_date < ? GROUP BY ALL",
                [*params, day]).fetchall()}
        done_today = {(r[0], r[1]) for r in con.execute(
            f"SELECT shop_id, customer_id FROM reminder_outbox WHERE {scope} AND reminder_date = ?",
            [*params, day]).fetchall()}
        for row in customers:
            key = (row[0], row[1])
            if key in done_today or key in messaged:
                continue
            days, repeat = settings[row[0]]
            due = choose_reminder(row, days, repeat, day, last_overdue.get(key))
            if due is not None:
                due["language"] = due["language"] or languages[row[0]]
                out[row[0]].append(due)
    return out
