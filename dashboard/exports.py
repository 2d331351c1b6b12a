"""CSV downloads: which columns each table has, and cells a spreadsheet will not
run as formulas. The rows come from ``dashboard.reads``."""
from __future__ import annotations

import csv
import io
import re

from . import reads

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")  # +919876543210, -250.50: data, not formulas

EXPORTS = {
    "customers": ("Customers", {"customer_id": "customer_id", "name": "name", "phone": "phone", "address": "address",
                                "credit_limit": "credit_limit", "outstanding": "outstanding", "overdue": "overdue",
                                "available_credit": "available_credit", "trust_score": "trust_score",
                                "whatsapp_opt_out": "whatsapp_opt_out", "last_activity": "last_activity",
                                "notes": "notes"}),
    "loans": ("Credit sales", {"loan_id": "loan_id", "customer_id": "customer_id", "customer_name": "customer_name",
                               "item": "item", "principal": "amount", "repaid": "repaid",
                               "outstanding": "outstanding", "issue_date": "issue_date", "due_date": "due_date",
                               "grace_days": "grace_days", "status": "status", "days_past_due": "days_past_due",
                               "reversal_reason": "reversal_reason"}),
    "repayments": ("Repayments", {"repayment_id": "repayment_id", "loan_id": "loan_id", "customer_id": "customer_id",
                                  "customer_name": "customer_name", "amount": "amount", "paid_on": "paid_on",
                                  "method": "method", "note": "note", "reversed": "reversed",
                                  "reversal_reason": "reversal_reason"}),
    "reminders": ("Reminders", {"reminder_date": "reminder_date", "customer_id": "customer_id",
                                "customer_name": "customer_name", "kind": "kind", "amount": "amount",
                                "status": "status", "error_code": "error_code", "error_message": "error_message",
                                "sent_at": "sent_at", "message_text": "message_text"}),
}


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (=, +, -, @ get a leading quote,
    except a plain number such as a phone in E.164)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_bytes(rows: list[dict], columns: dict[str, str]) -> bytes:
    """UTF-8 CSV (with BOM so spreadsheets show ₹ and names right), formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(label) for label in columns.values()])
    for row in rows:
        writer.writerow([safe_cell(row.get(key)) for key in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_csv(table_name: str, sid: int, key: str):
    """A callable for ``st.download_button``: the CSV is built only when clicked."""
    def build() -> bytes:
        return csv_bytes(reads.all_rows(table_name, sid, key), EXPORTS[table_name][1])
    return build



def qr_image(link: str) -> bytes:
    """The UPI QR as a PNG for the customer page (the same code the PDF draws)."""
    from khata.statement_pdf import qr_png

    return qr_png(link)
