"""Sign up a shop: the shopkeeper, the shop's name and phone, a password."""
import streamlit as st

from dashboard import auth, writes
from dashboard.forms import show_error
from dashboard.text import plain
from khata.errors import KhataError
from khata.i18n import _

st.title(_("Sign up your shop"))
st.caption(_("One account per shop. You will log in with the username and password you choose."))
with st.form("signup_form"):
    name = st.text_input(_("Your name"), key="su_name")
    shop_name = st.text_input(_("Shop name"), key="su_shop")
    username = st.text_input(_("Username"), key="su_user", help=_("3 to 30 characters: lowercase letters, "
                                                               "digits, '.', '_' or '-'."))
    email = st.text_input(_("Email"), key="su_email")
    phone = st.text_input(_("Phone"), key="su_phone", placeholder="98765 43210")
    password = st.text_input(_("Password"), type="password", key="su_password", help=_(writes.PASSWORD_RULES))
    repeat = st.text_input(_("Repeat password"), type="password", key="su_repeat")
    st.caption(_("Password: {rules}.").format(rules=_(writes.PASSWORD_RULES)))
    submitted = st.form_submit_button(_("Create my shop"), type="primary", width="stretch")
account = None
if submitted:
    if password != repeat:
        show_error(_("The two passwords are not the same."))
    else:
        try:
            account = auth.register(name=name, shop_name=shop_name, username=username, email=email, phone=phone,
                                    password=password)
        except KhataError as err:
            show_error(err)
if account:
    st.success(_("Your shop is ready. Log in as **{username}**.").format(username=plain(account["username"])))
    auth.public_link("login", _("Go to log in"), "🔑")
else:
    auth.public_link("login", _("Already have an account? Log in"), "🔑")
