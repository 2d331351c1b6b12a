"""The owner's logins section on the Account page: add staff, reset a password,
disable, enable or remove a login (each checked again in khata.staff)."""
from __future__ import annotations

import streamlit as st

from khata.i18n import _

from . import reads, session, writes
from .forms import form_token, submit
from .tables import show_table, table


def logins_section() -> None:
    sid = session.shop_id()
    st.subheader(_("Staff logins"))
    st.caption(_("Staff can add customers, record sales and repayments, see balances and statements and send "
                 "reminders. They cannot reverse entries, change credit limits or settings, import, download "
                 "lists or see the audit log; they can ask you for a reversal."))
    people = reads.logins(sid)
    for person in people:
        person["state"] = _("active") if person["active"] else _("disabled")
        person["first"] = _("yes") if person["must_change_password"] else ""
    show_table(table(people, {"username": _("Username"), "name": _("Name"), "role": _("Role"),
                              "state": _("Status"), "first": _("Must change password"),
                              "created_by": _("Added by")}))

    token = form_token("add_staff")
    with st.expander(_("➕ Add a login"), expanded=len(people) <= 1):
        with st.form(f"add_staff_{token}"):
            name = st.text_input(_("Full name"), key=f"as_name_{token}")
            username = st.text_input(_("Username"), key=f"as_user_{token}", help=_("3 to 30 characters: lowercase "
                                                                                   "letters, digits, '.', '_' or '-'."))
            first = st.text_input(_("First password"), type="password", key=f"as_pw_{token}",
                                  help=_(writes.PASSWORD_RULES))
            roles = {"staff": _("Staff"), "owner": _("Owner (everything)")}  # words of this run's language
            role = st.selectbox(_("Role"), list(roles), key=f"as_role_{token}", format_func=roles.get)
            st.caption(_("They must change this password when they first log in."))
            if st.form_submit_button(_("Add login"), type="primary"):
                submit("add_staff", lambda: writes.add_staff(username=username, name=name, password=first,
                                                                      login_role=role),
                       lambda login: _("Added {username}. Give them the first password; they change it at their "
                                       "first login.").format(username=login["username"]))

    others = {p["username"]: f"{p['name']} ({p['username']}, {p['state']})" for p in people if p["role"] != "owner"}
    if not others:
        return
    with st.expander(_("🔧 Change a login")):
        chosen = st.selectbox(_("Login"), list(others), format_func=others.get, index=None, key="ms_pick",
                              placeholder=_("Choose a login"))
        new_first = st.text_input(_("New first password"), type="password", key="ms_pw", help=_(writes.PASSWORD_RULES))
        c1, c2, c3, c4 = st.columns(4)
        reset = c1.button(_("Reset password"), key="ms_reset", disabled=chosen is None)
        disable = c2.button(_("Disable"), key="ms_disable", disabled=chosen is None)
        enable = c3.button(_("Enable"), key="ms_enable", disabled=chosen is None)
        remove = c4.button(_("Remove"), key="ms_remove", disabled=chosen is None)
        if reset:
            submit("manage_staff", lambda: writes.reset_staff_password(chosen, new_first),
                   _("New first password set for {username}; their open sessions are logged out.")
                   .format(username=chosen))
        elif disable:
            submit("manage_staff", lambda: writes.set_staff_active(chosen, False),
                   _("{username} can no longer log in.").format(username=chosen))
        elif enable:
            submit("manage_staff", lambda: writes.set_staff_active(chosen, True),
                   _("{username} can log in again.").format(username=chosen))
        elif remove:
            submit("manage_staff", lambda: writes.remove_staff(chosen),
                   _("Removed {username}; their entries keep their name.").format(username=chosen))
