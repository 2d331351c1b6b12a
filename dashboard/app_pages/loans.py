"""Credit sales: a new sale, the list by status/customer/dates, reversal."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session, writes
from dashboard.exports import XLSX, sales_xlsx
from dashboard.forms import form_token, show_error, show_flash, submit
from dashboard.ledger_forms import sale_form
from dashboard.pickers import filter_picker
from dashboard.tables import page_of, show_table, table
from khata.errors import KhataError
from khata.i18n import _

REVERSIBLE = 50  # picker options: the newest ones, not thousands

sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title("Credit sales")
show_flash()

with st.expander("🛒 New sale on credit", expanded=True):
    sale_form("new_sale")

st.subheader("Sales")
c1, c2 = st.columns(2)
status = c1.selectbox("Status", ["all", "pending", "overdue", "paid", "reversed"], key="lo_status",
                      format_func=str.capitalize)
with c2:
    customer = filter_picker("lo_customer")
c1, c2 = st.columns(2)
date_from = c1.date_input("Sold from", value=None, max_value=today, key="lo_from", format="DD/MM/YYYY")
date_to = c2.date_input("Sold to", value=None, max_value=today, key="lo_to", format="DD/MM/YYYY")
try:
    rows = reads.loan_list(sid, key, None if status == "all" else status, customer, date_from, date_to, 1000)
except KhataError as err:
    show_error(err)
    rows = []
if rows:
    more = " (the newest 1,000; filter to see others)" if len(rows) == 1000 else ""
    st.caption(f"{len(rows)} sale(s){more}")
    st.download_button(_("⬇️ Excel (.xlsx) with these filters"), key="lo_xlsx", file_name="credit-sales.xlsx",
                       mime=XLSX, data=sales_xlsx(sid, key, None if status == "all" else status, customer, date_from,
                                                  date_to))
    show_table(table(page_of(rows, "lo_page"), {
        "loan_id": "#", "customer_name": "Customer", "item": "Item", "principal": "Amount", "repaid": "Repaid",
        "outstanding": "Owed", "issue_date": "Sold on", "due_date": "Due", "grace_days": "Grace days",
        "status": "Status", "days_past_due": "Days past due", "reversal_reason": "Reversal reason"},
        money=("principal", "repaid", "outstanding"), dates=("issue_date", "due_date")))
else:
    st.info("No sales match these filters." if status != "all" or customer or date_from or date_to
            else "No sales yet. Record the first one above.")

with st.expander("↩️ Reverse a sale entered by mistake"):
    st.caption("The sale stays in the history with a reversing entry. A sale with repayments must have "
               "those reversed first (Repayments page).")
    reversible = [row for row in rows if row["status"] != "reversed"][:REVERSIBLE]
    if len(reversible) == REVERSIBLE:
        st.caption(f"The newest {REVERSIBLE} that can be reversed; filter the list above to find an older one.")
    labels = {row["loan_id"]: f"#{row['loan_id']} {row['customer_name']} · {row['item']} · "
                              f"{fmt.inr(row['principal'])}" for row in reversible}
    token = form_token("reverse_loan")
    with st.form(f"reverse_loan_{token}"):
        chosen = st.selectbox("Sale", list(labels), format_func=labels.get, index=None, key=f"rl_loan_{token}",
                              placeholder="Choose a sale")
        reason = st.text_input("Reason", key=f"rl_reason_{token}", placeholder="e.g. typed the wrong amount")
        submitted = st.form_submit_button("Reverse sale")
    if submitted:
        if chosen is None:
            show_error("Choose the sale.")
        else:
            submit("reverse_loan", lambda: writes.reverse_sale(chosen, reason), f"Sale #{chosen} reversed.")
