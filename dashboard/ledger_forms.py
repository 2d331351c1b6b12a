"""Forms used on more than one page: a sale on credit and a repayment.

Each form is keyed by an idempotency token (``forms.form_token``): the token
goes to the service, so a double-click posts once; after a success the token is
renewed, which also gives the next sale an empty form. A refused form shows the
core's message and keeps what was typed (``forms.submit``).
"""
from __future__ import annotations

import streamlit as st

from khata.i18n import _, ngettext
from khata.words import METHODS as PAYMENT_METHODS

from . import format as fmt
from . import pickers, reads, session, words_help, writes
from .forms import form_token, show_error, submit
from .tables import LOAN_STATUS, customer_label, word
from .text import option_words

METHOD_WORDS = PAYMENT_METHODS  # the same words as every list and the statement


def sale_form(name: str, *, customer_id: int | None = None) -> None:
    """A new credit sale; with ``customer_id`` the customer is fixed (customer page)."""
    sid, key = session.shop_id(), reads.db_key()
    today = session.today()
    term = reads.settings(sid, key)["loan_term_days"]
    token = form_token(name)
    if customer_id is None:
        found = _search(f"{name}_find_{token}")
        if found is None:
            st.info(_("Add a customer first (Customers page)."))
            return
    with st.form(f"{name}_{token}"):
        chosen = _customer_picker(name, token, found, customer_label) if customer_id is None else customer_id
        c1, c2 = st.columns(2)
        amount = c1.text_input(_("Amount (₹)"), key=f"{name}_amount_{token}", placeholder=_("e.g. 450 or 99.50"))
        item = c2.text_input(_("Item"), key=f"{name}_item_{token}", placeholder=_("e.g. Rice 5 kg"))
        c1, c2, c3 = st.columns(3)
        issued = c1.date_input(_("Sale date"), value=today, max_value=today, key=f"{name}_issued_{token}",
                               format="DD/MM/YYYY")
        due = c2.date_input(_("Due date"), value=session.days_after(today, term), key=f"{name}_due_{token}",
                            format="DD/MM/YYYY")
        grace = c3.number_input(_("Grace days"), min_value=0, max_value=365, value=0, step=1,
                                key=f"{name}_grace_{token}", help=_(words_help.GRACE_DAYS))
        submitted = st.form_submit_button(_("Record sale on credit"), type="primary")
    if submitted:
        if chosen is None:
            show_error(_("Choose the customer."))
            return
        submit(name, lambda: writes.sell_on_credit(chosen, token=token, amount=amount, item=item, issue_date=issued,
                                                   due_date=due, grace_days=int(grace)),
               lambda loan: _sale_done(loan))


def _sale_done(loan: dict) -> str:
    if loan.get("pending_approval"):  # a staff sale above the owner's limit
        return _("{amount} to {name} is waiting for the owner's approval; it is not in the book yet.").format(
            amount=fmt.inr(loan["amount"]), name=loan["customer_name"])
    return _("Recorded {amount} for {item} to {name}, due {date}.").format(
        amount=fmt.inr(loan["principal"]), item=loan["item"], name=loan["customer_name"],
        date=fmt.day(loan["due_date"]))


def _search(box_key: str, **kind) -> list[dict] | None:
    """The form's search box and its first matches (None: the shop has nobody to offer at all).
    The box is outside the form, so typing in it reruns the page and narrows the choice."""
    if not reads.find_customers(session.shop_id(), reads.db_key(), **kind):
        return None
    return pickers.matches(pickers.search_box(box_key), **kind)


def _customer_picker(name: str, token: str, rows: list[dict], describe):
    """The customer choice shared by the sale and repayment forms: the search's matches only."""
    return pickers.choose(_("Customer"), rows, describe, key=f"{name}_customer_{token}",
                          placeholder=_("Choose a customer (search above)"))


def customer_repayment_form(name: str, *, customer_id: int | None = None) -> None:
    """A payment from a customer, settling their oldest sales first."""
    today = session.today()
    token = form_token(name)
    if customer_id is None:
        found = _search(f"{name}_find_{token}", owing=True)
        if found is None:
            st.info(_("Nobody owes you anything right now."))
            return
    with st.form(f"{name}_{token}"):
        chosen = _customer_picker(name, token, found, pickers.owing_label) if customer_id is None else customer_id
        _payment_fields(name, token, today)
        submitted = st.form_submit_button(_("Record repayment"), type="primary")
    if submitted:
        if chosen is None:
            show_error(_("Choose the customer."))
            return
        submit(name, lambda: writes.repay_customer(chosen, token=token, **_payment_values(name, token)),
               lambda result: ngettext("Recorded a repayment of {amount} over {n} sale.",
                                       "Recorded a repayment of {amount} over {n} sales.",
                                       len(result["repayments"])).format(amount=fmt.inr(result["total"]),
                                                                         n=len(result["repayments"])))


def loan_repayment_form(name: str) -> None:
    """A payment against one open sale: choose the customer, then which of their sales."""
    sid, key = session.shop_id(), reads.db_key()
    today = session.today()
    token = form_token(name)
    found = _search(f"{name}_find", owing=True)
    if found is None:
        st.info(_("There is no open sale to repay."))
        return
    customer_id = pickers.choose(_("Customer"), found, pickers.owing_label, key=f"{name}_customer",
                                 placeholder=_("Choose a customer (search above)"))
    if customer_id is None:
        return
    open_loans = [row for row in reads.loan_list(sid, key, None, customer_id, None, None, None)
                  if row["outstanding"] > 0]
    labels = {row["loan_id"]: _("#{number} {item} · {date} · owes {amount} ({status})").format(
        number=row["loan_id"], item=row["item"], date=fmt.day(row["issue_date"]), amount=fmt.inr(row["outstanding"]),
        status=word(LOAN_STATUS, row["status"])) for row in open_loans}
    with st.form(f"{name}_{token}"):
        chosen = st.selectbox(_("Sale"), list(labels), format_func=labels.get, index=None,
                              placeholder=_("Choose a sale"), key=f"{name}_loan_{token}")
        _payment_fields(name, token, today)
        submitted = st.form_submit_button(_("Record repayment"), type="primary")
    if submitted:
        if chosen is None:
            show_error(_("Choose the sale."))
            return
        submit(name, lambda: writes.repay_sale(chosen, token=token, **_payment_values(name, token)),
               lambda result: _("Recorded {amount} against sale #{number}; {owed} still owed on it.").format(
                   amount=fmt.inr(result["total"]), number=chosen,
                   owed=fmt.inr(result["loans"][chosen]["outstanding"])))


def _payment_fields(name: str, token: str, today) -> None:
    c1, c2 = st.columns(2)
    c1.text_input(_("Amount (₹)"), key=f"{name}_amount_{token}", placeholder=_("e.g. 500"))
    c2.date_input(_("Paid on"), value=today, max_value=today, key=f"{name}_paid_{token}", format="DD/MM/YYYY")
    c1, c2 = st.columns(2)
    c1.selectbox(_("Method"), writes.METHODS, key=f"{name}_method_{token}",
                 format_func=option_words(METHOD_WORDS))
    c2.text_input(_("Note (optional)"), key=f"{name}_note_{token}")


def _payment_values(name: str, token: str) -> dict:
    ss = st.session_state
    return {"amount": ss.get(f"{name}_amount_{token}"), "paid_on": ss.get(f"{name}_paid_{token}"),
            "method": ss.get(f"{name}_method_{token}"), "note": ss.get(f"{name}_note_{token}")}
