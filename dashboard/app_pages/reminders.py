"""Reminders: what the daily WhatsApp run sent, what is due tomorrow, opt-outs."""
import streamlit as st

from dashboard import format as fmt
from dashboard import pickers, reads, session, writes
from dashboard.forms import show_flash, submit
from dashboard.tables import PAGE_ROWS, pager, show_table, table, wanted_page_start
from dashboard.text import plain
from khata.i18n import _

CHANNEL_WORDS = {"whatsapp": "Automatic WhatsApp", "whatsapp_manual": "Your WhatsApp", "sms_manual": "Your SMS"}
sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title("Reminders")
show_flash()
config = reads.settings(sid, key)
state = "on" if config["reminders_enabled"] else "off"
days = ", ".join(str(d) for d in config["reminder_days"])
st.caption(f"WhatsApp reminders are **{state}**; sent at 8:00 on days {days} relative to the due date "
           "(change this on the Account page).")

# every outbox status (khata.reminders.STATUSES), the ones a shopkeeper checks first
STATUSES = ["all", "failed", "unknown", "sending", "queued", "sent", "delivered", "read", "opened", "skipped",
            "simulated"]
c1, c2, c3 = st.columns(3)
status = c1.selectbox("Status", STATUSES, key="rm_status", format_func=str.capitalize)
date_from = c2.date_input("From", value=session.days_after(today, -30), max_value=today, key="rm_from",
                          format="DD/MM/YYYY")
date_to = c3.date_input("To", value=today, key="rm_to", format="DD/MM/YYYY")
log = reads.reminder_log(sid, key, date_from, date_to, None if status == "all" else status)

st.subheader("Sent")
if not log:
    st.info("No reminders in these dates (or with this status). The daily run sends them at 8:00; "
            "every message, its status and any failure reason appear here.")
else:
    if len(log) == 500:
        st.caption("The newest 500; narrow the dates or the status to see others, or download them all "
                   "on Import & export.")
    for row in log:
        reason = " ".join(str(part) for part in (row.get("error_code"), row.get("error_message")) if part)
        row["why"] = reason
        row["channel"] = CHANNEL_WORDS.get(row.get("channel"), row.get("channel"))
    show_table(table(log, {
        "reminder_date": "Date", "customer_name": "Customer", "kind": "Kind", "amount": "Amount",
        "channel": "Sent by", "status": "Status", "why": "Failure reason", "sent_at": "Sent at",
        "message_text": "Message"},
        money=("amount",), dates=("reminder_date",)))

st.subheader("Due tomorrow")
upcoming = reads.upcoming_page(sid, key, wanted_page_start("rm_up_page"), PAGE_ROWS)
if not upcoming["count"]:
    st.info("Nobody gets a reminder tomorrow.")
else:
    columns = {"customer_name": "Customer", "phone": "Phone", "kind": "Kind", "amount": "Amount",
               "oldest_due_date": "Oldest due", "skip_reason": "Not sent because"}
    start = pager(upcoming["count"], "rm_up_page")
    if start != upcoming["offset"]:  # that page no longer exists (fewer reminders now)
        upcoming = reads.upcoming_page(sid, key, start, PAGE_ROWS)
    shown = upcoming["rows"]
    show_table(table(shown, columns, money=("amount",), dates=("oldest_due_date",)))
    # the message of one reminder, not a column of long texts in every row
    picked = st.selectbox("Message for", range(len(shown)), key="rm_up_message",
                          format_func=lambda n: f"{shown[n]['customer_name']} · {shown[n]['kind']} · "
                                                f"{fmt.inr(shown[n]['amount'])}")
    if picked is not None and picked < len(shown):
        st.text(shown[picked]["message_text"])

st.subheader("Who gets WhatsApp reminders")
opted_out = reads.find_customers(sid, key, opted_out=True, balances=False)
if opted_out:
    not_sent = ", ".join(plain(row["name"]) for row in opted_out)
    st.caption(f"Not sent to: {not_sent}")
    if len(opted_out) == reads.PICKER_LIMIT:
        st.caption(_("Only the first {count} are named; search below to check a customer.")
                   .format(count=reads.PICKER_LIMIT))
if reads.find_customers(sid, key, balances=False):
    people = pickers.matches(pickers.search_box("rm_find"), balances=False)
    chosen = pickers.choose(_("Customer"), people, pickers.name_and_phone, key="rm_pick",
                            placeholder=_("Choose a customer"))
    if chosen is not None:
        current = next(row for row in people if row["customer_id"] == chosen)
        wants = st.toggle("Send WhatsApp reminders to this customer", value=not current["whatsapp_opt_out"],
                          key=f"rm_toggle_{chosen}")
        if st.button("Save", key="rm_save"):
            submit("reminder_opt_out", lambda: writes.edit_customer(chosen, whatsapp_opt_out=not wants),
                   f"{current['name']} will {'' if wants else 'not '}get reminders.")
else:
    st.info("No customers yet.")
