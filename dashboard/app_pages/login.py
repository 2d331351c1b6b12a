"""Log in (the page a logged-out visitor gets at any URL). The login policy, for
known and unknown names, is ``khata.accounts.authenticate`` via ``auth.check_login``."""
import streamlit as st

from dashboard import auth
from dashboard.forms import show_error
from khata.errors import KhataError
from khata.i18n import _

st.title("📒 Credikhaata")
st.caption(_("The credit book for your shop."))
notice = st.session_state.pop(auth.NOTICE, None)
if notice:
    st.info(_(notice))
with st.form("login_form"):
    st.subheader(_("Log in"))
    username = st.text_input(_("Username"), key="login_user", autocomplete="username")
    password = st.text_input(_("Password"), type="password", key="login_password", autocomplete="current-password")
    submitted = st.form_submit_button(_("Log in"), type="primary", width="stretch")
if submitted:
    typed = (username or "").strip().lower()
    if not typed or not password:
        show_error(_("Type your username and password."))
    else:
        try:
            keeper = auth.check_login(typed, password)
        except KhataError as err:
            show_error(err)
        else:
            auth.log_in(keeper)
            st.rerun()
auth.public_link("signup", _("New here? Sign up your shop"), "🆕")
