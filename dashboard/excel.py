"""Excel downloads (.xlsx, xlsxwriter): money as numbers a spreadsheet can add up, dates as dates,
text always as text (never run as a formula), and a totals row under the money columns."""
from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from khata.i18n import _

# Excel's own format code for ₹ with Indian grouping (12,34,567.50).
INR_FORMAT = '[$₹-4009] [>=10000000]##\\,##\\,##\\,##0.00;[$₹-4009] [>=100000]##\\,##\\,##0.00;[$₹-4009] ##,##0.00'


def xlsx_bytes(sheet: str, rows: list[dict], columns: dict[str, str], *, money=(), dates=(),
               totals: bool = True, counted=lambda row: True) -> bytes:
    """One sheet: a bold header, a row per record, and (``totals``) a "Total" row summing
    each money column over the rows ``counted`` keeps (reversed entries count nothing, as on the page)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    inr = book.add_format({"num_format": INR_FORMAT})
    inr_bold = book.add_format({"num_format": INR_FORMAT, "bold": True})
    day = book.add_format({"num_format": "dd mmm yyyy"})
    ws = book.add_worksheet(sheet[:31])
    keys = list(columns)
    for col, key in enumerate(keys):
        ws.write_string(0, col, columns[key], bold)
        ws.set_column(col, col, 14 if key in money or key in dates else 20)
    for r, row in enumerate(rows, start=1):
        for col, key in enumerate(keys):
            value = row.get(key)
            if value is None or value == "":
                continue
            if key in money:
                ws.write_number(r, col, float(Decimal(value)), inr)
            elif key in dates and isinstance(value, (date, datetime)):
                ws.write_datetime(r, col, datetime(value.year, value.month, value.day), day)
            elif isinstance(value, bool):
                ws.write_boolean(r, col, value)
            elif isinstance(value, int):
                ws.write_number(r, col, value)
            else:
                ws.write_string(r, col, str(value))
    if totals and money:
        last = len(rows) + 1
        kept = [row for row in rows if counted(row)]
        label = _("Total") if len(kept) == len(rows) else _("Total (reversed entries not counted)")
        ws.write_string(last, 0, label, bold)
        for col, key in enumerate(keys):
            if key in money:
                ws.write_number(last, col, float(sum((Decimal(row.get(key) or 0) for row in kept), Decimal("0"))),
                                inr_bold)
    ws.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
