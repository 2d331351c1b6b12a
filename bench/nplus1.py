"""Baseline 2: the original API's way. Fetch the rows, then loop per loan in Python
and ask the database for that loan's repayments (the N+1 query pattern), adding
money up in Python (integer paise, so at least it is exact).

It runs on the SQLite copy: one query per loan against DuckDB costs ~1 ms
(100,000 loans = minutes), against indexed SQLite ~10 us, so SQLite is the kind
of store such an API sat on, and the fairest setting for it.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from khata.dates import days_past_due

from .sqlite_store import paise

_REPAYMENTS_OF_LOAN = (
    "SELECT r.repayment_id, r.amount, r.paid_on,"
    " EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)"
    " FROM repayments r WHERE r.loan_id = ?")
_LOAN_COLUMNS = "loan_id, customer_id, amount, issue_date, due_date, grace_days"



def loan_status(outstanding, due_date: date, grace_days: int, today: date, reversed_: bool = False) -> str:
    """This baseline's own copy of the status rule the ledger keeps in SQL (loan_balances_for)."""
    if reversed_:
        return "reversed"
    if outstanding == 0:
        return "paid"
    if today > due_date + timedelta(days=grace_days):
        return "overdue"
    return "pending"


def _reversed_loans(con, shop_id: int | None) -> set[int]:
    sql = "SELECT entry_id FROM reversals WHERE entry_type = 'loan'"
    return {r[0] for r in (con.execute(sql + " AND shop_id = ?", [shop_id]) if shop_id else con.execute(sql))}


def _balance(con, loan: tuple, reversed_loans: set[int], as_of: date) -> dict:
    loan_id, customer_id, amount, issue, due, grace = loan
    repaid, last_paid, count = 0, None, 0
    for _rid, rep_amount, paid_on, rep_reversed in con.execute(_REPAYMENTS_OF_LOAN, [loan_id]):  # the "+1"
        if rep_reversed:
            continue
        repaid += rep_amount
        count += 1
        last_paid = paid_on if last_paid is None or paid_on > last_paid else last_paid
    is_reversed = loan_id in reversed_loans
    outstanding = 0 if is_reversed else amount - repaid
    due_date = date.fromisoformat(due)
    status = loan_status(outstanding, due_date, grace, as_of, is_reversed)
    dpd = 0 if status in ("reversed", "paid") else days_past_due(due_date, grace, as_of)
    return {"loan_id": loan_id, "customer_id": customer_id, "principal": amount, "repaid": repaid,
            "outstanding": outstanding, "status": status, "dpd": dpd, "issue_date": issue, "reversed": is_reversed}


def _shop_loans(con, shop_id: int, as_of: date) -> list[dict]:
    reversed_loans = _reversed_loans(con, shop_id)
    loans = con.execute(f"SELECT {_LOAN_COLUMNS} FROM loans WHERE shop_id = ?", [shop_id]).fetchall()
    return [_balance(con, loan, reversed_loans, as_of) for loan in loans]


def summary(con, shop_id: int, as_of: date) -> dict:
    loans = _shop_loans(con, shop_id, as_of)
    counts = {s: 0 for s in ("pending", "paid", "overdue", "reversed")}
    aging = {"current": 0, "1-30": 0, "31-60": 0, "61-90": 0, "90+": 0}
    issued = collected = outstanding = overdue = 0
    overdue_customers = set()
    for b in loans:
        counts[b["status"]] += 1
        if not b["reversed"]:
            issued += b["principal"]
            collected += b["repaid"]
        outstanding += b["outstanding"]
        if b["status"] == "overdue":
            overdue += b["outstanding"]
            overdue_customers.add(b["customer_id"])
        if b["outstanding"] > 0:
            d = b["dpd"]
            bucket = ("current" if d == 0 else "1-30" if d <= 30 else "31-60" if d <= 60
                      else "61-90" if d <= 90 else "90+")
            aging[bucket] += b["outstanding"]
    repayment_count = sum(1 for _ in con.execute(
        "SELECT r.repayment_id FROM repayments r WHERE r.shop_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)", [shop_id]))
    return {"total_issued": paise(issued), "total_collected": paise(collected), "outstanding": paise(outstanding),
            "overdue_amount": paise(overdue), "counts": counts, "customers_overdue": len(overdue_customers),
            "repayment_count": repayment_count, "aging": {k: paise(v) for k, v in aging.items()}}


def overdue_loans_page(con, shop_id: int, as_of: date, limit: int = 50) -> list[tuple]:
    rows = [b for b in _shop_loans(con, shop_id, as_of) if b["status"] == "overdue"]
    rows.sort(key=lambda b: (b["issue_date"], b["loan_id"]), reverse=True)
    return [(b["loan_id"], paise(b["outstanding"]), b["dpd"]) for b in rows[:limit]]


def customers_page(con, shop_id: int, as_of: date, limit: int = 50) -> list[tuple]:
    """The page of customers by name, then each one's loans, then each loan's repayments."""
    customers = con.execute(
        "SELECT customer_id FROM customers WHERE shop_id = ? AND archived_at IS NULL"
        " ORDER BY lower(name), customer_id LIMIT ?", [shop_id, limit]).fetchall()
    reversed_loans = _reversed_loans(con, shop_id)
    page = []
    for (customer_id,) in customers:
        owed = overdue = 0
        for loan in con.execute(f"SELECT {_LOAN_COLUMNS} FROM loans WHERE customer_id = ?", [customer_id]).fetchall():
            b = _balance(con, loan, reversed_loans, as_of)
            owed += b["outstanding"]
            if b["status"] == "overdue":
                overdue += b["outstanding"]
        page.append((customer_id, paise(owed), paise(overdue)))
    return page


def statement_balance(con, shop_id: int, customer_id: int) -> tuple[int, Decimal]:
    """(entries, final balance): each loan, then each loan's repayments and reversals."""
    reversed_loans = _reversed_loans(con, shop_id)
    entries, balance = 0, 0
    for loan in con.execute(f"SELECT {_LOAN_COLUMNS} FROM loans WHERE shop_id = ? AND customer_id = ?",
                            [shop_id, customer_id]).fetchall():
        entries += 1
        balance += loan[2]
        if loan[0] in reversed_loans:
            entries += 1
            balance -= loan[2]
        for _rid, amount, _on, rep_reversed in con.execute(_REPAYMENTS_OF_LOAN, [loan[0]]).fetchall():
            entries += 1
            balance -= amount
            if rep_reversed:
                entries += 1
                balance += amount
    return entries, paise(balance)


def selection(con, as_of: date) -> list[tuple]:
    """Every shop with reminders on, every reachable customer, every loan due before today."""
    reversed_loans = _reversed_loans(con, None)
    out = []
    for (shop_id,) in con.execute("SELECT shop_id FROM shops WHERE reminders_enabled ORDER BY shop_id").fetchall():
        customers = con.execute(
            "SELECT customer_id FROM customers WHERE shop_id = ? AND archived_at IS NULL AND NOT whatsapp_opt_out"
            " AND NOT whatsapp_invalid ORDER BY customer_id", [shop_id]).fetchall()
        for (customer_id,) in customers:
            overdue, worst = 0, 0
            for loan in con.execute(f"SELECT {_LOAN_COLUMNS} FROM loans WHERE customer_id = ? AND due_date < ?",
                                    [customer_id, (as_of - timedelta(days=0)).isoformat()]).fetchall():
                b = _balance(con, loan, reversed_loans, as_of)
                if b["status"] == "overdue":
                    overdue += b["outstanding"]
                    worst = max(worst, b["dpd"])
            if overdue > 0:
                out.append((shop_id, customer_id, paise(overdue), worst))
    return out
