"""Repayments: record one (against a customer or one sale), history with totals, reversal."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session, writes
from dashboard.exports import XLSX, repayments_xlsx
from dashboard.forms import form_token, show_error, show_flash, submit
from dashboard.ledger_forms import customer_repayment_form, loan_repayment_form
from dashboard.pickers import filter_picker
from dashboard.tables import page_of, show_table, table
from khata.errors import KhataError
from khata.i18n import _

REVERSIBLE = 50  # picker options: the newest ones, not thousands

sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title("Repayments")
show_flash()

with st.expander("💰 Record a repayment", expanded=True):
    mode = st.radio("Against", ["A customer (oldest sales first)", "One sale"], horizontal=True, key="rp_mode")
    if mode == "One sale":
        loan_repayment_form("repay_loan")
    else:
        customer_repayment_form("repay_customer")

st.subheader("History")
customer = filter_picker("rh_customer")
c1, c2 = st.columns(2)
date_from = c1.date_input("Paid from", value=None, max_value=today, key="rh_from", format="DD/MM/YYYY")
date_to = c2.date_input("Paid to", value=None, max_value=today, key="rh_to", format="DD/MM/YYYY")
try:
    history = reads.repayment_list(sid, key, customer, date_from, date_to, 1000)
except KhataError as err:
    show_error(err)
    st.stop()
c1, c2 = st.columns(2)
c1.metric("Total collected", fmt.inr(history["total"]), help="Reversed repayments are not counted.", border=True)
c2.metric("Repayments", history["count"], border=True)
rows = history["rows"]
if rows:
    st.download_button(_("⬇️ Excel (.xlsx) with these filters"), key="rh_xlsx", file_name="repayments.xlsx",
                       mime=XLSX, data=repayments_xlsx(sid, key, customer, date_from, date_to))
    shown = page_of(rows, "rh_page")
    for row in shown:
        row["state"] = f"reversed: {row['reversal_reason']}" if row["reversed"] else "ok"
    show_table(table(shown, {
        "repayment_id": "#", "paid_on": "Paid on", "customer_name": "Customer", "amount": "Amount",
        "method": "Method", "loan_id": "Sale #", "item": "Item", "note": "Note", "state": "Status"},
        money=("amount",), dates=("paid_on",)))
else:
    st.info("No repayments match these filters.")

with st.expander("↩️ Reverse a repayment entered by mistake"):
    live = [row for row in rows if not row["reversed"]][:REVERSIBLE]
    if len(live) == REVERSIBLE:
        st.caption(f"The newest {REVERSIBLE} that can be reversed; filter the history above to find an older one.")
    labels = {row["repayment_id"]: f"#{row['repayment_id']} {row['customer_name']} · {fmt.inr(row['amount'])} · "
                                   f"{fmt.day(row['paid_on'])}" for row in live}
    token = form_token("reverse_repayment")
    with st.form(f"reverse_repayment_{token}"):
        chosen = st.selectbox("Repayment", list(labels), format_func=labels.get, index=None,
                              key=f"rr_pick_{token}", placeholder="Choose a repayment")
        reason = st.text_input("Reason", key=f"rr_reason_{token}", placeholder="e.g. entered twice")
        submitted = st.form_submit_button("Reverse repayment")
    if submitted:
        if chosen is None:
            show_error("Choose the repayment.")
        else:
            submit("reverse_repayment", lambda: writes.reverse_repayment(chosen, reason),
                   f"Repayment #{chosen} reversed; that amount is owed again.")
