"""The customer's own page, ``/c?t=TOKEN``: what they owe, their entries, pay by UPI in one tap.

No login: the token in the address decides what is shown (khata/customer_view.py), whoever is
logged in in this browser. Phone-first: one column, a big Pay button. In the customer's language.
Names, items and the shop's name are shown as typed (``plain`` or table cells, never Markdown).
"""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads
from dashboard.exports import qr_image
from dashboard.tables import ENTRIES, show_table, table
from dashboard.text import plain
from khata.i18n import _, use_language

SEEN = "_khata_links_seen"   # the links this browser session has opened (their hashes)
SHOW_ALL = "_khata_link_all_entries"
FIRST_ENTRIES = 10
# This page is the whole app for the customer: no sidebar or menu, even when a shopkeeper is
# logged in in the same browser.
st.html("<style>[data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'],"
        " [data-testid='stExpandSidebarButton'], [data-testid='stSidebarNav'] {display: none !important}</style>")


def client_address() -> str | None:
    """The visitor's address: the connection's, else (behind a proxy on this machine, where the
    connection is local) the last address the proxy added to X-Forwarded-For."""
    direct = st.context.ip_address
    if isinstance(direct, str) and direct:
        return direct
    forwarded = st.context.headers.get("X-Forwarded-For")
    return forwarded.split(",")[-1].strip() or None if isinstance(forwarded, str) else None


token = st.query_params.get(reads.LINK_TOKEN_PARAM) or ""
khata = reads.link_page(token, address=client_address(), seen=st.session_state.setdefault(SEEN, set()))["khata"]
if khata is None:
    st.title("📒")
    st.warning(_("This link is not valid any more; ask the shop for a new one."))
    st.stop()


def pay_block(khata: dict) -> None:
    due, shop = khata["due"], khata["shop"]
    if due <= 0:
        st.success(_("Nothing to pay. Thank you!"))
    elif khata["upi_link"]:
        st.link_button(_("Pay {amount} with UPI").format(amount=fmt.inr(due)), khata["upi_link"],
                       type="primary", width="stretch", icon="💳")
        st.image(qr_image(khata["upi_link"]), width=240,
                 caption=_("Paying from another phone? Scan this code with any UPI app."))
    else:
        st.info(_("Pay at the shop."))
    if shop["phone"]:
        call, chat = st.columns(2)
        call.link_button(_("📞 Call the shop"), f"tel:{shop['phone']}", width="stretch")
        chat.link_button(_("💬 WhatsApp the shop"), f"https://wa.me/{shop['phone'].lstrip('+')}", width="stretch")
        st.caption(_("Shop phone: {phone}").format(phone=plain(fmt.phone(shop["phone"]))))


with use_language(khata["language"]):
    st.title(plain(khata["shop"]["name"]))
    st.subheader(_("Khata of {name}").format(name=plain(khata["customer"]["name"])))
    owe, late = st.columns(2)
    owe.metric(_("You owe"), fmt.inr(khata["due"]), border=True)
    late.metric(_("Overdue"), fmt.inr(khata["overdue"]), border=True)
    pay_block(khata)

    if khata["open_sales"]:
        st.subheader(_("Due dates"))
        show_table(table([{**s, "state": _("overdue") if s["overdue"] else ""} for s in khata["open_sales"]],
                         {"due_date": _("Due on"), "item": _("Item"), "outstanding": _("To pay"),
                          "state": _("Overdue")},
                         money=("outstanding",), dates=("due_date",)))

    st.subheader(_("Your entries"))
    entries = khata["entries"]
    if not entries:
        st.info(_("No sales or repayments yet."))
    else:
        everything = st.session_state.get(SHOW_ALL) or len(entries) <= FIRST_ENTRIES
        shown = entries if everything else entries[:FIRST_ENTRIES]
        st.caption(_("Latest first."))
        show_table(table(shown, {"entry_date": _("Date"), "entry": _("Entry"), "description": _("Details"),
                                 "debit": _("Sale"), "credit": _("Paid"), "balance": _("Balance")},
                         money=("debit", "credit", "balance"), dates=("entry_date",), words={"entry": ENTRIES}))
        if not everything:
            st.button(_("Show all {count} entries").format(count=len(entries)), key="link_all_entries",
                      on_click=lambda: st.session_state.update({SHOW_ALL: True}), width="stretch")
        st.download_button(_("⬇️ Statement (PDF)"), data=reads.link_pdf_maker(token),
                           file_name=f"statement-{khata['today'].isoformat()}.pdf", mime="application/pdf",
                           key="link_statement_pdf", width="stretch")
