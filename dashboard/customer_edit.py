"""Edit and remove one customer, on that customer's page: the shopkeeper is already looking at
them, so nobody picks a name from a list of the first 50 any more. Credit terms only for a login
that may change them, Remove only for one that may remove (``door.can``, the services' table)."""
from __future__ import annotations

import streamlit as st

from khata.errors import KhataError
from khata.i18n import N_, _

from . import cache, door, language, session, words_help, writes
from . import format as fmt
from .forms import flash, show_error, submit

CUSTOMERS_PAGE = "dashboard/app_pages/customers.py"
REMOVED = {"archived": N_("Customer archived."), "deleted": N_("Customer deleted.")}


def customer_details_forms(person: dict) -> None:
    """'✏️ Edit details' (everyone who may edit) and '🗑️ Remove this customer' (the owner's)."""
    cid = person["customer_id"]
    if door.can("customers.update_customer"):
        with st.expander(_("✏️ Edit details")):
            _edit_form(person)
    if door.can("customers.remove_customer"):
        with st.expander(_("🗑️ Remove this customer")):
            st.caption(_("A customer with no history is deleted; one whose history is settled is archived "
                         "(kept for the records); one who still owes cannot be removed."))
            sure = st.checkbox(_("Yes, remove this customer"), key=f"cr_sure_{cid}")
            if st.button(_("Remove"), key=f"cr_button_{cid}"):
                if not sure:
                    show_error(_("Tick the box to confirm first."))
                else:
                    _remove(cid)


def _edit_form(current: dict) -> None:
    cid = current["customer_id"]
    may_set_terms = door.can("customers.change_credit_terms")
    with st.form(f"edit_customer_{cid}"):
        name = st.text_input(_("Name"), value=current["name"], key=f"ce_name_{cid}")
        phone = st.text_input(_("Phone"), value=fmt.phone(current["phone"]), key=f"ce_phone_{cid}")
        address = st.text_input(_("Address"), value=current["address"] or "", key=f"ce_address_{cid}")
        terms = {}
        if may_set_terms:
            c1, c2 = st.columns(2)
            terms["credit_limit"] = c1.text_input(_("Credit limit (₹)"), value=str(current["credit_limit"]),
                                                  key=f"ce_limit_{cid}")
            terms["trust_score"] = c2.slider(_("Trust score"), 0, 10, int(current["trust_score"]),
                                             key=f"ce_trust_{cid}", help=_(words_help.TRUST_SCORE))
        notes = st.text_area(_("Notes"), value=current["notes"] or "", key=f"ce_notes_{cid}", height=68)
        lang = language.customer_picker(f"ce_lang_{cid}", current.get("language"))
        if st.form_submit_button(_("Save changes"), type="primary"):
            submit("edit_customer",
                   lambda: writes.edit_customer(cid, name=name, phone=phone, address=address,
                                                notes=notes, language=lang, **terms),
                   lambda saved: _("Saved {name}.").format(name=saved["name"]))


def _remove(customer_id: int) -> None:
    """Remove, then back to the list with the outcome (the page of a deleted customer is gone)."""
    try:
        outcome = writes.remove_customer(customer_id)
    except KhataError as err:
        show_error(err)
        return
    cache.forget_shop(session.shop_id())
    flash(_(REMOVED[outcome]))
    st.session_state.pop("customer_id", None)
    st.switch_page(CUSTOMERS_PAGE)
