"""The shopkeeper dashboard (Streamlit only). Pages call khata services; no SQL here."""
