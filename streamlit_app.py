"""Credikhaata shopkeeper app: `streamlit run streamlit_app.py` (or `make run`).

Page config, the login gate, then ``st.navigation``: a logged-out visitor gets
only the login and sign-up pages whatever URL they open; a logged-in shopkeeper
gets the ledger pages (see dashboard/app_pages/).
"""
import streamlit as st

from dashboard import auth, language, reads
from dashboard.text import plain
from dashboard.theme import apply_theme
from khata import settings
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

me = auth.gate()
WANTED = "_khata_wanted_page"
PROTECTED = ("customers", "customer", "loans", "repayments", "remind-today", "reminders", "account", "import")

P = "dashboard/app_pages/"
if me is None:
    login = st.Page(P + "login.py", title=_("Log in"), icon="🔑", url_path="login", default=True)
    signup = st.Page(P + "signup.py", title=_("Sign up"), icon="🆕", url_path="signup")
    st.session_state[auth.PUBLIC_PAGES] = {"login": login, "signup": signup}
    # A deep link to any ledger page shows the login form (no "page not found"); after
    # logging in, the same URL opens that page.
    guarded = [st.Page(P + "login.py", title=_("Log in"), url_path=path, visibility="hidden")
               for path in PROTECTED]
    # No menu: the two pages link to each other, and on a phone no sidebar covers the form.
    shown = st.navigation([login, signup, *guarded], position="hidden")
    if shown.url_path in PROTECTED:
        # open it (with its ?id=...) once the login (or the cookie) lands
        st.session_state[WANTED] = (shown.url_path, st.query_params.to_dict())
    shown.run()
else:
    pages = {
        _("Book"): [
            st.Page(P + "overview.py", title=_("Overview"), icon="📊", url_path="overview", default=True),
            st.Page(P + "customers.py", title=_("Customers"), icon="👥", url_path="customers"),
            st.Page(P + "customer.py", title=_("Customer"), icon="🧾", url_path="customer", visibility="hidden"),
            st.Page(P + "loans.py", title=_("Credit sales"), icon="🛒", url_path="loans"),
            st.Page(P + "repayments.py", title=_("Repayments"), icon="💰", url_path="repayments"),
            st.Page(P + "remind_today.py", title=_("Remind today"), icon="📲", url_path="remind-today"),
            st.Page(P + "reminders.py", title=_("Reminders"), icon="🔔", url_path="reminders"),
        ],
        _("Shop"): [
            st.Page(P + "account.py", title=_("Account"), icon="⚙️", url_path="account"),
            st.Page(P + "import_export.py", title=_("Import & export"), icon="📥", url_path="import"),
        ],
    }
    with st.sidebar:
        st.markdown(f"**{plain(me['shop_name'])}**  \n{plain(me['name'])} · {plain(me['username'])}")
        st.button(_("Log out"), key="logout_button", on_click=auth.request_logout, width="stretch")
    current = st.navigation(pages)
    wanted, params = st.session_state.pop(WANTED, None) or (None, {})
    if wanted and current.url_path != wanted:
        # The first run of a bookmark may come before the login cookie is read; it showed
        # the login form at this address, and the run that logs in must open the page.
        st.switch_page(next(page for group in pages.values() for page in group if page.url_path == wanted),
                       query_params=params)
    with reads.render_book(me["shop_id"]):  # one unit of work (one connection at most) per render
        current.run()
