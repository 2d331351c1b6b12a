"""Credit sales: a new sale, the list by status/customer/dates, reversal."""
import streamlit as st

from dashboard import door, reads, session, words_help, writes
from dashboard import format as fmt
from dashboard.exports import XLSX, sales_xlsx
from dashboard.forms import form_token, show_error, show_flash, submit
from dashboard.ledger_forms import sale_form
from dashboard.pickers import filter_picker
from dashboard.tables import LOAN_STATUS, essentials_or_all, page_of, table
from dashboard.text import option_words
from khata.errors import KhataError
from khata.i18n import N_, _, ngettext

REVERSIBLE = 50  # picker options: the newest ones, not thousands
STATUS_WORDS = {"all": N_("All"), "pending": N_("Pending"), "overdue": N_("Overdue"), "paid": N_("Paid"),
                "reversed": N_("Reversed")}

sid, key = session.shop_id(), reads.db_key()
may_download = door.can("downloads.table_rows")
may_reverse = door.can("loans.reverse_loan")  # else: ask the owner (a request)
today = session.today()
st.title(_("Credit sales"))
show_flash()

with st.expander(_("🛒 New sale on credit"), expanded=True):
    sale_form("new_sale")

st.subheader(_("Sales"))
c1, c2 = st.columns(2)
status = c1.selectbox(_("Status"), ["all", "pending", "overdue", "paid", "reversed"], key="lo_status",
                      format_func=option_words(STATUS_WORDS))
with c2:
    customer = filter_picker("lo_customer")
c1, c2 = st.columns(2)
date_from = c1.date_input(_("Sold from"), value=None, max_value=today, key="lo_from", format="DD/MM/YYYY")
date_to = c2.date_input(_("Sold to"), value=None, max_value=today, key="lo_to", format="DD/MM/YYYY")
try:
    rows = reads.loan_list(sid, key, None if status == "all" else status, customer, date_from, date_to, 1000)
except KhataError as err:
    show_error(err)
    rows = []
if rows:
    count = ngettext("{n} sale", "{n} sales", len(rows)).format(n=len(rows))
    st.caption(_("{count} (the newest 1,000; filter to see others)").format(count=count) if len(rows) == 1000
               else count)
    if may_download:
        st.download_button(_("⬇️ Excel (.xlsx) with these filters"), key="lo_xlsx", file_name="credit-sales.xlsx",
                           mime=XLSX, data=sales_xlsx(sid, key, None if status == "all" else status, customer,
                                                      date_from, date_to))
    columns = {"loan_id": _("#"), "customer_name": _("Customer"), "item": _("Item"), "principal": _("Amount"),
               "repaid": _("Repaid"), "outstanding": _("Owed"), "issue_date": _("Sold on"), "due_date": _("Due"),
               "grace_days": _("Grace days"), "status": _("Status"), "days_past_due": _("Days past due"),
               "created_by": _("Entered by"), "reversal_reason": _("Reversal reason")}
    # on a phone: when, who, how much and what is still owed; the rest behind "All columns"
    essentials_or_all(table(page_of(rows, "lo_page"), columns, money=("principal", "repaid", "outstanding"),
                            dates=("issue_date", "due_date"), words={"status": LOAN_STATUS}),
                      [columns[k] for k in ("issue_date", "customer_name", "principal", "outstanding")], "lo_all",
                      column_help={columns["grace_days"]: _(words_help.GRACE_DAYS)})
else:
    st.info(_("No sales match these filters.") if status != "all" or customer or date_from or date_to
            else _("No sales yet. Record the first one above."))

with st.expander(_("↩️ Reverse a sale entered by mistake") if may_reverse else _("↩️ Ask the owner to reverse a sale")):
    if not may_reverse:
        st.caption(_("The owner approves or rejects it on the Overview; nothing changes until then."))
    st.caption(_("The sale stays in the history with a reversing entry. A sale with repayments must have "
                 "those reversed first (Repayments page)."))
    reversible = [row for row in rows if row["status"] != "reversed"][:REVERSIBLE]
    if len(reversible) == REVERSIBLE:
        st.caption(_("The newest {n} that can be reversed; filter the list above to find an older one.").format(
            n=REVERSIBLE))
    labels = {row["loan_id"]: f"#{row['loan_id']} {row['customer_name']} · {row['item']} · "
                              f"{fmt.inr(row['principal'])}" for row in reversible}
    token = form_token("reverse_loan")
    with st.form(f"reverse_loan_{token}"):
        chosen = st.selectbox(_("Sale"), list(labels), format_func=labels.get, index=None, key=f"rl_loan_{token}",
                              placeholder=_("Choose a sale"))
        reason = st.text_input(_("Reason"), key=f"rl_reason_{token}", placeholder=_("e.g. typed the wrong amount"))
        submitted = st.form_submit_button(_("Reverse sale") if may_reverse else _("Ask for reversal"))
    if submitted:
        if chosen is None:
            show_error(_("Choose the sale."))
        elif may_reverse:
            submit("reverse_loan", lambda: writes.reverse_sale(chosen, reason),
                   _("Sale #{number} reversed.").format(number=chosen))
        else:
            submit("reverse_loan", lambda: writes.request_reversal("loan", chosen, reason),
                   _("Asked the owner to reverse sale #{number}.").format(number=chosen))
