"""First login of a staff member (or after the owner reset it): choose your own password."""
import streamlit as st

from dashboard import auth, session, writes
from dashboard.forms import show_error, submit
from dashboard.text import plain
from khata.i18n import _

me = session.current()
st.title(_("Choose your password"))
st.markdown(_("Welcome, {name}. The password you were given is for the first login only; choose your own "
              "to continue.").format(name=plain(me["name"])))
with st.form("first_password"):
    old = st.text_input(_("Password you were given"), type="password", key="fp_old")
    new = st.text_input(_("New password"), type="password", key="fp_new", help=_(writes.PASSWORD_RULES))
    repeat_new = st.text_input(_("Repeat new password"), type="password", key="fp_repeat")
    st.caption(_("Password: {rules}.").format(rules=_(writes.PASSWORD_RULES)))
    if st.form_submit_button(_("Save password"), type="primary"):
        if new != repeat_new:
            show_error(_("The two new passwords are not the same."))
        else:
            submit("first_password", lambda: writes.change_password(old, new), _("Password saved."),
                   on_success=lambda changed_at: auth.password_changed())
