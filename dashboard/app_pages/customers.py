"""Customers: search, sort, add; each customer a short card whose name opens their page (where
the day's actions, edit and remove are). Phone-first: nothing wider than a 390 px screen; every
column of the list stays in the owner's Excel download."""
import streamlit as st

from dashboard import door, language, reads, session, words_help, writes
from dashboard.customer_cards import CARDS, customer_card
from dashboard.exports import XLSX, customers_xlsx
from dashboard.forms import form_token, show_flash, submit
from dashboard.pickers import TYPING_PAUSE
from dashboard.reads import ROW_CAP
from dashboard.tables import page_of
from dashboard.text import option_words
from khata.i18n import N_, _, ngettext

sid, key = session.shop_id(), reads.db_key()
may_download = door.can("downloads.table_rows")
may_set_terms = door.can("customers.change_credit_terms")
st.title(_("Customers"))
show_flash()

SORTS = {"name": N_("Name"), "outstanding": N_("Outstanding"), "overdue": N_("Overdue"),
         "available_credit": N_("Available credit"), "trust_score": N_("Trust score"),
         "last_activity": N_("Last activity")}
c1, c2, c3 = st.columns([3, 2, 1])
search = c1.text_input(_("Search name or phone"), key="cu_search", placeholder=_("e.g. Asha or 98765"),
                       type="search", live=TYPING_PAUSE)  # narrows the list as you type
sort_by = c2.selectbox(_("Sort by"), list(SORTS), key="cu_sort", format_func=option_words(SORTS))
descending = c3.toggle(_("Largest first"), key="cu_desc", value=False)
only_overdue = st.checkbox(_("Only customers with overdue balances"), key="cu_overdue")

rows = reads.customer_list(sid, key, search.strip(), sort_by, descending, only_overdue, ROW_CAP)
if rows:
    count = ngettext("{n} customer", "{n} customers", len(rows)).format(n=len(rows))
    st.caption(_("{count} (the first {limit}; search to narrow down)").format(count=count, limit=ROW_CAP)
               if len(rows) == ROW_CAP else count)
    if may_download:  # a downloaded list is every phone number leaving the shop: the owner's call
        st.download_button(_("⬇️ Excel (.xlsx) of this list"), key="cu_xlsx", file_name="customers.xlsx",
                           mime=XLSX, data=customers_xlsx(sid, key, search.strip(), sort_by, descending, only_overdue))
    for row in page_of(rows, "cu_page", CARDS):
        customer_card(row)
elif search or only_overdue:
    st.info(_("No customer matches that."))
else:
    st.info(_("No customers yet. Add your first one below, or import a list on **Import & export**."))

# ---- add ----
token = form_token("add_customer")
with st.expander(_("➕ Add a customer"), expanded=not rows):
    with st.form(f"add_customer_{token}"):
        name = st.text_input(_("Name"), key=f"ac_name_{token}")
        phone = st.text_input(_("Phone"), key=f"ac_phone_{token}", placeholder="98765 43210")
        address = st.text_input(_("Address (optional)"), key=f"ac_address_{token}")
        terms = {}
        if may_set_terms:
            c1, c2 = st.columns(2)
            terms["credit_limit"] = c1.text_input(_("Credit limit (₹)"), value="10000", key=f"ac_limit_{token}")
            terms["trust_score"] = c2.slider(_("Trust score"), 0, 10, 5, key=f"ac_trust_{token}",
                                                 help=_(words_help.TRUST_SCORE))
        else:
            st.caption(_("New customers get the shop's usual credit limit; the owner can change it."))
        notes = st.text_area(_("Notes (optional)"), key=f"ac_notes_{token}", height=68)
        lang = language.customer_picker(f"ac_lang_{token}")
        if st.form_submit_button(_("Add customer"), type="primary"):
            submit("add_customer", lambda: writes.add_customer(token=token, name=name, phone=phone, address=address,
                                                               notes=notes, language=lang, **terms),
                   lambda added: _("Added {name}.").format(name=added["name"]))
