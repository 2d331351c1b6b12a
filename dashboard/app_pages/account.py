"""Account: the shop profile, reminder settings and logins (owner), change password (everyone)."""
import streamlit as st

from dashboard import auth, door, language, reads, session, writes
from dashboard import format as fmt
from dashboard.forms import show_error, show_flash, submit
from dashboard.staff_panel import logins_section
from khata.i18n import _

sid, key = session.shop_id(), reads.db_key()
st.title(_("Account"))
show_flash()
if door.can("accounts.update_settings"):  # the shop's settings (refused in khata too)
    config = reads.settings(sid, key)

    st.subheader(_("Shop profile"))
    with st.form("shop_profile"):
        name = st.text_input(_("Shop name"), value=config["name"], key="sp_name")
        phone = st.text_input(_("Shop phone"), value=fmt.phone(config["phone"]), key="sp_phone")
        upi = st.text_input(_("UPI ID (shown in reminders)"), value=config["upi_id"] or "", key="sp_upi",
                            placeholder="shopname@okbank")
        c1, c2 = st.columns(2)
        timezone_name = c1.text_input(_("Time zone"), value=config["timezone"], key="sp_tz")
        term = c2.number_input(_("Default loan term (days)"), min_value=1, max_value=365, step=1,
                               value=int(config["loan_term_days"]), key="sp_term")
        st.markdown(_("**WhatsApp reminders**"))
        enabled = st.toggle(_("Send reminders"), value=bool(config["reminders_enabled"]), key="sp_rem_on")
        c1, c2 = st.columns(2)
        days = c1.text_input(_("On these days around the due date"), key="sp_rem_days",
                             value=", ".join(str(d) for d in config["reminder_days"]),
                             help=_("-1 is the day before the due date, 3 is three days after it."))
        repeat = c2.number_input(_("Then repeat every (days, 0 = never)"), min_value=0, max_value=60, step=1,
                                 value=int(config["reminder_repeat_days"]), key="sp_rem_repeat")
        staff_limit = st.text_input(_("Staff sales above this amount (₹) need your approval"), key="sp_staff_limit",
                                    value="" if config["staff_sale_limit"] is None else str(config["staff_sale_limit"]),
                                    help=_("Leave empty: staff sales never wait for approval."))
        if st.form_submit_button(_("Save profile"), type="primary"):
            submit("shop_profile",
                   lambda: writes.save_shop_settings(name=name, phone=phone, upi_id=upi, timezone=timezone_name,
                                                     loan_term_days=term, reminders_enabled=enabled,
                                                     reminder_days=days, reminder_repeat_days=repeat,
                                                     staff_sale_limit=staff_limit),
                   _("Saved your shop profile."),
                   on_success=lambda saved: session.remember_shop(shop_name=saved["name"], timezone=saved["timezone"]))

    logins_section()
else:
    st.caption(_("Logged in as staff of this shop. The owner manages the shop's settings and logins."))

st.subheader(_("Language"))
st.caption(_("The app's language on every device you log in from, and the reminders' language for "
             "customers who have none of their own."))
language.picker("account_language",
                save=lambda code: session.remember_language(writes.set_language(code)))

st.subheader(_("Change password"))
with st.form("change_password"):
    old = st.text_input(_("Current password"), type="password", key="cp_old")
    new = st.text_input(_("New password"), type="password", key="cp_new", help=_(writes.PASSWORD_RULES))
    repeat_new = st.text_input(_("Repeat new password"), type="password", key="cp_repeat")
    st.caption(_("Password: {rules}.").format(rules=_(writes.PASSWORD_RULES)))
    if st.form_submit_button(_("Change password")):
        if new != repeat_new:
            show_error(_("The two new passwords are not the same."))
        else:
            submit("change_password", lambda: writes.change_password(old, new),
                   _("Password changed. Other browsers are logged out."),
                   on_success=lambda changed_at: auth.password_changed())
