"""Credit sales (loans): create against the credit limit, list by status, reverse."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from .approval_requests import approval_row, request_sale
from .book import Book
from .customers import customer_row, owed_by
from .dates import due_date_within_bounds, entry_date, parse_date
from .errors import Conflict, CreditLimitExceeded, NotFound, ValidationError
from .i18n import N_, _
from .money import format_inr, parse_amount
from .validate import as_id, clean_text, int_in_range

STATUSES = ("pending", "paid", "overdue", "reversed")


def available_credit(book: Book, customer: dict) -> tuple[Decimal, Decimal]:
    """(outstanding, available) for a customer, from the ledger."""
    owed = owed_by(book, customer["customer_id"])
    return owed, max(customer["credit_limit"] - owed, Decimal("0.00"))


def create_loan(book: Book, customer_id, *, amount, item, issue_date=None, due_date=None, grace_days=0,
                idempotency_key: str | None = None) -> dict:
    """Record a credit sale. Refused past the customer's available credit. A staff sale
    above the shop's ``staff_sale_limit`` becomes a request for the owner instead
    (the result then has ``pending_approval`` set and no ``loan_id``)."""
    amount = parse_amount(amount, N_("Amount"))
    item = clean_text(item, N_("Item"), required=True, max_len=200)
    grace_days = int_in_range(0 if grace_days in (None, "") else grace_days, N_("Grace days"), 0, 365)
    earlier = book.seen_submission(idempotency_key, "create_loan")
    if earlier and "approval_id" in earlier:
        return {**approval_row(book, earlier["approval_id"]), "pending_approval": True}
    if earlier:
        return loan_row(book, earlier["loan_id"])
    customer = customer_row(book, customer_id)
    issued = entry_date(issue_date, book.today, N_("Issue date"))
    due = (issued + timedelta(days=book.shop["loan_term_days"]) if due_date in (None, "")
           else parse_date(due_date, N_("Due date")))
    if due < issued:
        raise ValidationError(_("The due date cannot be before the issue date."))
    due_date_within_bounds(due, book.today)
    owed, available = available_credit(book, customer)
    if amount > available:
        raise CreditLimitExceeded(
            _("{name} can take only {available} more on credit (limit {limit}, already owes {owed}).").format(
                name=customer["name"], available=format_inr(available), limit=format_inr(customer["credit_limit"]),
                owed=format_inr(owed))
        )
    limit = book.shop.get("staff_sale_limit")
    if not book.is_owner and limit is not None and amount > limit:
        pending = request_sale(book, customer, amount=amount, item=item, issue_date=issued, due_date=due,
                               grace_days=grace_days)
        book.remember_submission(idempotency_key, "create_loan", {"approval_id": pending["approval_id"]})
        return {**pending, "pending_approval": True}
    loan_id = book.next_id("loan_id_seq")
    book.con.execute(
        "INSERT INTO loans (loan_id, shop_id, customer_id, item, amount, issue_date, due_date, grace_days,"
        " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [loan_id, book.shop_id, customer["customer_id"], item, amount, issued, due, grace_days, book.actor],
    )
    loan = loan_row(book, loan_id)
    book.audit("create", "loan", loan_id, None, {k: loan[k] for k in (
        "customer_id", "item", "principal", "issue_date", "due_date", "grace_days")})
    book.remember_submission(idempotency_key, "create_loan", {"loan_id": loan_id})
    return loan


_LOAN_SQL = """
SELECT b.loan_id, b.customer_id, c.name AS customer_name, c.phone AS customer_phone, b.item,
       b.principal, b.repaid, b.outstanding, b.issue_date, b.due_date, b.grace_days,
       b.status, b.days_past_due, b.last_paid_on, l.created_at, l.created_by,
       v.reason AS reversal_reason, v.reversed_on
FROM loan_balances_for(?, ?) b
JOIN loans l ON l.loan_id = b.loan_id AND l.shop_id = b.shop_id
JOIN customers c ON c.customer_id = b.customer_id AND c.shop_id = b.shop_id
LEFT JOIN reversals v ON v.entry_type = 'loan' AND v.entry_id = b.loan_id
WHERE b.shop_id = ?
"""


def loan_row(book: Book, loan_id) -> dict:
    """One sale with its balance and status at the book's today; NotFound for another shop's id."""
    loan_id = as_id(loan_id, "sale")
    row = book.row(_LOAN_SQL + " AND b.loan_id = ?", [book.shop_id, book.today, book.shop_id, loan_id])
    if row is None:
        raise NotFound(_("That credit sale does not exist in this shop."))
    return row


def loans_owing(book: Book, customer_id: int) -> list[dict]:
    """A customer's sales that still owe, as ``loan_row`` shows them, oldest due date first (the
    order in which a payment from the customer settles them)."""
    return book.rows(_LOAN_SQL + " AND b.customer_id = ? AND b.outstanding > 0"
                     " ORDER BY b.due_date, b.issue_date, b.loan_id",
                     [book.shop_id, book.today, book.shop_id, customer_id])


def get_loan(book: Book, loan_id) -> dict:
    """One loan with its repayments (reversed ones flagged)."""
    loan = loan_row(book, loan_id)
    loan["repayments"] = book.rows(
        "SELECT r.repayment_id, r.amount, r.paid_on, r.method, r.note, r.created_by, r.created_at,"
        " v.reason AS reversal_reason, v.entry_id IS NOT NULL AS reversed"
        " FROM repayments r LEFT JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id"
        " WHERE r.shop_id = ? AND r.loan_id = ? ORDER BY r.paid_on, r.repayment_id",
        [book.shop_id, loan["loan_id"]])
    return loan


def list_loans(book: Book, *, status: str | None = None, customer_id=None, date_from=None, date_to=None,
               limit: int | None = None, offset: int = 0) -> list[dict]:
    """Loans newest first, filtered by status (pending, paid, overdue, reversed),
    customer and issue-date range."""
    if status not in (None, "", "all") and status not in STATUSES:
        raise ValidationError(_("Status must be one of {statuses}.").format(statuses=", ".join(STATUSES)))
    sid = book.shop_id
    where, params = "", []
    if customer_id not in (None, ""):
        where += " AND customer_id = ?"
        params.append(customer_row(book, customer_id, include_archived=True)["customer_id"])
    if date_from not in (None, ""):
        where += " AND issue_date >= ?"
        params.append(parse_date(date_from, N_("From date")))
    if date_to not in (None, ""):
        where += " AND issue_date <= ?"
        params.append(parse_date(date_to, N_("To date")))
    order = " ORDER BY b.issue_date DESC, b.loan_id DESC"
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    if status in (None, "", "all") and page:
        # pick the page's sales from the loans table first: DuckDB then reads only their
        # repayments instead of summing every repayment of the shop (a third faster on a big shop)
        sql = (_LOAN_SQL + " AND b.loan_id IN (SELECT loan_id FROM loans WHERE shop_id = ?" + where
               + " ORDER BY issue_date DESC, loan_id DESC" + page + ")" + order)
        return book.rows(sql, [sid, book.today, sid, sid, *params])
    sql = _LOAN_SQL + where.replace(" AND ", " AND b.")
    if status not in (None, "", "all"):
        sql += " AND b.status = ?"
        params.append(status)
    return book.rows(sql + order + page, [sid, book.today, sid, *params])


def reverse_loan(book: Book, loan_id, *, reason) -> dict:
    """Cancel a sale entered by mistake with a reversing entry (the sale stays in history)."""
    book.require("loans.reverse_loan")
    reason = clean_text(reason, N_("Reason"), required=True, max_len=300)
    loan = loan_row(book, loan_id)
    if loan["status"] == "reversed":
        raise Conflict(_("This sale was already reversed."))
    if loan["repaid"] > 0:
        raise Conflict(_("This sale has {amount} of repayments; reverse those first, then the sale.").format(
            amount=format_inr(loan["repaid"])))
    reversal_id = book.next_id("reversal_id_seq")
    book.con.execute("INSERT INTO reversals (reversal_id, shop_id, entry_type, entry_id, reason, reversed_on,"
                     " created_by) VALUES (?, ?, 'loan', ?, ?, ?, ?)",
                     [reversal_id, book.shop_id, loan["loan_id"], reason, book.today, book.actor])
    book.audit("reverse", "loan", loan["loan_id"], {"status": loan["status"]},
               {"status": "reversed", "reason": reason})
    return loan_row(book, loan["loan_id"])
