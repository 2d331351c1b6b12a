"""Which language a page run speaks: ``?lang=hi`` on any address switches it for the rest of
the browser session; English otherwise. ``apply`` runs at the top of every run
(streamlit_app.py); the language lives in ``khata.i18n``'s context variable, so sessions
served by other threads are not affected."""
from __future__ import annotations

import streamlit as st

from khata.i18n import set_language, supported

SESSION = "_khata_lang"  # chosen in this session (?lang=)


def apply(me: dict | None = None) -> str:
    """Set this run's language (call before anything is drawn)."""
    ss = st.session_state
    asked = supported(st.query_params.get("lang"))
    if asked:
        ss[SESSION] = asked
    return set_language(ss.get(SESSION))
