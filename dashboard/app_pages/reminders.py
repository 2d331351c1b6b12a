"""Reminders: what the daily WhatsApp run sent, what is due tomorrow, opt-outs."""
import streamlit as st

from dashboard import common
from dashboard import format as fmt
from dashboard.text import plain
from khata import customers
from khata.errors import KhataError

sid, key = common.shop_id(), common.db_key()
today = common.today()
st.title("Reminders")
common.show_flash()
config = common.settings(sid, key)
state = "on" if config["reminders_enabled"] else "off"
days = ", ".join(str(d) for d in config["reminder_days"])
st.caption(f"WhatsApp reminders are **{state}**; sent at 8:00 on days {days} relative to the due date "
           "(change this on the Account page).")

# every outbox status (khata.reminders.STATUSES), the ones a shopkeeper checks first
STATUSES = ["all", "failed", "unknown", "sending", "queued", "sent", "delivered", "read", "skipped", "simulated"]
c1, c2, c3 = st.columns(3)
status = c1.selectbox("Status", STATUSES, key="rm_status", format_func=str.capitalize)
date_from = c2.date_input("From", value=common.days_after(today, -30), max_value=today, key="rm_from",
                          format="DD/MM/YYYY")
date_to = c3.date_input("To", value=today, key="rm_to", format="DD/MM/YYYY")
log = common.reminder_log(sid, key, date_from, date_to, None if status == "all" else status)

st.subheader("Sent")
if log is None:
    st.info("No reminders have been sent yet. The daily reminder run has not been set up on this "
            "computer; once it runs, every message, its status and any failure reason appear here.")
elif not log:
    st.info("No reminders in these dates.")
else:
    if len(log) == 500:
        st.caption("The newest 500; narrow the dates or the status to see others, or download them all "
                   "on Import & export.")
    for row in log:
        reason = " ".join(str(part) for part in (row.get("error_code"), row.get("error_message")) if part)
        row["why"] = reason
    common.show_table(common.table(log, {
        "reminder_date": "Date", "customer_name": "Customer", "kind": "Kind", "amount": "Amount",
        "status": "Status", "why": "Failure reason", "sent_at": "Sent at", "message_text": "Message"},
        money=("amount",), dates=("reminder_date",)))

st.subheader("Due tomorrow")
upcoming = common.upcoming_reminders(sid, key)
if upcoming is None:
    st.info("Nothing to show until the daily reminder run is set up.")
elif not upcoming:
    st.info("Nobody gets a reminder tomorrow.")
else:
    columns = {"customer_name": "Customer", "phone": "Phone", "kind": "Kind", "amount": "Amount",
               "oldest_due_date": "Oldest due", "skip_reason": "Not sent because"}
    common.show_table(common.table(upcoming, columns, money=("amount",), dates=("oldest_due_date",)))

st.subheader("Who gets WhatsApp reminders")
people = common.customer_list(sid, key)
opted_out = [row for row in people if row["whatsapp_opt_out"]]
if opted_out:
    not_sent = ", ".join(plain(row["name"]) for row in opted_out)
    st.caption(f"Not sent to: {not_sent}")
labels = {row["customer_id"]: common.customer_label(row) for row in people}
if labels:
    chosen = st.selectbox("Customer", list(labels), format_func=labels.get, index=None, key="rm_pick",
                          placeholder="Choose a customer")
    if chosen is not None:
        current = next(row for row in people if row["customer_id"] == chosen)
        wants = st.toggle("Send WhatsApp reminders to this customer", value=not current["whatsapp_opt_out"],
                          key=f"rm_toggle_{chosen}")
        if st.button("Save", key="rm_save"):
            try:
                customers.update_customer(sid, chosen, actor=common.actor(), whatsapp_opt_out=not wants)
            except KhataError as err:
                common.show_error(err)
            else:
                common.done("reminder_opt_out", f"{current['name']} will {'' if wants else 'not '}get reminders.")
else:
    st.info("No customers yet.")
