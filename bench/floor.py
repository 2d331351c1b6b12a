"""Baseline 3: the floor. Hand-written DuckDB SQL straight over the tables that gives
the same answer as the app, with no app code (no services, no macros, no Python
arithmetic). Each call opens the file, runs the SQL and closes it, because the
app must do the same (one connection per unit of work, see docs/architecture.md); ``warm=True`` callers
pass an open connection instead to show what the connection itself costs.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import duckdb

Q = Decimal("0.01")

_LIVE = """
rep AS (
  SELECT r.loan_id, sum(r.amount) AS repaid, max(r.paid_on) AS last_paid
  FROM repayments r ANTI JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
  WHERE r.shop_id = $shop
  GROUP BY r.loan_id),
b AS (
  SELECT l.loan_id, l.customer_id, l.issue_date, l.amount AS principal, v.entry_id IS NOT NULL AS reversed,
         coalesce(rep.repaid, 0) AS repaid,
         CASE WHEN v.entry_id IS NOT NULL THEN 0 ELSE l.amount - coalesce(rep.repaid, 0) END AS outstanding,
         $as_of - (l.due_date + l.grace_days) AS late
  FROM loans l
  LEFT JOIN rep ON rep.loan_id = l.loan_id
  LEFT JOIN reversals v ON v.entry_type = 'loan' AND v.entry_id = l.loan_id
  WHERE l.shop_id = $shop),
s AS (
  SELECT *, CASE WHEN reversed THEN 'reversed' WHEN outstanding = 0 THEN 'paid'
                 WHEN late > 0 THEN 'overdue' ELSE 'pending' END AS status,
            CASE WHEN reversed OR outstanding = 0 OR late < 0 THEN 0 ELSE late END AS dpd
  FROM b)
"""

SUMMARY_SQL = "WITH " + _LIVE + """
SELECT coalesce(sum(principal) FILTER (WHERE NOT reversed), 0), coalesce(sum(repaid) FILTER (WHERE NOT reversed), 0),
       coalesce(sum(outstanding), 0), coalesce(sum(outstanding) FILTER (WHERE status = 'overdue'), 0),
       count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'paid'),
       count(*) FILTER (WHERE status = 'overdue'), count(*) FILTER (WHERE status = 'reversed'),
       count(DISTINCT customer_id) FILTER (WHERE status = 'overdue'),
       coalesce(sum(outstanding) FILTER (WHERE outstanding > 0 AND dpd = 0), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 1 AND 30), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 31 AND 60), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 61 AND 90), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd > 90), 0),
       (SELECT count(*) FROM repayments r ANTI JOIN reversals v ON v.entry_type = 'repayment'
          AND v.entry_id = r.repayment_id WHERE r.shop_id = $shop)
FROM s
"""


@contextmanager
def opened(path, con=None):
    if con is not None:
        yield con
        return
    con = duckdb.connect(str(path))
    try:
        yield con
    finally:
        con.close()


def _m(value) -> Decimal:
    return Decimal(value or 0).quantize(Q)


def summary(path, shop_id: int, as_of: date, con=None) -> dict:
    with opened(path, con) as c:
        row = c.execute(SUMMARY_SQL, {"shop": shop_id, "as_of": as_of}).fetchone()
    return {"total_issued": _m(row[0]), "total_collected": _m(row[1]), "outstanding": _m(row[2]),
            "overdue_amount": _m(row[3]),
            "counts": {"pending": row[4], "paid": row[5], "overdue": row[6], "reversed": row[7]},
            "customers_overdue": row[8], "repayment_count": row[14],
            "aging": {"current": _m(row[9]), "1-30": _m(row[10]), "31-60": _m(row[11]), "61-90": _m(row[12]),
                      "90+": _m(row[13])}}


def overdue_loans_page(path, shop_id: int, as_of: date, limit: int = 50, con=None) -> list[tuple]:
    with opened(path, con) as c:
        rows = c.execute("WITH " + _LIVE + """
            SELECT s.loan_id, s.outstanding, s.dpd, cu.name FROM s JOIN customers cu ON cu.customer_id = s.customer_id
            WHERE s.status = 'overdue' ORDER BY s.issue_date DESC, s.loan_id DESC LIMIT $limit""",
                         {"shop": shop_id, "as_of": as_of, "limit": limit}).fetchall()
    return [(r[0], _m(r[1]), r[2]) for r in rows]


def customers_page(path, shop_id: int, as_of: date, limit: int = 50, con=None) -> list[tuple]:
    with opened(path, con) as c:
        rows = c.execute("WITH " + _LIVE + """,
            cb AS (SELECT customer_id, sum(outstanding) AS outstanding,
                          sum(outstanding) FILTER (WHERE status = 'overdue') AS overdue FROM s GROUP BY customer_id)
            SELECT cu.customer_id, coalesce(cb.outstanding, 0), coalesce(cb.overdue, 0)
            FROM customers cu LEFT JOIN cb ON cb.customer_id = cu.customer_id
            WHERE cu.shop_id = $shop AND cu.archived_at IS NULL
            ORDER BY lower(cu.name), cu.customer_id LIMIT $limit""",
                         {"shop": shop_id, "as_of": as_of, "limit": limit}).fetchall()
    return [(r[0], _m(r[1]), _m(r[2])) for r in rows]


STATEMENT_SQL = """
WITH entries AS (
  SELECT l.issue_date AS entry_date, l.created_at, 1 AS ord, 'sale' AS entry, l.loan_id,
         CAST(NULL AS BIGINT) AS repayment_id, l.amount AS debit, CAST(0 AS DECIMAL(18,2)) AS credit
  FROM loans l WHERE l.shop_id = $shop AND l.customer_id = $customer
  UNION ALL
  SELECT r.paid_on, r.created_at, 2, 'repayment', r.loan_id, r.repayment_id, 0, r.amount
  FROM repayments r WHERE r.shop_id = $shop AND r.customer_id = $customer
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'sale reversed', l.loan_id, NULL, 0, l.amount
  FROM reversals v JOIN loans l ON v.entry_type = 'loan' AND v.entry_id = l.loan_id
  WHERE l.shop_id = $shop AND l.customer_id = $customer
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'repayment reversed', r.loan_id, r.repayment_id, r.amount, 0
  FROM reversals v JOIN repayments r ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
  WHERE r.shop_id = $shop AND r.customer_id = $customer)
SELECT entry, loan_id, repayment_id, debit, credit,
       sum(debit - credit) OVER (ORDER BY entry_date, created_at, ord, loan_id, repayment_id
                                 ROWS UNBOUNDED PRECEDING) AS balance
FROM entries ORDER BY entry_date, created_at, ord, loan_id, repayment_id
"""


def statement(path, shop_id: int, customer_id: int, con=None) -> list[tuple]:
    with opened(path, con) as c:
        rows = c.execute(STATEMENT_SQL, {"shop": shop_id, "customer": customer_id}).fetchall()
    return [(r[0], r[1], r[2], _m(r[3]), _m(r[4]), _m(r[5])) for r in rows]


SELECTION_SQL = """
WITH rep AS (
  SELECT r.loan_id, sum(r.amount) AS repaid
  FROM repayments r ANTI JOIN reversals v ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
  GROUP BY r.loan_id),
late AS (
  SELECT l.shop_id, l.customer_id, l.amount - coalesce(rep.repaid, 0) AS outstanding,
         $as_of - (l.due_date + l.grace_days) AS late
  FROM loans l
  LEFT JOIN rep ON rep.loan_id = l.loan_id
  ANTI JOIN reversals v ON v.entry_type = 'loan' AND v.entry_id = l.loan_id
  WHERE l.due_date + l.grace_days < $as_of)
SELECT c.shop_id, c.customer_id, sum(late.outstanding) AS overdue, max(late.late)
FROM late JOIN customers c ON c.customer_id = late.customer_id AND c.shop_id = late.shop_id
JOIN shops s ON s.shop_id = c.shop_id
WHERE late.outstanding > 0 AND s.reminders_enabled AND c.archived_at IS NULL
  AND NOT c.whatsapp_opt_out AND NOT c.whatsapp_invalid
GROUP BY c.shop_id, c.customer_id
ORDER BY c.shop_id, c.customer_id
"""


def selection(path, as_of: date, con=None) -> list[tuple]:
    with opened(path, con) as c:
        rows = c.execute(SELECTION_SQL, {"as_of": as_of}).fetchall()
    return [(r[0], r[1], _m(r[2]), r[3]) for r in rows]


def record_repayment(path, shop_id: int, loan_id: int, amount: Decimal, on: date) -> Decimal:
    """Connect, check what the loan still owes, insert, commit, close. Returns the new outstanding."""
    con = duckdb.connect(str(path))
    try:
        con.begin()
        row = con.execute(
            "SELECT l.amount - coalesce((SELECT sum(r.amount) FROM repayments r ANTI JOIN reversals v"
            " ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id"
            " WHERE r.shop_id = $shop AND r.loan_id = l.loan_id), 0), l.customer_id"
            " FROM loans l WHERE l.shop_id = $shop AND l.loan_id = $loan", {"shop": shop_id,
                                                                            "loan": loan_id}).fetchone()
        if row is None or amount > row[0]:
            raise ValueError("overpayment")
        con.execute("INSERT INTO repayments (repayment_id, shop_id, customer_id, loan_id, amount, paid_on, method,"
                    " created_by) VALUES (nextval('repayment_id_seq'), ?, ?, ?, ?, ?, 'cash', 'bench')",
                    [shop_id, row[1], loan_id, amount, on])
        con.commit()
        return _m(row[0] - amount)
    finally:
        con.close()


def import_csv(path, shop_id: int, csv_path) -> int:
    """DuckDB's own CSV reader straight into the table (no validation): the floor for an import."""
    con = duckdb.connect(str(path))
    try:
        con.begin()
        con.execute("INSERT INTO customers (customer_id, shop_id, name, phone, credit_limit)"
                    " SELECT nextval('customer_id_seq'), ?, name, '+91' || regexp_replace(phone, '[^0-9]', '', 'g'),"
                    " 10000 FROM read_csv(?, header = true, all_varchar = true)", [shop_id, str(csv_path)])
        con.commit()
        return con.execute("SELECT count(*) FROM customers WHERE shop_id = ?", [shop_id]).fetchone()[0]
    finally:
        con.close()


def export(path, out_dir) -> int:
    """EXPORT DATABASE to Parquet: the floor for the analyst snapshot."""
    con = duckdb.connect(str(path))
    try:
        con.execute(f"EXPORT DATABASE '{out_dir}' (FORMAT parquet)")
        return con.execute("SELECT count(*) FROM loans").fetchone()[0]
    finally:
        con.close()
