"""The customer's own page link on the shopkeeper's customer page: the link their reminders
carry, when they last opened it, and (owner only) ending every link given so far."""
from __future__ import annotations

from zoneinfo import ZoneInfo

import streamlit as st

from khata.i18n import _

from . import door, reads, session, writes
from . import format as fmt
from .forms import submit


def customer_link_box(customer_id: int, name: str) -> None:
    link = reads.customer_link(session.shop_id(), customer_id)
    with st.container(border=True):
        st.markdown(_("**Their own page**: what they owe, their entries, and paying by UPI in one tap."))
        if link["url"]:
            st.text(link["url"])
            until = fmt.day(link["expires_on"])
            st.caption(_("Every reminder carries this link. Valid until {day}.").format(day=until))
        else:
            st.caption(_("Reminders carry this page's link once the app's public address (KHATA_PUBLIC_URL) is set."))
        if link["opened_at"]:
            opened = link["opened_at"].astimezone(ZoneInfo(session.current().get("timezone") or "Asia/Kolkata"))
            st.caption(_("👀 Opened the link on {when}.").format(when=fmt.when(opened)))
        else:
            st.caption(_("Has not opened the link yet."))
        if door.can("customer_links.revoke_link"):  # staff are refused in khata too
            if st.button(_("End this link"), key=f"revoke_link_{customer_id}",
                         help=_("Every link given so far stops working; the next reminder carries a new one.")):
                submit("revoke_link", lambda: writes.revoke_link(customer_id),
                       _("Every earlier link of {name} now shows \"not valid\"; the next reminder carries a new one.")
                       .format(name=name))  # the flash shows it as plain text
