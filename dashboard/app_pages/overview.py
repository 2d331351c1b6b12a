"""Overview: the book's numbers in compact cards, then one chart at a time (chosen by a tap)."""
import streamlit as st

from dashboard import charts, reads, session, words_help
from dashboard import format as fmt
from dashboard.approvals_panel import pending_box
from dashboard.forms import show_flash
from dashboard.text import option_words, plain
from khata.i18n import N_, _

PERIODS = {"week": N_("week"), "month": N_("month")}
# the chart chooser's options, in the order a shopkeeper asks: money in and out first
CHARTS = {"flow": N_("Credit given vs collected"), "aging": N_("Outstanding by how late it is"),
          "top": N_("Top 10 customers by outstanding"), "expected": N_("Expected collections, next 8 weeks"),
          "status": N_("Credit sales by status"), "days": N_("How long customers take to repay")}
sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title(_("Overview"))
st.caption(_("{shop} · as of {date}").format(shop=plain(session.current()["shop_name"]), date=fmt.day(today)))
show_flash()
pending_box(sid)

cold = reads.overview_reads(sid, key, today)
summary, month = cold["summary"], cold["month"]

# six numbers, compact: two a row on a phone, three on a desktop (dashboard/theme.py), not six tall cards
with st.container(horizontal=True, gap="small", key="ov_kpis"):
    for label, value, explained in [
            (_("Outstanding"), fmt.inr(summary["outstanding"]), None),
            (_("Overdue"), fmt.inr(summary["overdue_amount"]), None),
            (_("Customers overdue"), summary["customers_overdue"], None),
            (_("Collected this month"), fmt.inr(month["collected"]), None),
            (_("Given on credit this month"), fmt.inr(month["issued"]), None),
            (_("Collection rate"), fmt.percent(summary["collection_rate"]), _(words_help.COLLECTION_RATE))]:
        st.metric(label, value, border=True, help=explained)

if not any(summary["counts"].values()):
    st.info(_("Your book is empty. Add a customer on the **Customers** page, then record a sale on credit "
              "on the **Credit sales** page; your charts appear here."))
    st.stop()

# One chart first, the others one tap away: a chooser draws only the chosen chart (tabs or
# expanders would build and send all six on every run, ~6x the bytes on a phone). The dates
# (for the first chart and the totals under it) wait below in a closed box: set once, rarely changed.
chosen = st.selectbox(_("Chart"), list(CHARTS), key="ov_chart", format_func=option_words(CHARTS))
chart_slot, totals_slot = st.container(), st.container()
with st.expander(_("📅 Dates")):
    c1, c2, c3 = st.columns([2, 2, 1])
    date_from = c1.date_input(_("From"), value=session.days_after(today, -180), max_value=today, key="ov_from",
                              format="DD/MM/YYYY")
    date_to = c2.date_input(_("To"), value=today, max_value=today, key="ov_to", format="DD/MM/YYYY")
    period = c3.radio(_("By"), ["week", "month"], horizontal=True, key="ov_period",
                      format_func=option_words(PERIODS))
if date_from > date_to:
    chart_slot.error(_("The 'From' date is after the 'To' date."))
    st.stop()
ranged = reads.period_totals(sid, key, date_from, date_to)
totals_slot.caption(_("{start} to {end}: given on credit {issued}, collected {collected}.").format(
    start=fmt.day(date_from), end=fmt.day(date_to), issued=fmt.inr(ranged["issued"]),
    collected=fmt.inr(ranged["collected"])))

with chart_slot:
    if chosen == "flow":
        flow = reads.issued_vs_collected(sid, key, period, date_from, date_to)
        if flow.empty:
            st.info(_("No sales or repayments between these dates."))
        else:
            charts.draw(charts.issued_vs_collected(flow, period), "chart_flow")
    elif chosen == "aging":
        charts.draw(charts.aging(reads.aging_frame(summary)), "chart_aging")
    elif chosen == "status":
        charts.draw(charts.status_mix(reads.status_mix_frame(summary)), "chart_status")
    elif chosen == "top":
        if cold["top"].empty:
            st.info(_("Nobody owes you anything right now."))
        else:
            charts.draw(charts.top_customers(cold["top"]), "chart_top")
    elif chosen == "expected":
        charts.draw(charts.expected_collections(cold["expected"]), "chart_expected")
    elif cold["days_to_repay"].empty:
        st.info(_("No sale has been fully repaid yet."))
    else:
        charts.draw(charts.days_to_repay(cold["days_to_repay"]), "chart_days")
