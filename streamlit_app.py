"""Credikhaata shopkeeper app: `streamlit run streamlit_app.py` (or `make run`).

Page config, the login gate, then ``st.navigation``: a logged-out visitor gets
only the login and sign-up pages whatever URL they open; a logged-in shopkeeper
gets the ledger pages (see dashboard/app_pages/).
"""
import time
from urllib.parse import urlsplit

import streamlit as st

from dashboard import auth, door, language, reads
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
WANTED = "_khata_wanted_page"
LANDED = "_khata_landed"
PROTECTED = ("customers", "customer", "loans", "repayments", "remind-today", "reminders", "account", "import",
             "audit")

P = "dashboard/app_pages/"


def customer_link_page() -> st.Page:
    """The customer's own page (/c?t=...): no login, so it is in every branch below."""
    return st.Page(P + "customer_link.py", title=_("Your khata"), icon="📒", url_path="c", visibility="hidden")


if me is None:
    login = st.Page(P + "login.py", title=_("Log in"), icon="🔑", url_path="login", default=True)
    signup = st.Page(P + "signup.py", title=_("Sign up"), icon="🆕", url_path="signup")
    st.session_state[auth.PUBLIC_PAGES] = {"login": login, "signup": signup}
    # A deep link to any ledger page shows the login form (no "page not found"); after
    # logging in, the same URL opens that page.
    guarded = [st.Page(P + "login.py", title=_("Log in"), url_path=path, visibility="hidden")
               for path in PROTECTED]
    # No menu: the two pages link to each other, and on a phone no sidebar covers the form.
    shown = st.navigation([login, signup, *guarded, customer_link_page()], position="hidden")
    if shown.url_path in PROTECTED:
        # open it (with its ?id=...) once the login (or the cookie) lands
        st.session_state[WANTED] = (shown.url_path, st.query_params.to_dict())
    shown.run()
elif me.get("must_change_password"):
    # a first password (or one the owner reset): nothing else until it is changed
    shown = st.navigation([st.Page(P + "first_password.py", title=_("Choose your password"), icon="🔑",
                                   url_path="first-password", default=True), customer_link_page()],
                          position="hidden")
    if shown.url_path != "c":  # the customer's page shows nothing of the login
        with st.sidebar:
            st.button(_("Log out"), key="logout_button", on_click=auth.request_logout, width="stretch")
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
            customer_link_page(),
        ],
        _("Shop"): [
            st.Page(P + "account.py", title=_("Account"), icon="⚙️", url_path="account"),
            # staff get neither page (and khata refuses what they would do there)
            *([st.Page(P + "import_export.py", title=_("Import & export"), icon="📥", url_path="import")]
              if door.can("importer.import_customers") else []),
            *([st.Page(P + "audit.py", title=_("Audit log"), icon="🕵️", url_path="audit")]
              if door.can("audit.audit_log") else []),
        ],
    }
    # the address the browser opened, read before st.navigation (which rewrites it)
    opened = urlsplit(st.context.url or "").path.rstrip("/").rpartition("/")[2]
    opened_params = st.query_params.to_dict()
    current = st.navigation(pages)
    if current.url_path != "c":  # the customer's page shows nothing of the login
        with st.sidebar:
            st.markdown(f"**{plain(me['shop_name'])}**  \n{plain(me['name'])} · {plain(me['username'])}"
                        + ("" if door.me().is_owner else " · " + _("staff")))
            st.button(_("Log out"), key="logout_button", on_click=auth.request_logout, width="stretch")
    wanted, params = st.session_state.get(WANTED) or (None, {})
    landed = st.session_state.get(LANDED)
    if wanted is None and landed is None:
        # A new session's first run can be cut short by the login cookie's own rerun, and that
        # rerun does not say which page it is for: until the session has landed once, the page
        # is the one of the address the browser opened.
        wanted, params = (opened or None), opened_params
    elif wanted is None and current.url_path == "" and landed["page"] and time.monotonic() - landed["at"] < 3:
        # ...or the cookie's rerun comes just after the first page was drawn, again without its
        # page (it would open the Overview): once, go back to the page the session landed on.
        wanted, params = landed["page"], landed["params"]
        landed["page"] = ""
    target = next((page for group in pages.values() for page in group if page.url_path == wanted), None)
    if target is not None and current.url_path != wanted:
        # A bookmark opened before the login cookie is read shows the login form at its
        # address (see above); the run after the login opens the page. The wish is kept until
        # that page is reached, since a busy server's runs may be interrupted.
        st.switch_page(target, query_params=params)
    st.session_state.pop(WANTED, None)
    if landed is None:
        st.session_state[LANDED] = {"page": current.url_path, "params": st.query_params.to_dict(),
                                    "at": time.monotonic()}
    with reads.render_book(me["shop_id"]):  # one unit of work (one connection at most) per render
        current.run()
