"""Overview: KPI cards and charts for the whole book."""
import streamlit as st

from dashboard import charts, reads, session
from dashboard import format as fmt
from dashboard.approvals_panel import pending_box
from dashboard.forms import show_flash
from dashboard.text import plain

sid, key = session.shop_id(), reads.db_key()
today = session.today()
st.title("Overview")
st.caption(f"{plain(session.current()['shop_name'])} · as of {fmt.day(today)}")
show_flash()
pending_box(sid)

cold = reads.overview_reads(sid, key, today)
summary, month = cold["summary"], cold["month"]

cols = st.columns(3)
cols[0].metric("Outstanding", fmt.inr(summary["outstanding"]), border=True)
cols[1].metric("Overdue", fmt.inr(summary["overdue_amount"]), border=True)
cols[2].metric("Customers overdue", summary["customers_overdue"], border=True)
cols = st.columns(3)
cols[0].metric("Collected this month", fmt.inr(month["collected"]), border=True)
cols[1].metric("Given on credit this month", fmt.inr(month["issued"]), border=True)
cols[2].metric("Collection rate", fmt.percent(summary["collection_rate"]), border=True,
               help="Collected ÷ given on credit, over the whole book.")

if not any(summary["counts"].values()):
    st.info("Your book is empty. Add a customer on the **Customers** page, then record a sale on credit "
            "on the **Credit sales** page; your charts appear here.")
    st.stop()

with st.container(border=True):
    c1, c2, c3 = st.columns([2, 2, 1])
    date_from = c1.date_input("From", value=session.days_after(today, -180), max_value=today, key="ov_from",
                              format="DD/MM/YYYY")
    date_to = c2.date_input("To", value=today, max_value=today, key="ov_to", format="DD/MM/YYYY")
    period = c3.radio("By", ["week", "month"], horizontal=True, key="ov_period")
if date_from > date_to:
    st.error("The 'From' date is after the 'To' date.")
    st.stop()
ranged = reads.period_totals(sid, key, date_from, date_to)
st.caption(f"{fmt.day(date_from)} to {fmt.day(date_to)}: given on credit {fmt.inr(ranged['issued'])}, "
           f"collected {fmt.inr(ranged['collected'])}.")

flow = reads.issued_vs_collected(sid, key, period, date_from, date_to)
left, right = st.columns(2)
with left:
    if flow.empty:
        st.info("No sales or repayments between these dates.")
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
        st.info("Nobody owes you anything right now.")
    else:
        st.plotly_chart(charts.top_customers(top), key="chart_top")

left, right = st.columns(2)
with left:
    st.plotly_chart(charts.expected_collections(cold["expected"]), key="chart_expected")
with right:
    repaid = cold["days_to_repay"]
    if repaid.empty:
        st.info("No sale has been fully repaid yet.")
    else:
        st.plotly_chart(charts.days_to_repay(repaid), key="chart_days")
