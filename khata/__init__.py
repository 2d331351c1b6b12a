"""Credikhaata ledger core: a shop's credit book in DuckDB.

No Streamlit and no Prefect imports here: the dashboard, the reminder flow and
the CLI all call these plain service functions.
"""
