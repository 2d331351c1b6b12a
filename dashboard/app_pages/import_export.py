"""Import customers from a CSV (all or nothing) and download every table as CSV."""
import streamlit as st

from dashboard import common
from dashboard import format as fmt
from khata.errors import ImportRejected, KhataError

sid, key = common.shop_id(), common.db_key()
st.title("Import & export")
common.show_flash()

st.subheader("Import customers from a CSV file")
try:
    from khata import importer
except ImportError:
    importer = None
if importer is None:
    st.info("CSV import is not available in this version.")
else:
    st.caption(f"Columns: **{', '.join(importer.REQUIRED)}** (required) and {', '.join(importer.OPTIONAL)} "
               "(optional). If any row has a problem nothing is imported, and every problem is listed.")
    upload = st.file_uploader("CSV file", type=["csv"], key="im_file")
    if st.button("Import", type="primary", key="im_go", disabled=upload is None):
        bar = st.progress(0.0, text="Checking rows...")
        try:
            result = importer.import_customers(sid, upload.getvalue(), actor=common.actor(),
                                               progress=common.progress_callback(bar))
        except ImportRejected as err:
            bar.empty()
            common.show_error(err)
            st.dataframe([{"Line": line, "Problem": reason} for line, reason in err.row_errors],
                         hide_index=True, width="stretch")
        except KhataError as err:
            bar.empty()
            common.show_error(err)
        else:
            common.done("import", f"Imported {result['customers']} customer(s) with "
                                  f"{result['opening_balances']} opening balance(s) "
                                  f"totalling {fmt.inr(result['total_opening'])}.")

st.subheader("Download your book")
st.caption("CSV files for a spreadsheet. Cells that start with = + - @ get a leading ' so a spreadsheet "
           "never runs them as formulas.")
stamp = common.today().isoformat()
for table_name, (label, _) in common.EXPORTS.items():
    if table_name == "reminders" and common.reminders_module() is None:
        continue
    st.download_button(f"⬇️ {label}", data=common.export_csv(table_name, sid, key),
                       file_name=f"{table_name}-{stamp}.csv", mime="text/csv", key=f"export_{table_name}")
