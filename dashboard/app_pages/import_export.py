"""Import customers from a CSV (all or nothing) and download every table as CSV."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session, writes
from dashboard.exports import EXPORTS, export_csv
from dashboard.forms import progress_callback, show_flash, submit
from khata.errors import ImportRejected

sid, key = session.shop_id(), reads.db_key()
st.title("Import & export")
show_flash()

st.subheader("Import customers from a CSV file")
st.caption(f"Columns: **{', '.join(writes.IMPORT_REQUIRED)}** (required) and {', '.join(writes.IMPORT_OPTIONAL)} "
           "(optional). If any row has a problem nothing is imported, and every problem is listed.")
upload = st.file_uploader("CSV file", type=["csv"], key="im_file")


def _show_rejected_rows(err) -> None:
    bar.empty()
    if isinstance(err, ImportRejected):
        st.dataframe([{"Line": line, "Problem": reason} for line, reason in err.row_errors],
                     hide_index=True, width="stretch")


if st.button("Import", type="primary", key="im_go", disabled=upload is None):
    bar = st.progress(0.0, text="Checking rows...")
    submit("import", lambda: writes.import_customers(upload.getvalue(), progress_callback(bar)),
           lambda result: f"Imported {result['customers']} customer(s) with "
                          f"{result['opening_balances']} opening balance(s) "
                          f"totalling {fmt.inr(result['total_opening'])}.",
           on_refused=_show_rejected_rows)

st.subheader("Download your book")
st.caption("CSV files for a spreadsheet. Cells that start with = + - @ get a leading ' so a spreadsheet "
           "never runs them as formulas.")
stamp = session.today().isoformat()
for table_name, (label, _) in EXPORTS.items():
    st.download_button(f"⬇️ {label}", data=export_csv(table_name, sid, key),
                       file_name=f"{table_name}-{stamp}.csv", mime="text/csv", key=f"export_{table_name}")
