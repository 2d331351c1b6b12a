"""The one-tap reminder buttons: record the tap (the day's reminder), then open the shopkeeper's
own WhatsApp or SMS app with the message filled in."""
from __future__ import annotations

import streamlit as st

from khata.errors import KhataError
from khata.i18n import N_, _

from . import cache, session, writes
from .forms import show_error

DONE_WORDS = {"whatsapp_manual": N_("✓ Reminded on WhatsApp today"), "sms_manual": N_("✓ Reminded by SMS today"),
              "whatsapp": N_("✓ Automatic WhatsApp reminder today")}
_OPEN = "_khata_open_reminder"


def _record(customer_id: int, channel: str) -> None:
    try:
        writes.record_manual_reminder(customer_id, channel)
    except KhataError as err:
        st.session_state[_OPEN] = {"customer_id": customer_id, "error": str(err)}
        return
    cache.forget_shop(session.shop_id())
    st.session_state[_OPEN] = {"customer_id": customer_id, "channel": channel}


def reminder_buttons(reminder: dict, done: str | None, key: str) -> None:
    """Send on WhatsApp / Send SMS for one customer; once tapped, the link that opens the app."""
    cid = reminder["customer_id"]
    opened = st.session_state.get(_OPEN) or {}
    if opened.get("customer_id") == cid and opened.get("error"):
        show_error(KhataError(opened["error"]))
    if done:
        st.caption(_(DONE_WORDS[done]) if done in DONE_WORDS else _("✓ Reminded today"))
        wa, sms = st.columns(2)
        wa.link_button(_("Open WhatsApp ↗"), reminder["whatsapp_link"], width="stretch")
        sms.link_button(_("Open SMS ↗"), reminder["sms_link"], width="stretch")
        return
    wa, sms = st.columns(2)
    wa.button(_("📲 Send on WhatsApp"), key=f"{key}_wa", on_click=_record, args=(cid, "whatsapp_manual"),
              width="stretch", type="primary")
    sms.button(_("✉️ Send SMS"), key=f"{key}_sms", on_click=_record, args=(cid, "sms_manual"), width="stretch")
