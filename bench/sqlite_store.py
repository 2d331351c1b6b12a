"""Baseline 1: the same ledger in SQLite (stdlib ``sqlite3``), what most CRUD apps would use.

Same tables and columns as khata/migrations/001_ledger.sql. SQLite has no exact
decimal type, so money is stored the way a careful SQLite app stores it: INTEGER
paise. Dates are ISO text. Indexes are the ones a sensible developer adds for
these queries (shop, customer and loan foreign keys, the reversal lookup).
The queries mirror the app's (same status and aging rules).
"""
from __future__ import annotations

import sqlite3
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb

SCHEMA = """
CREATE TABLE shops (shop_id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT, timezone TEXT NOT NULL,
  loan_term_days INTEGER NOT NULL, reminders_enabled INTEGER NOT NULL);
CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, shop_id INTEGER NOT NULL, name TEXT NOT NULL,
  phone TEXT NOT NULL, address TEXT, trust_score INTEGER NOT NULL DEFAULT 5, credit_limit INTEGER NOT NULL DEFAULT 0,
  notes TEXT, whatsapp_opt_out INTEGER NOT NULL DEFAULT 0, whatsapp_invalid INTEGER NOT NULL DEFAULT 0,
  archived_at TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE loans (loan_id INTEGER PRIMARY KEY, shop_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
  item TEXT NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), issue_date TEXT NOT NULL, due_date TEXT NOT NULL,
  grace_days INTEGER NOT NULL DEFAULT 0, created_by TEXT, created_at TEXT NOT NULL);
CREATE TABLE repayments (repayment_id INTEGER PRIMARY KEY, shop_id INTEGER NOT NULL, customer_id INTEGER NOT NULL,
  loan_id INTEGER NOT NULL, amount INTEGER NOT NULL CHECK (amount > 0), paid_on TEXT NOT NULL, method TEXT NOT NULL,
  note TEXT, created_by TEXT, created_at TEXT NOT NULL);
CREATE TABLE reversals (reversal_id INTEGER PRIMARY KEY, shop_id INTEGER NOT NULL, entry_type TEXT NOT NULL,
  entry_id INTEGER NOT NULL, reason TEXT NOT NULL, reversed_on TEXT NOT NULL, created_by TEXT,
  created_at TEXT NOT NULL, UNIQUE (entry_type, entry_id));
"""
INDEXES = """
CREATE INDEX customers_shop_name ON customers (shop_id, name);
CREATE UNIQUE INDEX customers_shop_phone ON customers (shop_id, phone);
CREATE INDEX loans_shop_issue ON loans (shop_id, issue_date);
CREATE INDEX loans_customer ON loans (customer_id);
CREATE INDEX repayments_shop_loan ON repayments (shop_id, loan_id);
CREATE INDEX repayments_loan ON repayments (loan_id);
CREATE INDEX repayments_customer ON repayments (customer_id);
"""

_COPY = {
    "shops": "SELECT shop_id, name, phone, timezone, loan_term_days, reminders_enabled::INTEGER FROM shops",
    "customers": "SELECT customer_id, shop_id, name, phone, address, trust_score,"
                 " CAST(credit_limit * 100 AS BIGINT), notes, whatsapp_opt_out::INTEGER, whatsapp_invalid::INTEGER,"
                 " archived_at::VARCHAR, created_at::VARCHAR, updated_at::VARCHAR FROM customers",
    "loans": "SELECT loan_id, shop_id, customer_id, item, CAST(amount * 100 AS BIGINT), issue_date::VARCHAR,"
             " due_date::VARCHAR, grace_days, created_by, created_at::VARCHAR FROM loans",
    "repayments": "SELECT repayment_id, shop_id, customer_id, loan_id, CAST(amount * 100 AS BIGINT),"
                  " paid_on::VARCHAR, method, note, created_by, created_at::VARCHAR FROM repayments",
    "reversals": "SELECT reversal_id, shop_id, entry_type, entry_id, reason, reversed_on::VARCHAR, created_by,"
                 " created_at::VARCHAR FROM reversals",
}


def connect(path) -> sqlite3.Connection:
    con = sqlite3.connect(str(path), isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA cache_size=-65536")
    return con


def load_from_duckdb(duck_path, sqlite_path) -> float:
    """Copy the generated ledger into a fresh SQLite file; returns seconds."""
    started = time.perf_counter()
    target = Path(sqlite_path)
    for suffix in ("", "-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    con = connect(target)
    con.executescript(SCHEMA)
    source = duckdb.connect(str(duck_path), read_only=True)
    try:
        con.execute("BEGIN")
        for table, sql in _COPY.items():
            cur = source.execute(sql)
            marks = ", ".join("?" for _ in cur.description)
            while True:
                chunk = cur.fetchmany(100_000)
                if not chunk:
                    break
                con.executemany(f"INSERT INTO {table} VALUES ({marks})", chunk)
        con.execute("COMMIT")
        con.executescript(INDEXES)
        con.execute("ANALYZE")
    finally:
        source.close()
        con.close()
    return time.perf_counter() - started


def paise(value) -> Decimal:
    return (Decimal(int(value or 0)) / 100).quantize(Decimal("0.01"))


# ---- the same questions, asked of SQLite ----------------------------------------------

_BALANCES = """
lr AS (
  SELECT r.loan_id, sum(r.amount) AS repaid, max(r.paid_on) AS last_paid
  FROM repayments r
  WHERE r.shop_id = :shop
    AND NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
  GROUP BY r.loan_id),
b AS (
  SELECT l.loan_id, l.customer_id, l.amount AS principal, l.issue_date, l.due_date,
         (lv.entry_id IS NOT NULL) AS reversed, coalesce(lr.repaid, 0) AS repaid,
         CASE WHEN lv.entry_id IS NOT NULL THEN 0 ELSE l.amount - coalesce(lr.repaid, 0) END AS outstanding,
         lr.last_paid,
         CAST(julianday(:as_of) - julianday(l.due_date) AS INTEGER) - l.grace_days AS late
  FROM loans l
  LEFT JOIN lr ON lr.loan_id = l.loan_id
  LEFT JOIN reversals lv ON lv.entry_type = 'loan' AND lv.entry_id = l.loan_id
  WHERE l.shop_id = :shop),
s AS (
  SELECT *, CASE WHEN reversed THEN 'reversed' WHEN outstanding = 0 THEN 'paid'
                 WHEN late > 0 THEN 'overdue' ELSE 'pending' END AS status,
            CASE WHEN reversed OR outstanding = 0 OR late < 0 THEN 0 ELSE late END AS dpd
  FROM b)
"""

SUMMARY_SQL = "WITH " + _BALANCES + """
SELECT coalesce(sum(principal) FILTER (WHERE NOT reversed), 0),
       coalesce(sum(repaid) FILTER (WHERE NOT reversed), 0),
       coalesce(sum(outstanding), 0),
       coalesce(sum(outstanding) FILTER (WHERE status = 'overdue'), 0),
       count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'paid'),
       count(*) FILTER (WHERE status = 'overdue'), count(*) FILTER (WHERE status = 'reversed'),
       count(DISTINCT customer_id) FILTER (WHERE status = 'overdue'),
       coalesce(sum(outstanding) FILTER (WHERE outstanding > 0 AND dpd = 0), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 1 AND 30), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 31 AND 60), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd BETWEEN 61 AND 90), 0),
       coalesce(sum(outstanding) FILTER (WHERE dpd > 90), 0)
FROM s
"""
PAY_SQL = """
SELECT count(*) FROM repayments r WHERE r.shop_id = ?
  AND NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
"""


def summary(con, shop_id: int, as_of: date) -> dict:
    row = con.execute(SUMMARY_SQL, {"shop": shop_id, "as_of": as_of.isoformat()}).fetchone()
    count = con.execute(PAY_SQL, [shop_id]).fetchone()[0]
    return {
        "total_issued": paise(row[0]), "total_collected": paise(row[1]), "outstanding": paise(row[2]),
        "overdue_amount": paise(row[3]),
        "counts": {"pending": row[4], "paid": row[5], "overdue": row[6], "reversed": row[7]},
        "customers_overdue": row[8], "repayment_count": count,
        "aging": {"current": paise(row[9]), "1-30": paise(row[10]), "31-60": paise(row[11]),
                  "61-90": paise(row[12]), "90+": paise(row[13])},
    }


def overdue_loans_page(con, shop_id: int, as_of: date, limit: int = 50) -> list[tuple]:
    rows = con.execute(
        "WITH " + _BALANCES + """
        SELECT s.loan_id, s.outstanding, s.dpd, c.name FROM s JOIN customers c ON c.customer_id = s.customer_id
        WHERE s.status = 'overdue' ORDER BY s.issue_date DESC, s.loan_id DESC LIMIT :limit""",
        {"shop": shop_id, "as_of": as_of.isoformat(), "limit": limit}).fetchall()
    return [(r[0], paise(r[1]), r[2]) for r in rows]


def customers_page(con, shop_id: int, as_of: date, limit: int = 50) -> list[tuple]:
    rows = con.execute(
        "WITH " + _BALANCES + """,
        cb AS (SELECT customer_id, sum(outstanding) AS outstanding,
                      sum(outstanding) FILTER (WHERE status = 'overdue') AS overdue FROM s GROUP BY customer_id)
        SELECT c.customer_id, coalesce(cb.outstanding, 0), coalesce(cb.overdue, 0), c.name
        FROM customers c LEFT JOIN cb ON cb.customer_id = c.customer_id
        WHERE c.shop_id = :shop AND c.archived_at IS NULL
        ORDER BY lower(c.name), c.customer_id LIMIT :limit""",
        {"shop": shop_id, "as_of": as_of.isoformat(), "limit": limit}).fetchall()
    return [(r[0], paise(r[1]), paise(r[2])) for r in rows]


STATEMENT_SQL = """
WITH entries AS (
  SELECT l.issue_date AS entry_date, l.created_at, 1 AS ord, 'sale' AS entry, l.loan_id, NULL AS repayment_id,
         l.amount AS debit, 0 AS credit
  FROM loans l WHERE l.shop_id = :shop AND l.customer_id = :customer
  UNION ALL
  SELECT r.paid_on, r.created_at, 2, 'repayment', r.loan_id, r.repayment_id, 0, r.amount
  FROM repayments r WHERE r.shop_id = :shop AND r.customer_id = :customer
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'sale reversed', l.loan_id, NULL, 0, l.amount
  FROM reversals v JOIN loans l ON v.entry_type = 'loan' AND v.entry_id = l.loan_id
  WHERE l.shop_id = :shop AND l.customer_id = :customer
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'repayment reversed', r.loan_id, r.repayment_id, r.amount, 0
  FROM reversals v JOIN repayments r ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
  WHERE r.shop_id = :shop AND r.customer_id = :customer)
SELECT entry, loan_id, repayment_id, debit, credit,
       sum(debit - credit) OVER (ORDER BY entry_date, created_at, ord, loan_id, repayment_id
                                 ROWS UNBOUNDED PRECEDING) AS balance
FROM entries ORDER BY entry_date, created_at, ord, loan_id, repayment_id
"""


def statement(con, shop_id: int, customer_id: int) -> list[tuple]:
    rows = con.execute(STATEMENT_SQL, {"shop": shop_id, "customer": customer_id}).fetchall()
    return [(r[0], r[1], r[2], paise(r[3]), paise(r[4]), paise(r[5])) for r in rows]


SELECTION_SQL = """
WITH lr AS (
  SELECT r.loan_id, sum(r.amount) AS repaid FROM repayments r
  WHERE NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)
  GROUP BY r.loan_id),
late AS (
  SELECT l.shop_id, l.customer_id, l.amount - coalesce(lr.repaid, 0) AS outstanding,
         CAST(julianday(:as_of) - julianday(l.due_date) AS INTEGER) - l.grace_days AS late
  FROM loans l LEFT JOIN lr ON lr.loan_id = l.loan_id
  WHERE l.due_date < :as_of
    AND NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'loan' AND v.entry_id = l.loan_id))
SELECT c.shop_id, c.customer_id, sum(late.outstanding) AS overdue, max(late.late)
FROM late JOIN customers c ON c.customer_id = late.customer_id
JOIN shops s ON s.shop_id = c.shop_id
WHERE late.late > 0 AND late.outstanding > 0 AND s.reminders_enabled AND c.archived_at IS NULL
  AND NOT c.whatsapp_opt_out AND NOT c.whatsapp_invalid
GROUP BY c.shop_id, c.customer_id
ORDER BY c.shop_id, c.customer_id
"""


def selection(con, as_of: date) -> list[tuple]:
    rows = con.execute(SELECTION_SQL, {"as_of": as_of.isoformat()}).fetchall()
    return [(r[0], r[1], paise(r[2]), r[3]) for r in rows]


def record_repayment(path, shop_id: int, loan_id: int, amount_paise: int, on: date) -> Decimal:
    """One unit of work: connect, check what is owed, insert, commit, close. Returns the new outstanding."""
    con = connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        row = con.execute(
            "SELECT l.amount - coalesce((SELECT sum(r.amount) FROM repayments r WHERE r.loan_id = l.loan_id"
            " AND NOT EXISTS (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment'"
            " AND v.entry_id = r.repayment_id)), 0), l.customer_id FROM loans l WHERE l.shop_id = ? AND l.loan_id = ?",
            [shop_id, loan_id]).fetchone()
        if row is None or amount_paise > row[0]:
            raise ValueError("overpayment")
        con.execute("INSERT INTO repayments (shop_id, customer_id, loan_id, amount, paid_on, method, created_by,"
                    " created_at) VALUES (?, ?, ?, ?, ?, 'cash', 'bench', datetime('now'))",
                    [shop_id, row[1], loan_id, amount_paise, on.isoformat()])
        con.execute("COMMIT")
        return paise(row[0] - amount_paise)
    finally:
        con.close()


def import_customers(path, shop_id: int, rows: list[tuple[str, str]]) -> int:
    """Insert the CSV's customers (already parsed) in one transaction with executemany."""
    con = connect(path)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.executemany("INSERT INTO customers (shop_id, name, phone, credit_limit, created_at, updated_at)"
                        " VALUES (?, ?, ?, 1000000, datetime('now'), datetime('now'))",
                        [(shop_id, name, phone) for name, phone in rows])
        con.execute("COMMIT")
        return con.execute("SELECT count(*) FROM customers WHERE shop_id = ?", [shop_id]).fetchone()[0]
    finally:
        con.close()


def add_shop(path, shop_id: int) -> None:
    con = connect(path)
    try:
        con.execute("INSERT INTO shops VALUES (?, ?, NULL, 'Asia/Kolkata', 30, 1)", [shop_id, f"Import {shop_id}"])
    finally:
        con.close()


def backup(path, out_file) -> int:
    """The SQLite way to snapshot a live database: the online backup API."""
    Path(out_file).unlink(missing_ok=True)
    src = connect(path)
    dst = sqlite3.connect(str(out_file))
    try:
        src.backup(dst)
        return dst.execute("SELECT count(*) FROM loans").fetchone()[0]
    finally:
        dst.close()
        src.close()
