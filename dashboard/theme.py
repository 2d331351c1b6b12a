"""A little CSS so the app works on a 390 px phone: tables scroll sideways,
metrics wrap, forms use the full width."""
import streamlit as st

_CSS = """
<style>
@media (max-width: 640px) {
  .block-container { padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3rem; }
  [data-testid="stMetricValue"] { font-size: 1.35rem; }
  h1 { font-size: 1.6rem !important; }
  /* the KPI cards (ov_kpis): two a row, their labels on two lines rather than cut */
  .st-key-ov_kpis { gap: 0.5rem; }
  .st-key-ov_kpis [data-testid="stMetricLabel"] p { white-space: normal; overflow: visible; }
}
[data-testid="stDataFrame"] { max-width: 100%; overflow-x: auto; }
</style>
"""


def apply_theme() -> None:
    st.html(_CSS)
