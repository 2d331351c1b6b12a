"""Reminders: what the daily WhatsApp run sent and what became of each message, what is due
tomorrow, who gets reminders (back on only with a note), and whether reminders work."""
import streamlit as st

from dashboard import charts, door, pickers, reads, session, writes
from dashboard import format as fmt
from dashboard.forms import show_flash, submit
from dashboard.reads import ROW_CAP, STATUS_CELLS, STATUS_NAMES
from dashboard.tables import PAGE_ROWS, pager, show_table, table, wanted_page_start, word
from dashboard.text import option_words, plain
from khata.i18n import N_, _

CHANNEL_WORDS = {"whatsapp": N_("Automatic WhatsApp"), "whatsapp_manual": N_("Your WhatsApp"),
                 "sms_manual": N_("Your SMS")}
EFFECT_BY = {"channel": N_("By channel"), "ladder_step": N_("By ladder step")}
KIND_WORDS = {"due_soon": N_("due soon"), "overdue": N_("overdue")}


def said(message):
    """A message the book stored in English (a skip reason): translated when the catalog has it."""
    return _(message) if message else message


sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title(_("Reminders"))
show_flash()
config = reads.settings(sid, key)
days = ", ".join(str(d) for d in config["reminder_days"])
send_at = fmt.clock(reads.send_time())  # the daily run's time, in the page's language
state = (_("WhatsApp reminders are **on**; sent at {time} on days {days} relative to the due date "
           "(change this on the Account page).") if config["reminders_enabled"] else
         _("WhatsApp reminders are **off**; sent at {time} on days {days} relative to the due date "
           "(change this on the Account page)."))
st.caption(state.format(time=send_at, days=days))

STATUSES = {"all": N_("All"), **STATUS_NAMES}  # khata.reminders.statuses, trouble first
c1, c2, c3 = st.columns(3)
status = c1.selectbox(_("Status"), list(STATUSES), key="rm_status", format_func=option_words(STATUSES))
date_from = c2.date_input(_("From"), value=session.days_after(today, -30), max_value=today, key="rm_from",
                          format="DD/MM/YYYY")
date_to = c3.date_input(_("To"), value=today, key="rm_to", format="DD/MM/YYYY")
log = reads.reminder_log(sid, key, date_from, date_to, None if status == "all" else status)

st.subheader(_("Sent"))
if not log:
    st.info(_("No reminders in these dates (or with this status). The daily run sends them at {time}; "
              "every message, its status and any failure reason appear here.").format(time=send_at))
else:
    if len(log) == ROW_CAP:
        st.caption(_("The newest {limit}; narrow the dates or the status to see others, or download them all "
                     "on Import & export.").format(limit=ROW_CAP))
    st.caption(_("“What happened” is the message's state as Twilio last reported it: 'sent' only means "
                 "Twilio accepted it; delivered and read come from WhatsApp."))
    for row in log:
        row["what_happened"] = reads.delivery_state(row)
        row["channel"] = word(CHANNEL_WORDS, row.get("channel"))
        row["kind"] = word(KIND_WORDS, row.get("kind"))
        row["status"] = word(STATUS_CELLS, row.get("status"))
    show_table(table(log, {
        "reminder_date": _("Date"), "customer_name": _("Customer"), "kind": _("Kind"), "amount": _("Amount"),
        "channel": _("Sent by"), "status": _("Status"), "what_happened": _("What happened"),
        "sent_at": _("Sent at"),
        "message_text": _("Message")},
        money=("amount",), dates=("reminder_date",)))

# what tomorrow's daily run will send: payments coming due and customers already overdue (the Kind column
# says which), so the heading says "reminders", not "due"
st.subheader(_("Reminders tomorrow"))
upcoming = reads.upcoming_page(sid, key, wanted_page_start("rm_up_page"), PAGE_ROWS)
if not upcoming["count"]:
    st.info(_("Nobody gets a reminder tomorrow."))
else:
    st.caption(_("Who gets a WhatsApp reminder at {time} tomorrow unless they pay today: payments coming due "
                 "and customers already overdue.").format(time=send_at))
    columns = {"customer_name": _("Customer"), "phone": _("Phone"), "kind": _("Kind"), "amount": _("Amount"),
               "oldest_due_date": _("Oldest due"), "skip_reason": _("Not sent because")}
    start = pager(upcoming["count"], "rm_up_page")
    if start != upcoming["offset"]:  # that page no longer exists (fewer reminders now)
        upcoming = reads.upcoming_page(sid, key, start, PAGE_ROWS)
    shown = [{**row, "kind": word(KIND_WORDS, row.get("kind")), "skip_reason": said(row.get("skip_reason"))}
             for row in upcoming["rows"]]
    show_table(table(shown, columns, money=("amount",), dates=("oldest_due_date",)))
    # the message of one reminder, not a column of long texts in every row
    picked = st.selectbox(_("Message for"), range(len(shown)), key="rm_up_message",
                          format_func=lambda n: f"{shown[n]['customer_name']} · {shown[n]['kind']} · "
                                                f"{fmt.inr(shown[n]['amount'])}")
    if picked is not None and picked < len(shown):
        st.text(shown[picked]["message_text"])

st.subheader(_("Who gets WhatsApp reminders"))
opted_out = reads.find_customers(sid, key, opted_out=True, balances=False)
if opted_out:
    not_sent = ", ".join(plain(row["name"]) for row in opted_out)
    st.caption(_("Not sent to: {names}").format(names=not_sent))
    if len(opted_out) == reads.PICKER_LIMIT:
        st.caption(_("Only the first {count} are named; search below to check a customer.")
                   .format(count=reads.PICKER_LIMIT))
if reads.find_customers(sid, key, balances=False):
    people = pickers.matches(pickers.search_box("rm_find"), balances=False)
    chosen = pickers.choose(_("Customer"), people, pickers.name_and_phone, key="rm_pick",
                            placeholder=_("Choose a customer"))
    if chosen is not None:
        current = next(row for row in people if row["customer_id"] == chosen)
        consent = reads.consent_state(sid, chosen)
        if consent["said"]:
            why = _("{said}: {note}").format(said=consent["said"], note=consent["note"]) if consent["note"] \
                else consent["said"]
            st.caption(plain(why))
        if current["whatsapp_opt_out"] and not door.can("reminders.consent.resume_reminders"):
            # turning reminders back on is the owner's word: no switch that would be refused
            st.info(door.refusal("reminders.consent.resume_reminders"))
        else:
            wants = st.toggle(_("Send WhatsApp reminders to this customer"), value=not current["whatsapp_opt_out"],
                              key=f"rm_toggle_{chosen}")
            note = None
            if wants and current["whatsapp_opt_out"]:
                note = st.text_input(_("How did the customer agree to get reminders again?"), key=f"rm_note_{chosen}",
                                     placeholder=_("e.g. said yes at the counter on 3 Dec"),
                                     help=_("Needed: they asked not to be reminded, so the book keeps who "
                                            "agreed, and when."))
            if st.button(_("Save"), key="rm_save"):
                if wants != current["whatsapp_opt_out"]:
                    st.info(_("Nothing to change."))
                elif wants:
                    submit("reminder_opt_out", lambda: writes.resume_reminders(chosen, note or ""),
                           _("{name} will get reminders again.").format(name=current["name"]))
                else:
                    submit("reminder_opt_out", lambda: writes.stop_reminders(chosen),
                           _("{name} will not get reminders.").format(name=current["name"]))
else:
    st.info(_("No customers yet."))

st.subheader(_("Do reminders work?"))
by = st.radio(_("Compare"), list(EFFECT_BY), horizontal=True, key="rm_effect_by",
              format_func=option_words(EFFECT_BY))
effect = reads.reminder_effect(sid, key, by)
if not effect:
    st.info(_("Results appear a week after the first reminder reaches a customer: each reminder's 7 days "
              "must be over before it counts."))
else:
    st.caption(_("Reminder days of the last 90 whose 7 days are over. 'Not reminded' = customers who were "
                 "overdue that day and got no reminder: the group to compare against."))
    chart_col, numbers_col = st.columns([3, 2])
    charts.draw(charts.reminder_effect(effect), "rm_effect_chart", where=chart_col)
    for row in effect:
        for n in (1, 3, 7):
            row[f"paid_{n}"] = f"{row[f'paid_{n}d']} ({row[f'share_{n}d']}%)"
    with numbers_col:
        show_table(table(effect, {
            "label": _("Group"), "customers": _("Customers"), "paid_1": _("Paid in 1 day"),
            "paid_3": _("In 3 days"), "paid_7": _("In 7 days"), "amount_7d": _("₹ paid in 7 days")},
            money=("amount_7d",)))
