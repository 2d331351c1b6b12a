"""One customer: contact details and balances, then the day's actions (sell on credit, record a
repayment, remind) before the long statement, so the counter's common case never leaves the
page; editing and removing this customer live here too (no picking from a list of names)."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session
from dashboard.customer_edit import customer_details_forms
from dashboard.exports import csv_bytes, qr_image
from dashboard.forms import show_error, show_flash
from dashboard.ledger_forms import customer_repayment_form, sale_form
from dashboard.link_panel import customer_link_box
from dashboard.remind_buttons import reminder_buttons
from dashboard.tables import ENTRIES, essentials_or_all, table
from dashboard.text import plain
from khata.errors import KhataError
from khata.i18n import _, current_language

sid = session.shop_id()
show_flash()
wanted = st.query_params.get("id") or st.session_state.get("customer_id")
if wanted in (None, ""):
    st.info(_("Choose a customer on the Customers page."))
    st.page_link("dashboard/app_pages/customers.py", label=_("Go to Customers"), icon="👥")
    st.stop()
try:
    person, found = reads.customer_with_statement(sid, wanted)
except KhataError as err:
    show_error(err)
    st.page_link("dashboard/app_pages/customers.py", label=_("Back to Customers"), icon="👥")
    st.stop()
cid = person["customer_id"]
st.query_params["id"] = str(cid)
st.session_state["customer_id"] = cid

st.page_link("dashboard/app_pages/customers.py", label=_("All customers"), icon="⬅️")
st.title(plain(person["name"]))
contact = [f"📞 {plain(fmt.phone(person['phone']))}"]
if person["address"]:
    contact.append(f"🏠 {plain(person['address'])}")
st.markdown(" · ".join(contact))
if person["notes"]:
    st.caption(plain(person["notes"]))
consent = reads.consent_state(sid, cid)
if consent["said"]:
    why = _("{said}: {note}").format(said=consent["said"], note=consent["note"]) if consent["note"] \
        else consent["said"]
    if person["whatsapp_opt_out"]:
        st.caption(_("🔕 Does not get WhatsApp reminders. {why}.").format(why=plain(why)))
    else:
        st.caption(_("🔔 Gets WhatsApp reminders. {why}.").format(why=plain(why)))
elif person["whatsapp_opt_out"]:
    st.caption(_("🔕 Does not get WhatsApp reminders."))

cols = st.columns(2)
cols[0].metric(_("Owes you"), fmt.inr(person["outstanding"]), border=True)
cols[1].metric(_("Overdue"), fmt.inr(person["overdue"]), border=True)

# ---- the day's actions, before the long statement (on a phone the columns stack) ----
left, right = st.columns(2)
with left.expander(_("🛒 Sell on credit")):
    sale_form(f"cust_sale_{cid}", customer_id=cid)
with right.expander(_("💰 Record a repayment")):
    customer_repayment_form(f"cust_repay_{cid}", customer_id=cid)

reminder = reads.manual_reminder_for(sid, cid)
if reminder is not None:
    with st.container(border=True):
        st.markdown(_("**Remind {name}** from your phone").format(name=plain(person["name"])))
        reminder_buttons(reminder, reads.reminded_today(sid, cid), f"cust_remind_{cid}")

cols = st.columns(2)
cols[0].metric(_("Can take more"), fmt.inr(person["available_credit"]), border=True)
cols[1].metric(_("Credit limit"), fmt.inr(person["credit_limit"]), border=True)

if found["upi_link"]:
    with st.container(border=True):
        qr_col, text_col = st.columns([1, 2], vertical_alignment="center")
        qr_col.image(qr_image(found["upi_link"]), width=180)
        text_col.markdown(_("**Scan to pay {amount}** with any UPI app.").format(amount=fmt.inr(found["due"])))
        text_col.text(found["pay_words"])

customer_link_box(cid, person["name"])
customer_details_forms(person)

st.subheader(_("Statement"))
COLUMNS = {"entry_date": _("Date"), "entry": _("Entry"), "description": _("Details"), "debit": _("Debit (sale)"),
           "credit": _("Credit (paid)"), "balance": _("Balance"), "created_by": _("Entered by")}
entries = found["entries"]
if entries:
    # on a phone: date, what, its amount (the sale's or the payment's: one column, not two) and the
    # balance; every column behind "All columns"
    shown = [{**e, "amount": e["debit"] if e["debit"] else e["credit"]} for e in entries]  # a payment: debit 0
    essentials_or_all(table(shown, {**COLUMNS, "amount": _("Amount")}, money=("debit", "credit", "balance", "amount"),
                            dates=("entry_date",), words={"entry": ENTRIES}),
                      [COLUMNS["entry_date"], COLUMNS["entry"], _("Amount"), COLUMNS["balance"]], "st_all",
                      hidden=[_("Amount")])
    stamp = f"{cid}-{session.today().isoformat()}"  # a file name: the same in every language
    pdf_col, csv_col = st.columns(2)
    make_pdf = reads.statement_pdf_maker(sid, cid, current_language())
    pdf_col.download_button(_("⬇️ Statement to share (PDF)"), data=make_pdf,
                            file_name=f"statement-{stamp}.pdf", mime="application/pdf", key="statement_pdf",
                            width="stretch")
    csv_col.download_button(_("⬇️ Download statement (CSV)"), data=csv_bytes(entries, COLUMNS),
                            file_name=f"statement-{stamp}.csv", mime="text/csv", key="statement_csv",
                            width="stretch")
else:
    st.info(_("No sales or repayments yet."))
