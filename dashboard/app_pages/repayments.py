"""Repayments: record one (against a customer or one sale), history with totals, reversal."""
import streamlit as st

from dashboard import door, reads, session, writes
from dashboard import format as fmt
from dashboard.exports import XLSX, repayments_xlsx
from dashboard.forms import form_token, show_error, show_flash, submit
from dashboard.ledger_forms import customer_repayment_form, loan_repayment_form
from dashboard.pickers import filter_picker
from dashboard.tables import METHODS, essentials_or_all, page_of, table
from dashboard.text import option_words
from khata.errors import KhataError
from khata.i18n import N_, _

REVERSIBLE = 50  # picker options: the newest ones, not thousands
# the radio's values stay the English words (tests and bookmarks of state use them); shown translated
BY_CUSTOMER, ONE_SALE = N_("A customer (oldest sales first)"), N_("One sale")

sid, key = session.shop_id(), reads.db_key()
may_download = door.can("downloads.table_rows")
may_reverse = door.can("repayments.reverse_repayment")  # else: ask the owner (a request)
today = session.today()
st.title(_("Repayments"))
show_flash()

with st.expander(_("💰 Record a repayment"), expanded=True):
    mode = st.radio(_("Against"), [BY_CUSTOMER, ONE_SALE], horizontal=True, key="rp_mode",
                    format_func=option_words({BY_CUSTOMER: BY_CUSTOMER, ONE_SALE: ONE_SALE}))
    if mode == ONE_SALE:
        loan_repayment_form("repay_loan")
    else:
        customer_repayment_form("repay_customer")

st.subheader(_("History"))
customer = filter_picker("rh_customer")
c1, c2 = st.columns(2)
date_from = c1.date_input(_("Paid from"), value=None, max_value=today, key="rh_from", format="DD/MM/YYYY")
date_to = c2.date_input(_("Paid to"), value=None, max_value=today, key="rh_to", format="DD/MM/YYYY")
try:
    history = reads.repayment_list(sid, key, customer, date_from, date_to, 1000)
except KhataError as err:
    show_error(err)
    st.stop()
c1, c2 = st.columns(2)
c1.metric(_("Total collected"), fmt.inr(history["total"]), help=_("Reversed repayments are not counted."), border=True)
c2.metric(_("Repayments"), history["count"], border=True)
rows = history["rows"]
if rows:
    if may_download:
        st.download_button(_("⬇️ Excel (.xlsx) with these filters"), key="rh_xlsx", file_name="repayments.xlsx",
                           mime=XLSX, data=repayments_xlsx(sid, key, customer, date_from, date_to))
    shown = page_of(rows, "rh_page")
    for row in shown:
        row["state"] = _("reversed: {reason}").format(reason=row["reversal_reason"]) if row["reversed"] else _("ok")
    columns = {"repayment_id": _("#"), "paid_on": _("Paid on"), "customer_name": _("Customer"), "amount": _("Amount"),
               "method": _("Method"), "loan_id": _("Sale #"), "item": _("Item"), "note": _("Note"),
               "created_by": _("Entered by"), "state": _("Status")}
    # on a phone: when, who, how much and whether it stands; the rest behind "All columns"
    essentials_or_all(table(shown, columns, money=("amount",), dates=("paid_on",), words={"method": METHODS}),
                      [columns[k] for k in ("paid_on", "customer_name", "amount", "state")], "rh_all")
else:
    st.info(_("No repayments match these filters."))

with st.expander(_("↩️ Reverse a repayment entered by mistake") if may_reverse
                 else _("↩️ Ask the owner to reverse a repayment")):
    live = [row for row in rows if not row["reversed"]][:REVERSIBLE]
    if len(live) == REVERSIBLE:
        st.caption(_("The newest {n} that can be reversed; filter the history above to find an older one.").format(
            n=REVERSIBLE))
    labels = {row["repayment_id"]: f"#{row['repayment_id']} {row['customer_name']} · {fmt.inr(row['amount'])} · "
                                   f"{fmt.day(row['paid_on'])}" for row in live}
    token = form_token("reverse_repayment")
    with st.form(f"reverse_repayment_{token}"):
        chosen = st.selectbox(_("Repayment"), list(labels), format_func=labels.get, index=None,
                              key=f"rr_pick_{token}", placeholder=_("Choose a repayment"))
        reason = st.text_input(_("Reason"), key=f"rr_reason_{token}", placeholder=_("e.g. entered twice"))
        submitted = st.form_submit_button(_("Reverse repayment") if may_reverse else _("Ask for reversal"))
    if submitted:
        if chosen is None:
            show_error(_("Choose the repayment."))
        elif not may_reverse:
            submit("reverse_repayment", lambda: writes.request_reversal("repayment", chosen, reason),
                   _("Asked the owner to reverse repayment #{number}.").format(number=chosen))
        else:
            submit("reverse_repayment", lambda: writes.reverse_repayment(chosen, reason),
                   _("Repayment #{number} reversed; that amount is owed again.").format(number=chosen))
