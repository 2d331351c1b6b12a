"""Reminders: what the daily WhatsApp run sent, what is due tomorrow, opt-outs."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session, writes
from dashboard.forms import show_flash, submit
from dashboard.tables import customer_label, page_of, show_table, table, word
from dashboard.text import option_words, plain
from khata.i18n import N_, _

CHANNEL_WORDS = {"whatsapp": N_("Automatic WhatsApp"), "whatsapp_manual": N_("Your WhatsApp"),
                 "sms_manual": N_("Your SMS")}
KIND_WORDS = {"due_soon": N_("due_soon"), "overdue": N_("overdue")}


def said(message):
    """A message the book stored in English (a skip reason): translated when the catalog has it."""
    return _(message) if message else message


sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title(_("Reminders"))
show_flash()
config = reads.settings(sid, key)
days = ", ".join(str(d) for d in config["reminder_days"])
state = (_("WhatsApp reminders are **on**; sent at 8:00 on days {days} relative to the due date "
           "(change this on the Account page).") if config["reminders_enabled"] else
         _("WhatsApp reminders are **off**; sent at 8:00 on days {days} relative to the due date "
           "(change this on the Account page)."))
st.caption(state.format(days=days))

# every outbox status (khata.reminders.STATUSES), the ones a shopkeeper checks first
STATUSES = {"all": N_("All"), "failed": N_("Failed"), "unknown": N_("Unknown"), "sending": N_("Sending"),
            "queued": N_("Queued"), "sent": N_("Sent"), "delivered": N_("Delivered"), "read": N_("Read"),
            "opened": N_("Opened"), "skipped": N_("Skipped"), "simulated": N_("Simulated")}
# the same statuses as table cells, lowercase as stored
STATUS_CELLS = {"failed": N_("failed"), "unknown": N_("unknown"), "sending": N_("sending"), "queued": N_("queued"),
                "sent": N_("sent"), "delivered": N_("delivered"), "read": N_("read"), "opened": N_("opened"),
                "skipped": N_("skipped"), "simulated": N_("simulated")}
c1, c2, c3 = st.columns(3)
status = c1.selectbox(_("Status"), list(STATUSES), key="rm_status", format_func=option_words(STATUSES))
date_from = c2.date_input(_("From"), value=session.days_after(today, -30), max_value=today, key="rm_from",
                          format="DD/MM/YYYY")
date_to = c3.date_input(_("To"), value=today, key="rm_to", format="DD/MM/YYYY")
log = reads.reminder_log(sid, key, date_from, date_to, None if status == "all" else status)

st.subheader(_("Sent"))
if not log:
    st.info(_("No reminders in these dates (or with this status). The daily run sends them at 8:00; "
              "every message, its status and any failure reason appear here."))
else:
    if len(log) == 500:
        st.caption(_("The newest 500; narrow the dates or the status to see others, or download them all "
                     "on Import & export."))
    for row in log:
        reason = " ".join(str(part) for part in (row.get("error_code"), said(row.get("error_message"))) if part)
        row["why"] = reason
        row["channel"] = word(CHANNEL_WORDS, row.get("channel"))
        row["kind"] = word(KIND_WORDS, row.get("kind"))
        row["status"] = word(STATUS_CELLS, row.get("status"))
    show_table(table(log, {
        "reminder_date": _("Date"), "customer_name": _("Customer"), "kind": _("Kind"), "amount": _("Amount"),
        "channel": _("Sent by"), "status": _("Status"), "why": _("Failure reason"), "sent_at": _("Sent at"),
        "message_text": _("Message")},
        money=("amount",), dates=("reminder_date",)))

st.subheader(_("Due tomorrow"))
upcoming = reads.upcoming_reminders(sid, key)
if not upcoming:
    st.info(_("Nobody gets a reminder tomorrow."))
else:
    columns = {"customer_name": _("Customer"), "phone": _("Phone"), "kind": _("Kind"), "amount": _("Amount"),
               "oldest_due_date": _("Oldest due"), "skip_reason": _("Not sent because")}
    shown = [{**row, "kind": word(KIND_WORDS, row.get("kind")), "skip_reason": said(row.get("skip_reason"))}
             for row in page_of(upcoming, "rm_up_page")]
    show_table(table(shown, columns, money=("amount",), dates=("oldest_due_date",)))
    # the message of one reminder, not a column of long texts in every row
    picked = st.selectbox(_("Message for"), range(len(shown)), key="rm_up_message",
                          format_func=lambda n: f"{shown[n]['customer_name']} · {shown[n]['kind']} · "
                                                f"{fmt.inr(shown[n]['amount'])}")
    if picked is not None and picked < len(shown):
        st.text(shown[picked]["message_text"])

st.subheader(_("Who gets WhatsApp reminders"))
people = reads.customer_list(sid, key)
opted_out = [row for row in people if row["whatsapp_opt_out"]]
if opted_out:
    not_sent = ", ".join(plain(row["name"]) for row in opted_out)
    st.caption(_("Not sent to: {names}").format(names=not_sent))
labels = {row["customer_id"]: customer_label(row) for row in people}
if labels:
    chosen = st.selectbox(_("Customer"), list(labels), format_func=labels.get, index=None, key="rm_pick",
                          placeholder=_("Choose a customer"))
    if chosen is not None:
        current = next(row for row in people if row["customer_id"] == chosen)
        wants = st.toggle(_("Send WhatsApp reminders to this customer"), value=not current["whatsapp_opt_out"],
                          key=f"rm_toggle_{chosen}")
        if st.button(_("Save"), key="rm_save"):
            submit("reminder_opt_out", lambda: writes.edit_customer(chosen, whatsapp_opt_out=not wants),
                   (_("{name} will get reminders.") if wants else _("{name} will not get reminders.")).format(
                       name=current["name"]))
else:
    st.info(_("No customers yet."))
