"""Customers: search, sort, add, edit, remove; open one for the statement."""
import streamlit as st

from dashboard import door, language, reads, session, words_help, writes
from dashboard import format as fmt
from dashboard.exports import XLSX, customers_xlsx
from dashboard.forms import form_token, show_error, show_flash, submit
from dashboard.reads import ROW_CAP
from dashboard.tables import customer_label, page_of, show_table, table
from dashboard.text import option_words
from khata.errors import KhataError
from khata.i18n import N_, _, ngettext

sid, key = session.shop_id(), reads.db_key()
may_download = door.can("downloads.table_rows")
may_set_terms = door.can("customers.change_credit_terms")
may_remove = door.can("customers.remove_customer")
st.title(_("Customers"))
show_flash()

SORTS = {"name": N_("Name"), "outstanding": N_("Outstanding"), "overdue": N_("Overdue"),
         "available_credit": N_("Available credit"), "trust_score": N_("Trust score"),
         "last_activity": N_("Last activity")}
REMOVED = {"archived": N_("Customer archived."), "deleted": N_("Customer deleted.")}
c1, c2, c3 = st.columns([3, 2, 1])
search = c1.text_input(_("Search name or phone"), key="cu_search", placeholder=_("e.g. Asha or 98765"))
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
    show_table(table(page_of(rows, "cu_page"), {
        "name": _("Name"), "phone": _("Phone"), "outstanding": _("Outstanding"), "overdue": _("Overdue"),
        "available_credit": _("Available credit"), "credit_limit": _("Credit limit"), "trust_score": _("Trust (0-10)"),
        "max_days_past_due": _("Days late"), "last_activity": _("Last activity")},
        money=("outstanding", "overdue", "available_credit", "credit_limit"), dates=("last_activity",),
        phones=("phone",)), column_config={_("Trust (0-10)"): st.column_config.Column(help=_(words_help.TRUST_SCORE))})
    # the pickers offer the first matches of the search above, not every row of the list
    offered = rows[:reads.PICKER_LIMIT]
    if len(rows) > len(offered):
        st.caption(_("To open, edit or remove a customer, choose from the first {count}; search above to find "
                     "others.").format(count=len(offered)))
    ids = [row["customer_id"] for row in offered]
    names = {row["customer_id"]: customer_label(row) for row in offered}
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    chosen = c1.selectbox(_("Open a customer"), ids, format_func=names.get, key="cu_open", index=None,
                          placeholder=_("Choose a customer"))
    if c2.button(_("Open customer"), key="cu_open_btn", disabled=chosen is None, width="stretch"):
        st.session_state["customer_id"] = chosen
        st.switch_page("dashboard/app_pages/customer.py")
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

if rows:
    # ---- edit ----
    with st.expander(_("✏️ Edit a customer")):
        edit_id = st.selectbox(_("Customer"), ids, format_func=names.get, key="ce_pick", index=None,
                               placeholder=_("Choose a customer"))
        if edit_id is not None:
            try:
                current = reads.customer(sid, edit_id)
            except KhataError as err:
                show_error(err)
                st.stop()
            with st.form(f"edit_customer_{edit_id}"):
                name = st.text_input(_("Name"), value=current["name"], key=f"ce_name_{edit_id}")
                phone = st.text_input(_("Phone"), value=fmt.phone(current["phone"]), key=f"ce_phone_{edit_id}")
                address = st.text_input(_("Address"), value=current["address"] or "", key=f"ce_address_{edit_id}")
                terms = {}
                if may_set_terms:
                    c1, c2 = st.columns(2)
                    terms["credit_limit"] = c1.text_input(_("Credit limit (₹)"), value=str(current["credit_limit"]),
                                                          key=f"ce_limit_{edit_id}")
                    terms["trust_score"] = c2.slider(_("Trust score"), 0, 10, int(current["trust_score"]),
                                                     key=f"ce_trust_{edit_id}", help=_(words_help.TRUST_SCORE))
                notes = st.text_area(_("Notes"), value=current["notes"] or "", key=f"ce_notes_{edit_id}", height=68)
                lang = language.customer_picker(f"ce_lang_{edit_id}", current.get("language"))
                if st.form_submit_button(_("Save changes"), type="primary"):
                    submit("edit_customer",
                           lambda: writes.edit_customer(edit_id, name=name, phone=phone, address=address,
                                                        notes=notes, language=lang, **terms),
                           lambda saved: _("Saved {name}.").format(name=saved["name"]))

if rows and may_remove:
    # ---- remove (the owner's) ----
    with st.expander(_("🗑️ Remove a customer")):
        st.caption(_("A customer with no history is deleted; one whose history is settled is archived "
                     "(kept for the records); one who still owes cannot be removed."))
        remove_id = st.selectbox(_("Customer"), ids, format_func=names.get, key="cr_pick", index=None,
                                 placeholder=_("Choose a customer"))
        sure = st.checkbox(_("Yes, remove this customer"), key="cr_sure")
        if st.button(_("Remove"), key="cr_button", disabled=remove_id is None):
            if not sure:
                show_error(_("Tick the box to confirm first."))
            else:
                submit("remove_customer", lambda: writes.remove_customer(remove_id),
                       lambda outcome: _(REMOVED[outcome]))
