"""Overview: KPI cards and charts for the whole book."""
import streamlit as st

from dashboard import charts, reads, session
from dashboard import format as fmt
from dashboard.forms import show_flash
from dashboard.text import option_words, plain
from khata.i18n import N_, _

PERIODS = {"week": N_("week"), "month": N_("month")}
sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title(_("Overview"))
st.caption(_("{shop} · as of {date}").format(shop=plain(session.current()["shop_name"]), date=fmt.day(today)))
show_flash()

cold = reads.overview_reads(sid, key, today)
summary, month = cold["summary"], cold["month"]

cols = st.columns(3)
cols[0].metric(_("Outstanding"), fmt.inr(summary["outstanding"]), border=True)
cols[1].metric(_("Overdue"), fmt.inr(summary["overdue_amount"]), border=True)
cols[2].metric(_("Customers overdue"), summary["customers_overdue"], border=True)
cols = st.columns(3)
cols[0].metric(_("Collected this month"), fmt.inr(month["collected"]), border=True)
cols[1].metric(_("Given on credit this month"), fmt.inr(month["issued"]), border=True)
cols[2].metric(_("Collection rate"), fmt.percent(summary["collection_rate"]), border=True,
               help=_("Collected ÷ given on credit, over the whole book."))

if not any(summary["counts"].values()):
    st.info(_("Your book is empty. Add a customer on the **Customers** page, then record a sale on credit "
              "on the **Credit sales** page; your charts appear here."))
    st.stop()

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    date_from = c1.date_input(_("From"), value=session.days_after(today, -180), max_value=today, key="ov_from",
                              format="DD/MM/YYYY")
    date_to = c2.date_input(_("To"), value=today, max_value=today, key="ov_to", format="DD/MM/YYYY")
    period = c3.radio(_("By"), ["week", "month"], horizontal=True, key="ov_period",
                      format_func=option_words(PERIODS))
if date_from > date_to:
    st.error(_("The 'From' date is after the 'To' date."))
    st.stop()
ranged = reads.period_totals(sid, key, date_from, date_to)
st.caption(_("{start} to {end}: given on credit {issued}, collected {collected}.").format(
    start=fmt.day(date_from), end=fmt.day(date_to), issued=fmt.inr(ranged["issued"]),
    collected=fmt.inr(ranged["collected"])))

flow = reads.issued_vs_collected(sid, key, period, date_from, date_to)
left, right = st.columns(2)
with left:
    if flow.empty:
        st.info(_("No sales or repayments between these dates."))
    else:
        st.plotly_chart(charts.issued_vs_collected(flow, period), key="chart_flow")
with right:
    st.plotly_chart(charts.aging(reads.aging_frame(summary)), key="chart_aging")

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.status_mix(reads.status_mix_frame(summary)), key="chart_status")
with right:
    top = cold["top"]
    if top.empty:
        st.info(_("Nobody owes you anything right now."))
    else:
        st.plotly_chart(charts.top_customers(top), key="chart_top")

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.expected_collections(cold["expected"]), key="chart_expected")
with right:
    repaid = cold["days_to_repay"]
    if repaid.empty:
        st.info(_("No sale has been fully repaid yet."))
    else:
        st.plotly_chart(charts.days_to_repay(repaid), key="chart_days")
