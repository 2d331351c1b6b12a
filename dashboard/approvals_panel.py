"""The pending requests box on the Overview: the owner approves or rejects, staff see theirs."""
from __future__ import annotations

import streamlit as st

from khata.i18n import N_, _

from . import door, reads, writes
from . import format as fmt
from .forms import submit
from .text import plain

KINDS = {"reverse_loan": N_("Reverse sale #{entry}"), "reverse_repayment": N_("Reverse repayment #{entry}"),
         "sale": N_("Sale on credit")}


def describe(request: dict) -> str:
    """One line a shopkeeper reads: what, for whom, how much, who asked and why."""
    kind = KINDS[request["kind"]]  # the key looked up outside _(): only literals are msgids
    what = _(kind).format(entry=request["entry_id"])
    item = request["details"].get("item") or ""
    line = _("{what}: {customer}, {amount} ({item}), asked by {who}").format(
        what=what, customer=request["customer_name"] or "?", amount=fmt.inr(request["amount"]), item=item,
        who=request["requested_by"])
    if request["reason"]:
        line += " · " + _("reason: {reason}").format(reason=request["reason"])
    return line


def pending_box(sid: int) -> None:
    """Nothing when nothing waits; else the list, with Approve / Reject for the owner."""
    waiting = reads.approvals(sid)
    if not waiting:
        return
    owner = door.can("approvals.approve")  # else: staff, who see their own requests
    with st.container(border=True, key="pending_approvals"):
        st.subheader(_("Waiting for your approval") if owner else _("Your requests waiting for the owner"))
        for request in waiting:
            number = request["approval_id"]
            if not owner:
                st.markdown("⏳ " + plain(describe(request)))
                continue
            text, ok, no = st.columns([6, 1, 1], vertical_alignment="center")
            text.markdown(plain(describe(request)))
            if ok.button(_("Approve"), key=f"approve_{number}", type="primary"):
                submit("approval", lambda n=number: writes.approve(n),
                       _("Approved request #{number}.").format(number=number))
            if no.button(_("Reject"), key=f"reject_{number}"):
                submit("approval", lambda n=number: writes.reject(n),
                       _("Rejected request #{number}; nothing was changed.").format(number=number))
