"""Small read models the dashboard needs that the core services do not offer.

Plain functions over ``khata.db`` (no Streamlit): totals are aggregated in SQL
and come back as Decimal.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from . import db
from .book import resolve_today, shop_row
from .dates import parse_date


def period_totals(shop_id, *, date_from=None, date_to=None, today: date | None = None, path=None) -> dict:
    """Issued and collected between two dates (inclusive; reversed entries excluded):
    {issued, collected, date_from, date_to}."""

    def work(con):
        sid = shop_row(con, shop_id)["shop_id"]
        as_of = resolve_today(con, sid, today)
        start = parse_date(date_from, "From date") if date_from not in (None, "") else date(2000, 1, 1)
        end = parse_date(date_to, "To date") if date_to not in (None, "") else as_of
        issued, collected = con.execute(
            "SELECT coalesce(sum(issued), 0), coalesce(sum(collected), 0) FROM daily_collections"
            " WHERE shop_id = ? AND day BETWEEN ? AND ?", [sid, start, end]).fetchone()
        return {"issued": Decimal(issued).quantize(Decimal("0.01")),
                "collected": Decimal(collected).quantize(Decimal("0.01")),
                "date_from": start, "date_to": end}

    return db.read(work, path)


def password_changed_at(username, path=None):
    """When the shopkeeper's password last changed (None for an unknown username)."""
    return db.read(lambda con: (con.execute(
        "SELECT password_changed_at FROM shopkeepers WHERE username = ?", [str(username or "").lower()]
    ).fetchone() or [None])[0], path)
