"""Which language a page run speaks, and the pickers that change it.

Precedence: ``?lang=hi`` (kept for the rest of this browser session) or a picker in this
session, then the shopkeeper's stored choice (``khata.accounts.set_language``, so every
device follows it after login), then the browser's ``Accept-Language`` (q-values), then
English. ``apply`` runs at the top of every run (streamlit_app.py); the language lives in
``khata.i18n``'s context variable, so sessions served by other threads are not affected.
"""
from __future__ import annotations

import streamlit as st

from khata.errors import KhataError
from khata.i18n import DEFAULT_LANGUAGE, LANGUAGES, N_, _, current_language, language_name, set_language, supported

from .text import option_words, plain

SESSION = "_khata_lang"         # chosen in this session: ?lang= or a picker
PICKED = "_khata_lang_picked"   # picked on the login or sign-up page: stored with the account at login
REFUSED = "_khata_lang_refused"  # why storing the pick failed, shown under the picker


def accept_language(header) -> list[str]:
    """The offered languages of an Accept-Language header, best first:
    ``"mr;q=0.5, hi-IN, en;q=0.8"`` -> ``["hi", "en", "mr"]``. q=0, bad q-values, ``*``
    and languages the app does not speak are left out; ties keep the header's order."""
    ranked = []
    for position, part in enumerate(str(header or "").split(",")[:50]):
        tag, _sep, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        code = supported(tag)
        if code and 0 < weight <= 1:
            ranked.append((-weight, position, code))
    out: list[str] = []
    for _weight, _position, code in sorted(ranked):
        if code not in out:
            out.append(code)
    return out


def choose(*, query=None, session=None, account=None, accept=None) -> str:
    """The language of a run from what is known, in the order of precedence above."""
    for wanted in (query, session, account):
        if supported(wanted):
            return supported(wanted)
    ranked = accept_language(accept)
    return ranked[0] if ranked else DEFAULT_LANGUAGE


def _browser_header() -> str | None:
    try:
        return st.context.headers.get("Accept-Language")
    except Exception:  # no browser behind this run (a bare script run)
        return None


def apply(me: dict | None = None) -> str:
    """Set this run's language (call before anything is drawn; again once the login is known)."""
    ss = st.session_state
    asked = supported(st.query_params.get("lang"))
    if asked:
        ss[SESSION] = asked
    return set_language(choose(session=ss.get(SESSION), account=(me or {}).get("language"),
                               accept=_browser_header()))


def picked() -> str | None:
    """The language picked on the login or sign-up page, to be stored with the account."""
    return st.session_state.get(SESSION) if st.session_state.get(PICKED) else None


def session_choice() -> str | None:
    """This session's ?lang= or picked language, if any."""
    return supported(st.session_state.get(SESSION))


def picker(key: str, *, save=None) -> None:
    """A language picker (names in their own script). A change applies from the next run on;
    ``save(code)`` also stores it (Account); without it the choice waits for the login."""
    codes = list(LANGUAGES)
    st.session_state[key] = current_language()
    refused = st.session_state.pop(REFUSED, None)

    def changed() -> None:
        code = st.session_state[key]
        if save is not None:
            try:
                save(code)
            except KhataError as err:  # the database busy, say: nothing changes, the reason is shown
                st.session_state[REFUSED] = str(err)
                return
        st.session_state[SESSION] = code
        if save is None:
            st.session_state[PICKED] = True

    st.selectbox(_("Language"), codes, format_func=language_name, key=key, on_change=changed)
    if refused:
        st.error(plain(refused))


SHOP_DEFAULT = N_("The shop's language")  # a customer without a language of their own


def customer_picker(key: str, value: str | None = None, container=st) -> str:
    """A customer's language in the add/edit forms: "" keeps the shop's default. The labels are
    made now (Streamlit may call ``format_func`` outside this run, in another language)."""
    codes = ["", *LANGUAGES]
    labels = option_words({"": SHOP_DEFAULT, **{code: language_name(code) for code in LANGUAGES}})
    return container.selectbox(_("Language of reminders and statements"), codes,
                               index=codes.index(value) if value in codes else 0, format_func=labels, key=key)
