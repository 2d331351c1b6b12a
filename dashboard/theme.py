"""A little CSS so the app works on a 390 px phone: a wide data grid scrolls inside its own frame
(never the page), metrics wrap, forms use the full width, the Overview's KPI cards sit two a row."""
import streamlit as st

_CSS = """
<style>
/* the KPI cards: three a row on a wide screen, sharing the width */
.st-key-ov_kpis [data-testid="stElementContainer"] {
  flex: 1 1 calc(33.3% - 1rem); min-width: 0; width: auto !important;
}
.st-key-ov_kpis [data-testid="stMetricValue"] { font-size: 1.8rem; }
@media (max-width: 640px) {
  .block-container { padding-left: 0.75rem; padding-right: 0.75rem; padding-top: 3rem; }
  [data-testid="stMetricValue"] { font-size: 1.35rem; }
  h1 { font-size: 1.6rem !important; }
  /* the KPI cards (ov_kpis): two a row, snug, labels on two lines rather than cut */
  .st-key-ov_kpis { gap: 0.5rem !important; }
  .st-key-ov_kpis [data-testid="stElementContainer"] { flex: 1 1 calc(50% - 0.25rem) !important; }
  .st-key-ov_kpis [data-testid="stMetric"] { padding: 0.5rem 0.6rem; }
  .st-key-ov_kpis [data-testid="stMetricValue"] { font-size: 1.15rem; }
  .st-key-ov_kpis [data-testid="stMetricLabel"] p { white-space: normal; overflow: visible; }
}
[data-testid="stDataFrame"] { max-width: 100%; overflow-x: auto; }
</style>
"""


def apply_theme() -> None:
    st.html(_CSS)
