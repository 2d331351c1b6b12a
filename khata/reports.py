"""Read models: the shop summary, aging, customer statements and chart data.

Totals are aggregated in SQL and returned as Decimal. The ``*_frame`` functions
return pandas frames for charts and tables only (``.df()`` turns DECIMAL into
float), never for a figure shown as a balance.
"""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from .book import Book
from .customers import customer_row
from .dates import parse_date
from .i18n import N_, _
from .words import method_word

# a payment's method in the statement's words (the book stores the key)

ZERO = Decimal("0.00")
AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")

_SUMMARY_SQL = """
SELECT
  coalesce(sum(principal) FILTER (WHERE NOT reversed), 0)              AS total_issued,
  coalesce(sum(repaid) FILTER (WHERE NOT reversed), 0)                 AS total_collected,
  coalesce(sum(outstanding), 0)                                        AS outstanding,
  coalesce(sum(outstanding) FILTER (WHERE status = 'overdue'), 0)      AS overdue_amount,
  count(*) FILTER (WHERE status = 'pending')                           AS pending_count,
  count(*) FILTER (WHERE status = 'paid')                              AS paid_count,
  count(*) FILTER (WHERE status = 'overdue')                           AS overdue_count,
  count(*) FILTER (WHERE status = 'reversed')                          AS reversed_count,
  avg(last_paid_on - issue_date) FILTER (WHERE status = 'paid')        AS avg_days_to_repay,
  coalesce(len(list_distinct(list(customer_id) FILTER (WHERE status = 'overdue'))), 0) AS customers_overdue,
  coalesce(sum(outstanding) FILTER (WHERE outstanding > 0 AND days_past_due = 0), 0)              AS aging_current,
  coalesce(sum(outstanding) FILTER (WHERE days_past_due BETWEEN 1 AND 30), 0)                     AS aging_1_30,
  coalesce(sum(outstanding) FILTER (WHERE days_past_due BETWEEN 31 AND 60), 0)                    AS aging_31_60,
  coalesce(sum(outstanding) FILTER (WHERE days_past_due BETWEEN 61 AND 90), 0)                    AS aging_61_90,
  coalesce(sum(outstanding) FILTER (WHERE days_past_due > 90), 0)                                 AS aging_90_plus
FROM {balances}
WHERE shop_id = ?
"""
# customers_overdue counts distinct customers through list_distinct, not count(DISTINCT ...):
# a DISTINCT aggregate made DuckDB 2.0.1 split the query (the balances into a CTE, a second
# aggregate and a cross product), 88 -> 73 ms per fresh unit on the platform's busiest shop
# (bench/README.md, issue 22); the answer is the same (tests/services/test_reports.py).


def _money(value) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(Decimal("0.01"))


def _balances(book: Book, table: str | None) -> tuple[str, list]:
    """Where the loan balances come from: the macro, or a table ``overview`` filled once."""
    return (table, []) if table else ("loan_balances_for(?, ?)", [book.shop_id, book.today])


def shop_summary(book: Book, *, _from: str | None = None) -> dict:
    """The whole book at the shop-local date: totals, counts by status, rates, aging."""
    sid, as_of, con = book.shop_id, book.today, book.con
    source, params = _balances(book, _from)
    row = book.row(_SUMMARY_SQL.format(balances=source), [*params, sid])
    pay = con.execute(
        "SELECT coalesce(avg(r.amount), 0), count(*) FROM repayments r WHERE r.shop_id = ? AND NOT EXISTS"
        " (SELECT 1 FROM reversals v WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id)",
        [sid]).fetchone()
    issued = _money(row["total_issued"])
    collected = _money(row["total_collected"])
    return {
        "as_of": as_of,
        "total_issued": issued,
        "total_collected": collected,
        "outstanding": _money(row["outstanding"]),
        "overdue_amount": _money(row["overdue_amount"]),
        "counts": {s: row[f"{s}_count"] for s in ("pending", "paid", "overdue", "reversed")},
        "collection_rate": (collected / issued).quantize(Decimal("0.0001")) if issued else Decimal("0"),
        "avg_days_to_repay": (Decimal(str(row["avg_days_to_repay"])).quantize(Decimal("0.1"))
                              if row["avg_days_to_repay"] is not None else None),
        "avg_repayment": _money(pay[0]),
        "repayment_count": pay[1],
        "customers_overdue": row["customers_overdue"],
        "aging": {
            "current": _money(row["aging_current"]),
            "1-30": _money(row["aging_1_30"]),
            "31-60": _money(row["aging_31_60"]),
            "61-90": _money(row["aging_61_90"]),
            "90+": _money(row["aging_90_plus"]),
        },
    }


_STATEMENT_SQL = """
WITH entries AS (
  SELECT l.issue_date AS entry_date, l.created_at, 1 AS ord, 'sale' AS entry,
         l.loan_id, CAST(NULL AS BIGINT) AS repayment_id,
         l.item AS description, CAST(NULL AS VARCHAR) AS method, CAST(NULL AS VARCHAR) AS note,
         l.amount AS debit, CAST(0 AS DECIMAL(18,2)) AS credit, l.created_by
  FROM loans l WHERE l.shop_id = ? AND l.customer_id = ?
  UNION ALL
  SELECT r.paid_on, r.created_at, 2, 'repayment', r.loan_id, r.repayment_id,
         NULL, r.method, r.note, 0, r.amount, r.created_by
  FROM repayments r WHERE r.shop_id = ? AND r.customer_id = ?
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'sale reversed', l.loan_id, NULL,
         NULL, NULL, v.reason, 0, l.amount, v.created_by
  FROM reversals v JOIN loans l ON v.entry_type = 'loan' AND v.entry_id = l.loan_id
  WHERE l.shop_id = ? AND l.customer_id = ?
  UNION ALL
  SELECT v.reversed_on, v.created_at, 3, 'repayment reversed', r.loan_id, r.repayment_id,
         NULL, NULL, v.reason, r.amount, 0, v.created_by
  FROM reversals v JOIN repayments r ON v.entry_type = 'repayment' AND v.entry_id = r.repayment_id
  WHERE r.shop_id = ? AND r.customer_id = ?
)
SELECT entry_date, entry, loan_id, repayment_id, description, method, note,
       CAST(debit AS DECIMAL(18,2)) AS debit, CAST(credit AS DECIMAL(18,2)) AS credit,
       CAST(sum(debit - credit) OVER (ORDER BY entry_date, created_at, ord, loan_id, repayment_id
                                      ROWS UNBOUNDED PRECEDING) AS DECIMAL(18,2)) AS balance,
       created_by
FROM entries
ORDER BY entry_date, created_at, ord, loan_id, repayment_id
"""


def customer_statement(book: Book, customer_id, *, notes: bool = True) -> list[dict]:
    """Every sale, repayment and reversal in date order with a running balance;
    the last balance equals what the customer owes. ``notes=False`` leaves out what the shop
    typed about a payment or a reversal (the customer's own page shows none of the shop's notes)."""
    cid = customer_row(book, customer_id, include_archived=True)["customer_id"]
    rows = book.rows(_STATEMENT_SQL, [book.shop_id, cid] * 4)
    for row in rows:
        if not notes:  # the customer's own page: none of what the shop typed about a payment or reversal
            row["note"] = None
        row["description"] = entry_details(row)
    return rows


def entry_details(row: dict) -> str | None:
    """A statement row's Details in the current language: the item of a sale as typed; "Paid by
    cash - note" for a repayment; "Reversed: reason". The statement PDF calls it again in the
    customer's language (the row keeps its ``method`` and ``note``)."""
    method, note = row.get("method"), row.get("note")
    if row["entry"] == "repayment":
        paid = _("Paid by {method}").format(method=method_word(method))
        return _("{paid} - {note}").format(paid=paid, note=note) if note else paid
    if row["entry"] in ("sale reversed", "repayment reversed"):
        return _("Reversed: {reason}").format(reason=note) if note else None
    return row.get("description")


# ---- chart data (frames for display only) --------------------------------------------

def _range(book: Book, date_from, date_to) -> tuple[date, date]:
    start = parse_date(date_from, N_("From date")) if date_from not in (None, "") else date(2000, 1, 1)
    end = parse_date(date_to, N_("To date")) if date_to not in (None, "") else book.today
    return start, end


def period_totals(book: Book, *, date_from=None, date_to=None) -> dict:
    """Issued and collected between two dates (inclusive; reversed entries excluded):
    {issued, collected, date_from, date_to}."""
    start, end = _range(book, date_from, date_to)
    issued, collected = book.con.execute(
        "SELECT coalesce(sum(issued), 0), coalesce(sum(collected), 0) FROM daily_collections"
        " WHERE shop_id = ? AND day BETWEEN ? AND ?", [book.shop_id, start, end]).fetchone()
    return {"issued": _money(issued), "collected": _money(collected), "date_from": start, "date_to": end}


def issued_vs_collected_frame(book: Book, *, period: str = "week", date_from=None,
                              date_to=None) -> pd.DataFrame:
    """Issued and collected per week or month (columns: period, issued, collected)."""
    unit = "month" if period == "month" else "week"
    sid, con = book.shop_id, book.con
    start, end = _range(book, date_from, date_to)
    return con.execute(
        f"SELECT CAST(date_trunc('{unit}', day) AS DATE) AS period, sum(issued) AS issued,"
        " sum(collected) AS collected FROM daily_collections"
        " WHERE shop_id = ? AND day BETWEEN ? AND ? GROUP BY ALL ORDER BY period",
        [sid, start, end]).df()


def aging_frame(summary: dict) -> pd.DataFrame:
    return pd.DataFrame({"bucket": list(summary["aging"]), "outstanding": [
        float(v) for v in summary["aging"].values()]})


def status_mix_frame(summary: dict) -> pd.DataFrame:
    counts = summary["counts"]
    return pd.DataFrame({"status": list(counts), "loans": list(counts.values())})


def top_customers_frame(book: Book, *, n: int = 10, _from: str | None = None) -> pd.DataFrame:
    sid, as_of, con = book.shop_id, book.today, book.con
    if _from is None:
        return con.execute(
            "SELECT name, outstanding, overdue FROM customer_balances_for(?, ?) WHERE shop_id = ?"
            " AND outstanding > 0 ORDER BY outstanding DESC, customer_id LIMIT ?", [sid, as_of, sid, n]).df()
    # customer_balances_for's sums, over the balances computed once
    return con.execute(
        "SELECT c.name, CAST(sum(b.outstanding) AS DECIMAL(18,2)) AS outstanding,"
        " CAST(coalesce(sum(b.outstanding) FILTER (WHERE b.status = 'overdue'), 0) AS DECIMAL(18,2)) AS overdue"
        f" FROM {_from} b JOIN customers c ON c.shop_id = b.shop_id AND c.customer_id = b.customer_id"
        " WHERE c.shop_id = ? AND c.archived_at IS NULL GROUP BY c.customer_id, c.name"
        " HAVING sum(b.outstanding) > 0 ORDER BY outstanding DESC, c.customer_id LIMIT ?", [sid, n]).df()


def expected_collections_frame(book: Book, *, weeks: int = 8, _from: str | None = None) -> pd.DataFrame:
    """Outstanding that falls due in each of the next ``weeks`` weeks (by due date + grace)."""

    sid, as_of, con = book.shop_id, book.today, book.con
    source, params = _balances(book, _from)
    frame = con.execute(
        "SELECT CAST((due_date + grace_days - ?::DATE) // 7 AS INTEGER) AS week_index,"
        " sum(outstanding) AS amount, count(*) AS loans"
        f" FROM {source} WHERE shop_id = ? AND outstanding > 0"
        " AND due_date + grace_days >= ?::DATE AND due_date + grace_days < ?::DATE + ?"
        " GROUP BY ALL", [as_of, *params, sid, as_of, as_of, 7 * weeks]).df()
    weeks_frame = pd.DataFrame({"week_index": range(weeks)})
    weeks_frame["week_start"] = [as_of + timedelta(days=7 * i) for i in range(weeks)]
    merged = weeks_frame.merge(frame, on="week_index", how="left").fillna({"amount": 0, "loans": 0})
    return merged[["week_start", "amount", "loans"]]


def days_to_repay_bins(book: Book, *, bins: int = 30, _from: str | None = None) -> pd.DataFrame:
    """How long fully repaid sales took, as a histogram of about ``bins`` equal bins counted in
    SQL (a big shop has 80,000+ repaid sales; the chart needs 30 numbers). Columns: ``days``
    ('0-6', ...), ``sales``; empty when no sale is fully repaid."""
    source, params = _balances(book, _from)
    rows = book.con.execute(
        "WITH d AS (SELECT greatest(0, CAST(last_paid_on - issue_date AS INTEGER)) AS days"
        f"           FROM {source} WHERE shop_id = ? AND status = 'paid'),"
        " w AS (SELECT greatest(1, (max(days) + ?) // ?) AS width FROM d)"
        " SELECT d.days // w.width AS bin, any_value(w.width) AS width, count(*) AS sales"
        " FROM d, w GROUP BY ALL ORDER BY bin", [*params, book.shop_id, bins, bins]).fetchall()
    if not rows:
        return pd.DataFrame({"days": [], "sales": []})
    width = rows[0][1]
    counts = {b: n for b, _width, n in rows}
    labels, sales = [], []
    for b in range(rows[-1][0] + 1):
        low, high = b * width, b * width + width - 1
        labels.append(f"{low}" if low == high else f"{low}-{high}")
        sales.append(counts.get(b, 0))
    return pd.DataFrame({"days": labels, "sales": sales})


def overview(book: Book) -> dict:
    """The Overview's read model: summary, top 10 customers, expected collections (8 weeks) and
    the days-to-repay bins, equal to calling each (tested). The shop's loan balances are computed
    once into a temporary table of this connection, not once per view: a third of the time on a
    big shop. Temporary tables are never written to the database file."""
    book.con.execute("CREATE OR REPLACE TEMP TABLE overview_balances AS SELECT * FROM loan_balances_for(?, ?)"
                     " WHERE shop_id = ?", [book.shop_id, book.today, book.shop_id])
    try:
        return {"summary": shop_summary(book, _from="overview_balances"),
                "top": top_customers_frame(book, n=10, _from="overview_balances"),
                "expected": expected_collections_frame(book, weeks=8, _from="overview_balances"),
                "days_to_repay": days_to_repay_bins(book, _from="overview_balances")}
    finally:
        book.con.execute("DROP TABLE IF EXISTS overview_balances")
