"""Remind today: the customers the reminder ladder picks for today, largest amount first, each
with one-tap WhatsApp and SMS buttons from the shopkeeper's own phone."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session
from dashboard.remind_buttons import reminder_buttons
from dashboard.text import plain
from khata.i18n import _

sid, key = session.shop_id(), reads.db_key()
st.title(_("Remind today"))
st.caption(_("Send the reminder from your own WhatsApp or SMS, in your name. A tap counts as the customer's "
             "reminder for today, so the 8:00 automatic message does not go out again."))
people = reads.remind_today(sid, key)
if not people:
    st.info(_("Nobody needs a reminder today."))
    st.stop()
waiting = [p for p in people if not p["done"]]
done = [p for p in people if p["done"]]
st.caption(_("{waiting} to remind, {done} done today.").format(waiting=len(waiting), done=len(done)))
for person in people[:100]:
    with st.container(border=True):
        what = _("overdue since {date}") if person["kind"] == "overdue" else _("due on {date}")
        st.markdown(f"**{plain(person['name'])}** · {fmt.inr(person['amount'])} · "
                    f"{what.format(date=fmt.day(person['oldest_due_date']))}")
        reminder_buttons(person, person["done"], f"rt_{person['customer_id']}")
if len(people) > 100:
    st.caption(_("The first 100 are shown; send these, and the rest come up next."))
