"""Credit sales (loans): create against the credit limit, list by status, reverse."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from . import db
from .book import (as_id, audit, clean_text, int_in_range, remember_submission, resolve_today,
                   seen_submission, shop_row)
from .customers import _customer
from .dates import parse_date
from .errors import Conflict, CreditLimitExceeded, NotFound, ValidationError
from .money import format_inr, parse_amount

STATUSES = ("pending", "paid", "overdue", "reversed")


def available_credit(con, shop_id: int, customer: dict) -> tuple[Decimal, Decimal]:
    """(outstanding, available) for a customer, from the ledger."""
    owed = con.execute(
        "SELECT coalesce(sum(outstanding), 0) FROM loan_balances_for(?, NULL) WHERE customer_id = ?",
        [shop_id, customer["customer_id"]]).fetchone()[0]
    owed = Decimal(owed).quantize(Decimal("0.01"))
    return owed, max(customer["credit_limit"] - owed, Decimal("0.00"))


def create_loan(shop_id, customer_id, *, amount, item, issue_date=None, due_date=None, grace_days=0,
                actor: str | None = None, idempotency_key: str | None = None, today: date | None = None,
                path=None) -> dict:
    """Record a credit sale. Refused past the customer's available credit."""
    amount = parse_amount(amount, "Amount")
    item = clean_text(item, "Item", required=True, max_len=200)
    grace_days = int_in_range(0 if grace_days in (None, "") else grace_days, "Grace days", 0, 365)

    def work(con):
        shop = shop_row(con, shop_id)
        sid = shop["shop_id"]
        earlier = seen_submission(con, sid, idempotency_key, "create_loan")
        if earlier:
            return _loan(con, sid, earlier["loan_id"], None)
        customer = _customer(con, sid, customer_id)
        local_today = resolve_today(con, sid, today)
        issued = local_today if issue_date in (None, "") else parse_date(issue_date, "Issue date")
        if issued > local_today:
            raise ValidationError("The issue date cannot be in the future.")
        due = (issued + timedelta(days=shop["loan_term_days"]) if due_date in (None, "")
               else parse_date(due_date, "Due date"))
        if due < issued:
            raise ValidationError("The due date cannot be before the issue date.")
        owed, available = available_credit(con, sid, customer)
        if amount > available:
            raise CreditLimitExceeded(
                f"{customer['name']} can take only {format_inr(available)} more on credit "
                f"(limit {format_inr(customer['credit_limit'])}, already owes {format_inr(owed)})."
            )
        loan_id = db.next_id(con, "loan_id_seq")
        con.execute(
            "INSERT INTO loans (loan_id, shop_id, customer_id, item, amount, issue_date, due_date, grace_days,"
            " created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [loan_id, sid, customer["customer_id"], item, amount, issued, due, grace_days, actor],
        )
        loan = _loan(con, sid, loan_id, local_today)
        audit(con, sid, actor, "create", "loan", loan_id, None, {k: loan[k] for k in (
            "customer_id", "item", "principal", "issue_date", "due_date", "grace_days")})
        remember_submission(con, sid, idempotency_key, "create_loan", {"loan_id": loan_id})
        return loan

    return db.write(work, path)


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


def _loan(con, shop_id: int, loan_id, today: date | None) -> dict:
    loan_id = as_id(loan_id, "sale")
    as_of = resolve_today(con, shop_id, today)
    row = db.one_as_dict(con.execute(_LOAN_SQL + " AND b.loan_id = ?", [shop_id, as_of, shop_id, loan_id]))
    if row is None:
        raise NotFound("That credit sale does not exist in this shop.")
    return row


def get_loan(shop_id, loan_id, *, today: date | None = None, path=None) -> dict:
    """One loan with its repayments (reversed ones flagged)."""

    def work(con):
        shop = shop_row(con, shop_id)
        loan = _loan(con, shop["shop_id"], loan_id, today)
        loan["repayments"] = db.rows_as_dicts(con.execute(
            "SELECT r.repayment_id, r.amount, r.paid_on, r.method, r.note, r.created_by, r.created_at,"
            " v.reason AS reversal_reason, v.entry_id IS NOT NULL AS reversed"
            " FROM repayments r LEFT JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id"
            " WHERE r.shop_id = ? AND r.loan_id = ? ORDER BY r.paid_on, r.repayment_id",
            [shop["shop_id"], loan["loan_id"]]))
        return loan

    return db.read(work, path)


def list_loans(shop_id, *, status: str | None = None, customer_id=None, date_from=None, date_to=None,
               today: date | None = None, limit: int | None = None, offset: int = 0, path=None) -> list[dict]:
    """Loans newest first, filtered by status (pending, paid, overdue, reversed),
    customer and issue-date range."""
    if status not in (None, "", "all") and status not in STATUSES:
        raise ValidationError(f"Status must be one of {', '.join(STATUSES)}.")

    def work(con):
        shop = shop_row(con, shop_id)
        sid = shop["shop_id"]
        as_of = resolve_today(con, sid, today)
        sql, params = _LOAN_SQL, [sid, as_of, sid]
        if status not in (None, "", "all"):
            sql += " AND b.status = ?"
            params.append(status)
        if customer_id not in (None, ""):
            sql += " AND b.customer_id = ?"
            params.append(_customer(con, sid, customer_id, include_archived=True)["customer_id"])
        if date_from not in (None, ""):
            sql += " AND b.issue_date >= ?"
            params.append(parse_date(date_from, "From date"))
        if date_to not in (None, ""):
            sql += " AND b.issue_date <= ?"
            params.append(parse_date(date_to, "To date"))
        sql += " ORDER BY b.issue_date DESC, b.loan_id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return db.rows_as_dicts(con.execute(sql, params))

    return db.read(work, path)


def reverse_loan(shop_id, loan_id, *, reason, actor: str | None = None, today: date | None = None,
                 path=None) -> dict:
    """Cancel a sale entered by mistake with a reversing entry (the sale stays in history)."""
    reason = clean_text(reason, "Reason", required=True, max_len=300)

    def work(con):
        shop = shop_row(con, shop_id)
        sid = shop["shop_id"]
        loan = _loan(con, sid, loan_id, today)
        if loan["status"] == "reversed":
            raise Conflict("This sale was already reversed.")
        if loan["repaid"] > 0:
            raise Conflict(f"This sale has {format_inr(loan['repaid'])} of repayments; "
                           "reverse those first, then the sale.")
        on = resolve_today(con, sid, today)
        reversal_id = db.next_id(con, "reversal_id_seq")
        con.execute("INSERT INTO reversals (reversal_id, shop_id, entry_type, entry_id, reason, reversed_on,"
                    " created_by) VALUES (?, ?, 'loan', ?, ?, ?, ?)",
                    [reversal_id, sid, loan["loan_id"], reason, on, actor])
        audit(con, sid, actor, "reverse", "loan", loan["loan_id"], {"status": loan["status"]},
              {"status": "reversed", "reason": reason})
        return _loan(con, sid, loan["loan_id"], today)

    return db.write(work, path)
