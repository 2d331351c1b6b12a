"""Repayments: against one loan or spread over a customer's loans, history, reversal.

A repayment and everything that follows from it (the loan's outstanding and
status, the customer's available credit) commit together: those are derived
from the ledger by the views, so one INSERT in one transaction is the whole effect.
"""
from __future__ import annotations

from decimal import Decimal

from .book import Book
from .customers import bring_back_if_owing, customer_row
from .dates import entry_date, format_day, parse_date
from .errors import Conflict, NotFound, Overpayment, ValidationError
from .i18n import N_, _
from .loans import loan_row, loans_owing
from .money import format_inr, parse_amount
from .validate import as_id, clean_text

METHODS = ("cash", "upi", "card", "other")


def _method(value) -> str:
    method = str(value or "cash").strip().lower()
    if method not in METHODS:
        raise ValidationError(_("Payment method must be one of: {methods}.").format(methods=", ".join(METHODS)))
    return method


def _insert(book: Book, loan: dict, amount: Decimal, on, method: str, note) -> dict:
    """Append one repayment and its audit line; returns the row as the history shows it, built
    from what was written (no read-back: the id and ``created_at`` come from RETURNING)."""
    if on < loan["issue_date"]:
        raise ValidationError(_("The payment date cannot be before the sale on {date}.").format(
            date=format_day(loan["issue_date"])))
    repayment_id, created_at = book.con.execute(
        "INSERT INTO repayments (repayment_id, shop_id, customer_id, loan_id, amount, paid_on, method, note,"
        " created_by) VALUES (nextval('repayment_id_seq'), ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING repayment_id, created_at",
        [book.shop_id, loan["customer_id"], loan["loan_id"], amount, on, method, note, book.actor],
    ).fetchone()
    book.audit("repay", "repayment", repayment_id, None,
               {"loan_id": loan["loan_id"], "amount": amount, "paid_on": on, "method": method})
    return {"repayment_id": repayment_id, "loan_id": loan["loan_id"], "customer_id": loan["customer_id"],
            "customer_name": loan["customer_name"], "item": loan["item"], "amount": amount, "paid_on": on,
            "method": method, "note": note, "created_by": book.actor, "created_at": created_at,
            "reversed": False, "reversal_reason": None, "reversed_on": None}


def _after(loan: dict, paid: Decimal, on) -> dict:
    """The loan as the ledger's ``loan_balances_for`` shows it once ``paid`` more is repaid on ``on``
    (same day, same rules: fully repaid is 'paid' with no days past due; otherwise the status
    and the days past due depend on the date only), so it is not read again."""
    outstanding = loan["outstanding"] - paid
    settled = outstanding == 0
    last = loan["last_paid_on"]
    return {**loan, "repaid": loan["repaid"] + paid, "outstanding": outstanding,
            "status": "paid" if settled else loan["status"],
            "days_past_due": 0 if settled else loan["days_past_due"],
            "last_paid_on": on if last is None or on > last else last}


def _written(repayments: list[dict], loans: list[dict]) -> dict:
    """What a new payment returns, from the loans as they were and the rows just written."""
    by_loan = {loan["loan_id"]: loan for loan in loans}
    after = {}
    for row in repayments:
        loan = after.get(row["loan_id"], by_loan[row["loan_id"]])
        after[row["loan_id"]] = _after(loan, row["amount"], row["paid_on"])
    rows = sorted(repayments, key=lambda r: (r["paid_on"], r["repayment_id"]), reverse=True)
    return {"repayments": rows, "total": sum((r["amount"] for r in rows), Decimal("0.00")), "loans": after}


def record_repayment(book: Book, loan_id, *, amount, paid_on=None, method="cash", note=None,
                     idempotency_key: str | None = None) -> dict:
    """Record a payment against one loan; refused above what the loan still owes.
    Returns the repayment with the loan as it stands after it."""
    amount = parse_amount(amount, N_("Amount"))
    method = _method(method)
    note = clean_text(note, N_("Note"), max_len=300)
    earlier = book.seen_submission(idempotency_key, "repay_loan")
    if earlier:
        return _result(book, earlier["repayment_ids"])
    loan = loan_row(book, loan_id)
    if loan["status"] == "reversed":
        raise Conflict(_("This sale was reversed; there is nothing to repay on it."))
    if amount > loan["outstanding"]:
        if loan["outstanding"] == 0:
            raise Overpayment(_("This sale is already fully paid."))
        raise Overpayment(_("Only {owed} is owed on this sale; {amount} is more than that.").format(
            owed=format_inr(loan["outstanding"]), amount=format_inr(amount)))
    on = entry_date(paid_on, book.today, N_("Payment date"))
    repayment = _insert(book, loan, amount, on, method, note)
    book.remember_submission(idempotency_key, "repay_loan", {"repayment_ids": [repayment["repayment_id"]]})
    return _written([repayment], [loan])


def record_customer_repayment(book: Book, customer_id, *, amount, paid_on=None, method="cash", note=None,
                              idempotency_key: str | None = None) -> dict:
    """Record a payment from a customer, settling their loans oldest due date first."""
    amount = parse_amount(amount, N_("Amount"))
    method = _method(method)
    note = clean_text(note, N_("Note"), max_len=300)
    earlier = book.seen_submission(idempotency_key, "repay_customer")
    if earlier:
        return _result(book, earlier["repayment_ids"])
    customer = customer_row(book, customer_id)
    on = entry_date(paid_on, book.today, N_("Payment date"))
    open_loans = loans_owing(book, customer["customer_id"])
    owed = sum((loan["outstanding"] for loan in open_loans), Decimal("0.00"))
    if owed == 0:
        raise Overpayment(_("{name} owes nothing right now.").format(name=customer["name"]))
    if amount > owed:
        raise Overpayment(_("{name} owes only {owed}; {amount} is more than that.").format(
            name=customer["name"], owed=format_inr(owed), amount=format_inr(amount)))
    remaining, written = amount, []
    for loan in open_loans:
        if remaining == 0:
            break
        if on < loan["issue_date"]:
            continue
        part = min(remaining, loan["outstanding"])
        written.append(_insert(book, loan, part, on, method, note))
        remaining -= part
    if remaining > 0:
        raise ValidationError(_("The payment date is before some of the sales it would pay; "
                                "choose a later date."))
    book.remember_submission(idempotency_key, "repay_customer",
                             {"repayment_ids": [row["repayment_id"] for row in written]})
    return _written(written, open_loans)


def _result(book: Book, repayment_ids: list[int]) -> dict:
    # One placeholder per id: DuckDB pushes "IN (?, ?)" into the scan, whereas
    # "IN (SELECT unnest(?))" became a semi-join over every repayment of the shop
    # (160 ms instead of 3 ms at platform scale, see bench/README.md).
    ids = [int(i) for i in repayment_ids]
    rows = _repayment_rows(book, f"r.repayment_id IN ({', '.join('?' for _id in ids) or 'NULL'})", ids)
    loans = {row["loan_id"]: loan_row(book, row["loan_id"]) for row in rows}
    return {"repayments": rows, "total": sum((r["amount"] for r in rows), Decimal("0.00")), "loans": loans}


_HISTORY_SQL = """
SELECT r.repayment_id, r.loan_id, r.customer_id, c.name AS customer_name, l.item, r.amount, r.paid_on,
       r.method, r.note, r.created_by, r.created_at,
       v.entry_id IS NOT NULL AS reversed, v.reason AS reversal_reason, v.reversed_on
FROM repayments r
JOIN (SELECT loan_id, item FROM loans WHERE shop_id = ?) l ON l.loan_id = r.loan_id
JOIN (SELECT customer_id, name FROM customers WHERE shop_id = ?) c ON c.customer_id = r.customer_id
LEFT JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
WHERE r.shop_id = ?
"""
# loans and customers are narrowed to the shop before the join: inside a write
# transaction (right after the INSERT) DuckDB otherwise built a hash table of every
# loan of the platform to find one row (about 200 ms at 1,000,000 loans; 30 ms now).


def _repayment_rows(book: Book, where: str, params: list, limit: int | None = None) -> list[dict]:
    sql = _HISTORY_SQL + f" AND {where} ORDER BY r.paid_on DESC, r.repayment_id DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    sid = book.shop_id
    return book.rows(sql, [sid, sid, sid, *params])


def list_repayments(book: Book, *, customer_id=None, loan_id=None, date_from=None, date_to=None,
                    include_reversed: bool = True, limit: int | None = None) -> dict:
    """Repayment history with totals: {rows, total (excluding reversed), count}."""
    where, params = ["TRUE"], []
    if customer_id not in (None, ""):
        where.append("r.customer_id = ?")
        params.append(customer_row(book, customer_id, include_archived=True)["customer_id"])
    if loan_id not in (None, ""):
        where.append("r.loan_id = ?")
        params.append(loan_row(book, loan_id)["loan_id"])
    if date_from not in (None, ""):
        where.append("r.paid_on >= ?")
        params.append(parse_date(date_from, N_("From date")))
    if date_to not in (None, ""):
        where.append("r.paid_on <= ?")
        params.append(parse_date(date_to, N_("To date")))
    if not include_reversed:
        where.append("v.entry_id IS NULL")
    clause = " AND ".join(where)
    totals = book.con.execute(
        "SELECT coalesce(sum(r.amount) FILTER (WHERE v.entry_id IS NULL), 0), count(*) FROM repayments r"
        " LEFT JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id"
        f" WHERE r.shop_id = ? AND {clause}", [book.shop_id, *params]).fetchone()
    rows = _repayment_rows(book, clause, params, limit)
    return {"rows": rows, "total": Decimal(totals[0]).quantize(Decimal("0.01")), "count": totals[1]}


def repayment_row(book: Book, repayment_id) -> dict:
    """One repayment with its sale, customer and reversal; NotFound for another shop's id."""
    rows = _repayment_rows(book, "r.repayment_id = ?", [as_id(repayment_id, "repayment")])
    if not rows:
        raise NotFound(_("That repayment does not exist in this shop."))
    return rows[0]


def reverse_repayment(book: Book, repayment_id, *, reason) -> dict:
    """Cancel a repayment entered by mistake; the loan owes that amount again. A
    customer archived since then owes again too, so they come back to the list."""
    book.require("repayments.reverse_repayment")
    reason = clean_text(reason, N_("Reason"), required=True, max_len=300)
    repayment = repayment_row(book, repayment_id)
    rid = repayment["repayment_id"]
    if repayment["reversed"]:
        raise Conflict(_("This repayment was already reversed."))
    book.con.execute("INSERT INTO reversals (reversal_id, shop_id, entry_type, entry_id, reason, reversed_on,"
                     " created_by) VALUES (nextval('reversal_id_seq'), ?, 'repayment', ?, ?, ?, ?)",
                     [book.shop_id, rid, reason, book.today, book.actor])
    book.audit("reverse", "repayment", rid, {"amount": repayment["amount"]},
               {"reversed": True, "reason": reason})
    bring_back_if_owing(book, repayment["customer_id"], f"repayment {rid} reversed: {reason}")
    return _repayment_rows(book, "r.repayment_id = ?", [rid])[0]
