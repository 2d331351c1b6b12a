"""Credikhaata shopkeeper app: `streamlit run streamlit_app.py` (or `make run`).

Page config, the login gate, then the pages of the session's state (dashboard/pages.py):
a logged-out visitor gets the login form at whatever address they open, a staff member
the first-password form until they choose one, a logged-in shopkeeper the ledger pages
(dashboard/app_pages/), landing on the page they asked for.
"""
import streamlit as st

from dashboard import auth, door, language, pages, reads
from dashboard.text import plain
from dashboard.theme import apply_theme
from khata import settings
from khata.errors import BookMissing
from khata.i18n import _

language.apply()  # ?lang=, this session's pick, the browser's Accept-Language: before anything is drawn
st.set_page_config(page_title="Credikhaata", page_icon="📒", layout="wide",
                   initial_sidebar_state="auto")
apply_theme()
problems = settings.check()  # the environment and .env, read by khata.settings as everywhere else
if problems:
    for problem in problems:
        st.error(problem)
    st.stop()
try:
    door.app_root()  # the process's composition root: a missing book is refused, never created
except BookMissing as err:
    st.error(str(err))
    st.stop()

me = auth.gate()
if me is not None:
    language.apply(me)  # the shopkeeper's stored choice, unless ?lang= or a pick in this session says otherwise
if me is None:
    pages.logged_out().run()
elif me.get("must_change_password"):
    shown = pages.first_password()
    if shown.url_path != "c":  # the customer's page shows nothing of the login
        with st.sidebar:
            st.button(_("Log out"), key="logout_button", on_click=auth.request_logout, width="stretch")
    shown.run()
else:
    current = pages.logged_in()
    if current.url_path != "c":  # the customer's page shows nothing of the login
        with st.sidebar:
            st.markdown(f"**{plain(me['shop_name'])}**  \n{plain(me['name'])} · {plain(me['username'])}"
                        + ("" if door.me().is_owner else " · " + _("staff")))
            st.button(_("Log out"), key="logout_button", on_click=auth.request_logout, width="stretch")
    with reads.render_book(me["shop_id"]):  # one unit of work (one connection at most) per render
        current.run()
