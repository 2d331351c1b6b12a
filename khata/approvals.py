"""Maker-checker: what staff ask for and the owner approves or rejects.

A staff member asks for a reversal (with a reason), and a staff sale above the
shop's ``staff_sale_limit`` waits here instead of entering the ledger. Nothing in
the ledger changes until the owner approves; the approval runs the same service
the owner would have run (``loans.reverse_loan``, ``repayments.reverse_repayment``,
``loans.create_loan``), so every rule (credit limit, repaid sales) is checked
again at that moment. A refused approval leaves the request pending.
"""
from __future__ import annotations

from . import loans, repayments
from .approval_requests import REQUEST_SQL, approval_row, insert_request, shaped
from .book import Book
from .errors import Conflict, ValidationError
from .i18n import N_, _
from .money import format_inr
from .validate import clean_text

STATUSES = ("pending", "approved", "rejected")
DECIDED = {"approved": N_("approved"), "rejected": N_("rejected")}
def request_reversal(book: Book, entry_type: str, entry_id, *, reason) -> dict:
    """Ask the owner to reverse a sale ('loan') or a repayment; changes nothing in the ledger."""
    book.require("approvals.request_reversal")
    reason = clean_text(reason, N_("Reason"), required=True, max_len=300)
    if entry_type == "loan":
        entry = loans.loan_row(book, entry_id)
        if entry["status"] == "reversed":
            raise Conflict(_("This sale was already reversed."))
        if entry["repaid"] > 0:
            raise Conflict(_("This sale has {amount} of repayments; ask for those to be reversed first.")
                           .format(amount=format_inr(entry["repaid"])))
        key, amount, details = entry["loan_id"], entry["principal"], {"item": entry["item"]}
    elif entry_type == "repayment":
        entry = repayments.repayment_row(book, entry_id)
        if entry["reversed"]:
            raise Conflict(_("This repayment was already reversed."))
        key, amount = entry["repayment_id"], entry["amount"]
        details = {"item": entry["item"], "paid_on": entry["paid_on"], "loan_id": entry["loan_id"]}
    else:
        raise ValidationError(_("Only a sale or a repayment can be reversed."))
    kind = f"reverse_{entry_type}"
    if book.value("SELECT 1 FROM pending_approvals WHERE shop_id = ? AND kind = ? AND entry_id = ?"
                  " AND status = 'pending'", [book.shop_id, kind, key]):
        raise Conflict(_("A reversal of this entry is already waiting for the owner."))
    return insert_request(book, kind, entry_id=key, customer_id=entry["customer_id"], amount=amount, details=details,
                   reason=reason)


def list_approvals(book: Book, *, status: str | None = "pending", limit: int = 200) -> list[dict]:
    """Requests newest first; the owner sees everyone's, staff only their own."""
    book.require("approvals.list_approvals")
    sql, params = REQUEST_SQL, [book.shop_id, book.shop_id]
    if status not in (None, "", "all"):
        if status not in STATUSES:
            raise ValidationError(_("Status must be pending, approved or rejected."))
        sql += " AND a.status = ?"
        params.append(status)
    if not book.is_owner:
        sql += " AND a.requested_by = ?"
        params.append(book.actor or "")
    sql += f" ORDER BY a.requested_at DESC, a.approval_id DESC LIMIT {int(limit)}"
    return [shaped(row) for row in book.rows(sql, params)]


def _pending(book: Book, approval_id) -> dict:
    request = approval_row(book, approval_id)
    if request["status"] != "pending":
        decided = DECIDED[request["status"]]
        raise Conflict(_("This request was already {status}.").format(status=_(decided)))
    return request


def _decide(book: Book, request: dict, status: str, note, result_id) -> dict:
    book.con.execute("UPDATE pending_approvals SET status = ?, decided_by = ?, decided_at = ?, decision_note = ?,"
                     " result_id = ? WHERE shop_id = ? AND approval_id = ?",
                     [status, book.actor, book.now, note, result_id, book.shop_id, request["approval_id"]])
    book.audit("approve" if status == "approved" else "reject", "approval", request["approval_id"],
               {"status": "pending"}, {"status": status, "kind": request["kind"], "note": note})
    return approval_row(book, request["approval_id"])


def approve(book: Book, approval_id) -> dict:
    """Do what was asked, now, with every rule checked again; the request becomes 'approved'."""
    book.require("approvals.approve")
    request = _pending(book, approval_id)
    asked = f"{request['reason']} ({_('asked by {name}').format(name=request['requested_by'])})"
    if request["kind"] == "reverse_loan":
        loans.reverse_loan(book, request["entry_id"], reason=asked)
        result_id = request["entry_id"]
    elif request["kind"] == "reverse_repayment":
        repayments.reverse_repayment(book, request["entry_id"], reason=asked)
        result_id = request["entry_id"]
    else:
        sale = request["details"]
        # the owner's approval runs the sale (every rule checked again); the sale is the maker's
        with book.entered_by(request["requested_by"]):
            loan = loans.create_loan(book, request["customer_id"], amount=request["amount"], item=sale["item"],
                                     issue_date=sale["issue_date"], due_date=sale["due_date"],
                                     grace_days=sale["grace_days"])
        result_id = loan["loan_id"]
    return _decide(book, request, "approved", None, result_id)


def reject(book: Book, approval_id, *, note=None) -> dict:
    """Turn a request down; the ledger stays as it is."""
    book.require("approvals.reject")
    request = _pending(book, approval_id)
    return _decide(book, request, "rejected", clean_text(note, N_("Note"), max_len=300), None)
