"""Who is logged in, in this browser session: the shop, the shopkeeper and the
shop-local today. Pages read them here; auth.py fills them in at login."""
from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from khata.dates import shop_today
from khata.i18n import _

ME = "_khata_me"


def shop_timezone() -> str | None:
    """The logged-in shop's time zone, or None (no login yet): for writing instants, never stops."""
    return (st.session_state.get(ME) or {}).get("timezone")


def current() -> dict:
    """{shop_id, username, name, shop_name, timezone, role, must_change_password} of the logged-in person."""
    me = st.session_state.get(ME)
    if not me:
        st.error(_("Please log in."))
        st.stop()
    return me


def shop_id() -> int:
    return current()["shop_id"]


def actor() -> str:
    return current()["username"]


def remember_shop(*, shop_name: str, timezone: str) -> None:
    """After the shop profile changed: the sidebar and 'today' follow at once."""
    st.session_state[ME] = {**current(), "shop_name": shop_name, "timezone": timezone}


def remember_language(code: str | None) -> None:
    """After the shopkeeper chose a language on Account: this session follows it too."""
    st.session_state[ME] = {**current(), "language": code}


def today() -> date:
    return shop_today(current().get("timezone") or "Asia/Kolkata")


def month_start(day: date) -> date:
    return day.replace(day=1)


def days_after(day: date, days: int) -> date:
    return day + timedelta(days=int(days))
