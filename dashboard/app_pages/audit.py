"""Audit log (owner): every change, login and approval, filtered by dates, who and action."""
import streamlit as st

from dashboard import reads, session
from dashboard.forms import show_error
from dashboard.reads import ROW_CAP
from dashboard.tables import show_table, table
from khata.errors import KhataError
from khata.i18n import _

sid = session.shop_id()
today = session.today()
st.title(_("Audit log"))
try:
    choices = reads.audit_choices(sid)
except KhataError as err:  # a staff login that reached this address: refused by khata
    show_error(err)
    st.stop()
c1, c2 = st.columns(2)
date_from = c1.date_input(_("From"), value=session.days_after(today, -30), max_value=today, key="au_from",
                          format="DD/MM/YYYY")
date_to = c2.date_input(_("To"), value=today, max_value=today, key="au_to", format="DD/MM/YYYY")
c1, c2 = st.columns(2)
who = c1.selectbox(_("Who"), choices["actors"], index=None, key="au_who", placeholder=_("Everyone"))
action = c2.selectbox(_("Action"), choices["actions"], index=None, key="au_action", placeholder=_("Every action"),
                      format_func=lambda code: choices["action_words"].get(code, code))
try:
    lines = reads.audit_lines(sid, date_from=date_from, date_to=date_to, actor=who, action=action)
except KhataError as err:
    show_error(err)
    st.stop()
if lines:
    st.caption(_("{count} line(s), newest first (at most {limit}).").format(count=len(lines), limit=ROW_CAP))
    show_table(table(lines, {"logged_at": _("When"), "actor": _("Who"), "what": _("What happened"),
                             "entity_id": _("#"), "changes": _("Changes")}, times=("logged_at",)))
else:
    st.info(_("Nothing in the audit log matches these filters."))
