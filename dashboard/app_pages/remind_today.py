"""Remind today: the customers the reminder ladder picks for today, largest amount first,
each name opening the customer's page, with one-tap WhatsApp and SMS from the shopkeeper's own
phone (one tap records the day's reminder and opens the app: dashboard/remind_buttons.py)."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session
from dashboard.remind_buttons import reminder_buttons
from dashboard.tables import pager, wanted_page_start
from dashboard.text import plain
from dashboard.to_customer import customer_link
from khata.i18n import _

sid, key = session.shop_id(), reads.db_key()
st.title(_("Remind today"))
st.caption(_("Send the reminder from your own WhatsApp or SMS, in your name. A tap counts as the customer's "
             "reminder for today, so the {time} automatic message does not go out again.")
           .format(time=fmt.clock(reads.send_time())))
PAGE = 25  # cards on screen: each has two buttons, and a big shop has thousands to remind
found = reads.remind_today(sid, key, wanted_page_start("rt_page", PAGE), PAGE)
if not found["count"]:
    st.info(_("Nobody needs a reminder today."))
    st.stop()
st.caption(_("{waiting} to remind, {done} done today.").format(waiting=found["waiting"], done=found["done"]))
start = pager(found["count"], "rt_page", PAGE)
if start != found["offset"]:  # that page no longer exists (fewer to remind now)
    found = reads.remind_today(sid, key, start, PAGE)
for person in found["rows"]:
    with st.container(border=True):
        what = _("overdue since {date}") if person["kind"] == "overdue" else _("due on {date}")
        customer_link(person["customer_id"], person["name"])
        when = what.format(date=fmt.day(person["oldest_due_date"]))
        st.caption(f"{plain(fmt.inr(person['amount']))} · {plain(when)}")
        reminder_buttons(person, person["done"], f"rt_{person['customer_id']}")
