"""Import customers from a CSV (all or nothing) and download every table as CSV."""
import streamlit as st

from dashboard import format as fmt
from dashboard import reads, session, writes
from dashboard.exports import EXPORTS, export_csv
from dashboard.forms import progress_callback, show_flash, submit
from khata.errors import ImportRejected
from khata.i18n import _

sid, key = session.shop_id(), reads.db_key()
st.title(_("Import & export"))
show_flash()

st.subheader(_("Import customers from a CSV file"))
st.caption(_("Columns: **{required}** (required) and {optional} (optional). If any row has a problem nothing is "
             "imported, and every problem is listed.").format(required=", ".join(writes.IMPORT_REQUIRED),
                                                             optional=", ".join(writes.IMPORT_OPTIONAL)))
upload = st.file_uploader(_("CSV file"), type=["csv"], key="im_file")


def _show_rejected_rows(err) -> None:
    bar.empty()
    if isinstance(err, ImportRejected):
        st.dataframe([{_("Line"): line, _("Problem"): reason} for line, reason in err.row_errors],
                     hide_index=True, width="stretch")


if st.button(_("Import"), type="primary", key="im_go", disabled=upload is None):
    bar = st.progress(0.0, text=_("Checking rows..."))
    submit("import", lambda: writes.import_customers(upload.getvalue(), progress_callback(bar)),
           lambda result: _("Imported {n} customer(s) with {balances} opening balance(s) totalling {amount}.").format(
                              n=result["customers"], balances=result["opening_balances"],
                              amount=fmt.inr(result["total_opening"])),
           on_refused=_show_rejected_rows)

st.subheader(_("Download your book"))
st.caption(_("CSV files for a spreadsheet. Cells that start with = + - @ get a leading ' so a spreadsheet "
             "never runs them as formulas."))
stamp = session.today().isoformat()
for table_name, (label, _columns) in EXPORTS.items():
    st.download_button(f"⬇️ {_(label)}", data=export_csv(table_name, sid, key),
                       file_name=f"{table_name}-{stamp}.csv", mime="text/csv", key=f"export_{table_name}")
