"""CSV and Excel downloads: which columns each table has, and cells a spreadsheet will not
run as formulas. The rows come from ``dashboard.reads``."""
from __future__ import annotations

import csv
import io
import re

from khata.i18n import N_, _

from . import door, reads
from .excel import xlsx_bytes

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")  # +919876543210, -250.50: data, not formulas

EXPORTS = {
    "customers": (N_("Customers"), {"customer_id": "customer_id", "name": "name", "phone": "phone",
                                    "address": "address",
                                "credit_limit": "credit_limit", "outstanding": "outstanding", "overdue": "overdue",
                                "available_credit": "available_credit", "trust_score": "trust_score",
                                "whatsapp_opt_out": "whatsapp_opt_out", "last_activity": "last_activity",
                                "notes": "notes"}),
    "loans": (N_("Credit sales"), {"loan_id": "loan_id", "customer_id": "customer_id", "customer_name": "customer_name",
                               "item": "item", "principal": "amount", "repaid": "repaid",
                               "outstanding": "outstanding", "issue_date": "issue_date", "due_date": "due_date",
                               "grace_days": "grace_days", "status": "status", "days_past_due": "days_past_due",
                               "reversal_reason": "reversal_reason"}),
    "repayments": (N_("Repayments"), {"repayment_id": "repayment_id", "loan_id": "loan_id",
                                      "customer_id": "customer_id",
                                  "customer_name": "customer_name", "amount": "amount", "paid_on": "paid_on",
                                  "method": "method", "note": "note", "reversed": "reversed",
                                  "reversal_reason": "reversal_reason"}),
    "reminders": (N_("Reminders"), {"reminder_date": "reminder_date", "customer_id": "customer_id",
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


def export_csv(table_name: str, sid: int, key: str, who=None):
    """A callable for ``st.download_button``: the CSV is built only when clicked."""
    who = who or door.me()  # taken when the button is drawn: the tap runs on another thread

    def build() -> bytes:
        return csv_bytes(reads.all_rows(table_name, sid, key, who), EXPORTS[table_name][1])
    return build



def qr_image(link: str) -> bytes:
    """The UPI QR as a PNG for the customer page (the same code the PDF draws)."""
    from khata.statement_pdf import qr_png

    return qr_png(link)


# ---- Excel, with the page's filters and a totals row -----------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

CUSTOMER_SHEET = {"name": N_("Name"), "phone": N_("Phone"), "outstanding": N_("Outstanding"), "overdue": N_("Overdue"),
                  "available_credit": N_("Available credit"), "credit_limit": N_("Credit limit"),
                  "trust_score": N_("Trust (0-10)"), "max_days_past_due": N_("Days late"),
                  "last_activity": N_("Last activity"), "address": N_("Address"), "notes": N_("Notes")}
SALES_SHEET = {"loan_id": N_("Sale #"), "customer_name": N_("Customer"), "item": N_("Item"), "principal": N_("Amount"),
               "repaid": N_("Repaid"), "outstanding": N_("Owed"), "issue_date": N_("Sold on"), "due_date": N_("Due"),
               "status": N_("Status"), "days_past_due": N_("Days past due"), "reversal_reason": N_("Reversal reason")}
REPAYMENT_SHEET = {"repayment_id": N_("Repayment #"), "paid_on": N_("Paid on"), "customer_name": N_("Customer"),
                   "amount": N_("Amount"), "method": N_("Method"), "loan_id": N_("Sale #"), "item": N_("Item"),
                   "note": N_("Note"), "reversal_reason": N_("Reversal reason")}


def _labels(columns: dict[str, str]) -> dict[str, str]:
    return {key: _(label) for key, label in columns.items()}


def customers_xlsx(sid: int, key: str, search: str, sort: str, descending: bool, only_overdue: bool,
                   who=None):
    """The Customers page's list (same search, sort and filter, every match) as .xlsx, built when tapped."""
    who = who or door.me()  # taken when the button is drawn: the tap runs on another thread

    def build() -> bytes:
        rows = reads.download_rows("customers", sid, key, who, search=search or None, sort=sort,
                                   descending=descending, only_overdue=only_overdue)
        return xlsx_bytes(_("Customers"), rows, _labels(CUSTOMER_SHEET),
                          money=("outstanding", "overdue", "available_credit", "credit_limit"),
                          dates=("last_activity",))
    return build


def sales_xlsx(sid: int, key: str, status, customer_id, date_from, date_to, who=None):
    """The Credit sales page's list with its filters as .xlsx; reversed sales count nothing in the totals."""
    who = who or door.me()  # taken when the button is drawn: the tap runs on another thread

    def build() -> bytes:
        rows = reads.download_rows("loans", sid, key, who, status=status, customer_id=customer_id,
                                   date_from=date_from, date_to=date_to)
        return xlsx_bytes(_("Credit sales"), rows, _labels(SALES_SHEET), money=("principal", "repaid", "outstanding"),
                          dates=("issue_date", "due_date"), counted=lambda row: row["status"] != "reversed")
    return build


def repayments_xlsx(sid: int, key: str, customer_id, date_from, date_to, who=None):
    """The Repayments history with its filters as .xlsx."""
    who = who or door.me()  # taken when the button is drawn: the tap runs on another thread

    def build() -> bytes:
        rows = reads.download_rows("repayments", sid, key, who, customer_id=customer_id, date_from=date_from,
                                   date_to=date_to)
        return xlsx_bytes(_("Repayments"), rows, _labels(REPAYMENT_SHEET), money=("amount",), dates=("paid_on",),
                          counted=lambda row: not row["reversed"])
    return build
