"""One tap to remind: a link that opens the shopkeeper's own WhatsApp (or SMS) with the message
filled in and, in the same tap, records the day's reminder (``st.link_button(on_click=...)``).

The browser opens the link *before* the callback runs, so the control is offered only when the
record will be accepted: the customer is not opted out (``reads.manual_reminder_for`` gives None
then), was not reminded today, and this login may record reminders (``door.can``). Reminded
today: that is said, with "open again" links that record nothing (still one reminder a day). A
refusal after all (someone else recorded it, or the customer opted out in between) is shown."""
from __future__ import annotations

import streamlit as st

from khata.errors import KhataError
from khata.i18n import N_, _

from . import cache, door, session, writes
from .forms import show_error

DONE_WORDS = {"whatsapp_manual": N_("✓ Reminded on WhatsApp today"), "sms_manual": N_("✓ Reminded by SMS today"),
              "whatsapp": N_("✓ Automatic WhatsApp reminder today")}
RECORD = "reminders.manual.record_manual_reminder"
_REFUSED = "_khata_reminder_refused"


def _record(customer_id: int, channel: str) -> None:
    """The tap's callback (the app is already opening): record the day's reminder, or keep why not."""
    try:
        done = writes.record_manual_reminder(customer_id, channel)
    except KhataError as err:
        st.session_state[_REFUSED] = {"customer_id": customer_id, "error": str(err)}
        return
    if done["recorded"]:
        st.session_state.pop(_REFUSED, None)
    else:  # another phone of the shop (or the daily run) reminded them first: still once a day
        st.session_state[_REFUSED] = {"customer_id": customer_id, "again": True}
    cache.forget_shop(session.shop_id())


def reminder_buttons(reminder: dict, done: str | None, key: str) -> None:
    """WhatsApp / SMS for one customer: one tap records and opens; once reminded, open again only."""
    cid = reminder["customer_id"]
    refused = st.session_state.get(_REFUSED) or {}
    if refused.get("customer_id") == cid and refused.get("again"):
        st.info(_("Already reminded today, so this tap was not counted again."))
    elif refused.get("customer_id") == cid:
        show_error(_("This reminder was not recorded: {reason}").format(reason=refused["error"]))
    if done:
        st.caption(_(DONE_WORDS[done]) if done in DONE_WORDS else _("✓ Reminded today"))
        wa, sms = st.columns(2)
        wa.link_button(_("Open WhatsApp again ↗"), reminder["whatsapp_link"], width="stretch")
        sms.link_button(_("Open SMS again ↗"), reminder["sms_link"], width="stretch")
        return
    if not door.can(RECORD):  # nothing this login could record: no control that pretends to
        return
    wa, sms = st.columns(2)
    wa.link_button(_("📲 Remind on WhatsApp"), reminder["whatsapp_link"], key=f"{key}_wa", on_click=_record,
                   args=(cid, "whatsapp_manual"), width="stretch", type="primary")
    sms.link_button(_("✉️ Remind by SMS"), reminder["sms_link"], key=f"{key}_sms", on_click=_record,
                    args=(cid, "sms_manual"), width="stretch")
