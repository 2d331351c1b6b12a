"""The app's pages: which exist, who may see each, and where a person lands after logging in.

Every address the app knows is a page in every state of a session (logged out, first
password, logged in): an address that is not the person's page yet shows what they must do
first (the login form, the first-password form, a refusal) and is kept as their wish, so
Streamlit's English "Page not found" never shows. Landing does not depend on timing: the wish
stays in the session until its page runs, and a rerun that names no page (the login cookie's)
stays on the page the session is on.
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import auth, door
from khata.i18n import N_, _

P = "dashboard/app_pages/"
WANTED = "_khata_wanted_page"  # (url_path, query params) asked for, kept until that page runs
ON = "_khata_on_page"  # (url_path, query params) of the page the session is on
BOOK, SHOP = N_("Book"), N_("Shop")


@dataclass(frozen=True)
class Ledger:
    """A page of the logged-in app; ``needs`` is the service whose permission shows it."""
    url_path: str
    file: str
    title: str
    icon: str
    group: str
    needs: str | None = None
    hidden: bool = False


LEDGER = (
    Ledger("overview", "overview.py", N_("Overview"), "📊", BOOK),
    Ledger("customers", "customers.py", N_("Customers"), "👥", BOOK),
    Ledger("customer", "customer.py", N_("Customer"), "🧾", BOOK, hidden=True),
    Ledger("loans", "loans.py", N_("Credit sales"), "🛒", BOOK),
    Ledger("repayments", "repayments.py", N_("Repayments"), "💰", BOOK),
    Ledger("remind-today", "remind_today.py", N_("Remind today"), "📲", BOOK),
    Ledger("reminders", "reminders.py", N_("Reminders"), "🔔", BOOK),
    Ledger("account", "account.py", N_("Account"), "⚙️", SHOP),
    Ledger("import", "import_export.py", N_("Import & export"), "📥", SHOP, needs="importer.import_customers"),
    Ledger("audit", "audit.py", N_("Audit log"), "🕵️", SHOP, needs="audit.audit_log"),
)
PROTECTED = tuple(page.url_path for page in LEDGER)  # open only after a login (and a first password)
DOORWAYS = ("login", "signup", "first-password")  # the pages before the ledger
# Each state's default page is named HOME: Streamlit serves it at the root and would answer its
# own name's address with "Page not found", so that address too is a stand-in.
HOME = "home"


def customer_link_page() -> st.Page:
    """The customer's own page (/c?t=...): no login, so it is in every state."""
    return st.Page(P + "customer_link.py", title=_("Your khata"), icon="📒", url_path="c", visibility="hidden")


def stand_ins(script: str | None, title: str, taken: set[str]) -> list[st.Page]:
    """Hidden pages at every known address not ``taken``: they run ``script`` (or send the
    person to the default page), so a bookmark never meets "Page not found"."""
    return [st.Page(script or _to_default, title=title, url_path=path, visibility="hidden")
            for path in PROTECTED + DOORWAYS if path not in taken]


def _to_default() -> None:
    """A logged-in person at /overview, or at the login, sign-up or first-password address: the
    Overview (the default page, whose address is the app's root)."""
    st.switch_page(P + "overview.py", query_params=st.query_params.to_dict())


def _refusal_of(service: str):
    """A ledger page this login may not see: why, in the person's language."""
    def refused() -> None:
        st.warning(door.refusal(service))
        st.page_link(P + "overview.py", label=_("Overview"), icon="📊")
    return refused


def _intent() -> tuple[str, str]:
    """(page hash, address name) the rerun asks for; both empty for a pageless rerun. A browser
    that has not yet been told its page (the login cookie's rerun right after a session starts)
    sends the entry script's own hash, which names no page either."""
    ctx = get_script_run_ctx()
    manager = ctx.pages_manager if ctx is not None else None
    if manager is None:
        return "", ""
    page_hash = manager.intended_page_script_hash or ""
    if page_hash == manager.main_script_hash:
        page_hash = ""
    return page_hash, manager.intended_page_name or ""


def keep_wish() -> bool:
    """Before the pages are chosen: an address the browser opened (a bookmark, a link) is kept
    with its ?id=... as the session's wish until that page runs, so neither the login nor a run
    cut short by the login cookie's rerun loses it. True when the rerun names no page at all."""
    page_hash, name = _intent()
    if not (page_hash or name) and ON not in st.session_state and WANTED not in st.session_state:
        # a session's first run may name no page either: the address the browser opened says it
        name = urlsplit(st.context.url or "").path.rstrip("/").rpartition("/")[2]
    if name in PROTECTED:
        st.session_state[WANTED] = ("" if name == "overview" else name, st.query_params.to_dict())
    return not (page_hash or name)


def logged_out() -> st.Page:
    """Log in and sign up, with the login form at every ledger address; no menu (on a phone no
    sidebar covers the form)."""
    login = st.Page(P + "login.py", title=_("Log in"), icon="🔑", url_path=HOME, default=True)
    signup = st.Page(P + "signup.py", title=_("Sign up"), icon="🆕", url_path="signup")
    st.session_state[auth.PUBLIC_PAGES] = {"login": login, "signup": signup}
    real = [login, signup, customer_link_page()]
    keep_wish()
    return st.navigation(real + stand_ins(P + "login.py", _("Log in"), {"signup"}), position="hidden")


def first_password() -> st.Page:
    """A first password (or one the owner reset): nothing else until it is changed."""
    chosen = st.Page(P + "first_password.py", title=_("Choose your password"), icon="🔑",
                     url_path=HOME, default=True)
    real = [chosen, customer_link_page()]
    keep_wish()
    return st.navigation(real + stand_ins(P + "first_password.py", _("Choose your password"), set()),
                         position="hidden")


def ledger_pages() -> dict[str, list[st.Page]]:
    """The menu of a logged-in person; a page their role may not see is a hidden refusal."""
    groups: dict[str, list[st.Page]] = {_(BOOK): [], _(SHOP): []}
    for page in LEDGER:
        if page.needs is None or door.can(page.needs):
            default = page.url_path == "overview"  # at the root; its address is a stand-in (see below)
            shown = st.Page(P + page.file, title=_(page.title), icon=page.icon,
                            url_path=HOME if default else page.url_path, default=default,
                            visibility="hidden" if page.hidden else "visible")
        else:
            shown = st.Page(_refusal_of(page.needs), title=_(page.title), icon=page.icon,
                            url_path=page.url_path, visibility="hidden")
        groups[_(page.group)].append(shown)
    groups[_(BOOK)].append(customer_link_page())
    groups[_(BOOK)].extend(stand_ins(None, _("Overview"), set(PROTECTED) - {"overview"}))
    return groups


def logged_in() -> st.Page:
    """The ledger's navigation, and landing: the wished-for page is opened (a wish is kept until its
    page runs), and a rerun that names no page stays on the page the session is on."""
    pageless = keep_wish()  # read before st.navigation, which resolves the rerun's page
    groups = ledger_pages()
    current = st.navigation(groups)
    wish = st.session_state.get(WANTED)
    if wish is None and pageless:
        wish = st.session_state.get(ON)
    if wish is not None and wish[0] != current.url_path:
        target = next((page for group in groups.values() for page in group if page.url_path == wish[0]), None)
        if target is not None:
            st.switch_page(target, query_params=wish[1])
    st.session_state.pop(WANTED, None)
    st.session_state[ON] = (current.url_path, st.query_params.to_dict())
    return current
