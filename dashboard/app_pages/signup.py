"""Sign up a shop: the shopkeeper, the shop's name and phone, a password."""
import streamlit as st

from dashboard import auth, language, writes
from dashboard.forms import show_error
from dashboard.text import plain
from khata.errors import KhataError

language.picker("signup_language")
st.title("Sign up your shop")
st.caption("One account per shop. You will log in with the username and password you choose.")
with st.form("signup_form"):
    name = st.text_input("Your name", key="su_name")
    shop_name = st.text_input("Shop name", key="su_shop")
    username = st.text_input("Username", key="su_user", help="3 to 30 characters: lowercase letters, "
                             "digits, '.', '_' or '-'.")
    email = st.text_input("Email", key="su_email")
    phone = st.text_input("Phone", key="su_phone", placeholder="98765 43210")
    password = st.text_input("Password", type="password", key="su_password", help=writes.PASSWORD_RULES)
    repeat = st.text_input("Repeat password", type="password", key="su_repeat")
    st.caption(f"Password: {writes.PASSWORD_RULES}.")
    submitted = st.form_submit_button("Create my shop", type="primary", width="stretch")
account = None
if submitted:
    if password != repeat:
        show_error("The two passwords are not the same.")
    else:
        try:
            account = auth.register(name=name, shop_name=shop_name, username=username, email=email, phone=phone,
                                    password=password, language=language.session_choice())
        except KhataError as err:
            show_error(err)
if account:
    st.success(f"Your shop is ready. Log in as **{plain(account['username'])}**.")
    auth.public_link("login", "Go to log in", "🔑")
else:
    auth.public_link("login", "Already have an account? Log in", "🔑")
