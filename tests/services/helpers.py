"""Read the database file directly to check what a service left behind."""
from datetime import date

from khata import book, db, loans

TABLES = ("shops", "shopkeepers", "customers", "loans", "repayments", "reversals", "idempotency_keys", "audit_log")


def counts(db_file) -> dict:
    with db.connect(db_file) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def query(db_file, sql, params=None):
    with db.connect(db_file) as con:
        return con.execute(sql, params or []).fetchall()


TODAY = date(2026, 11, 27)


def sell(db_file, sid, cid, amount, **kw):
    """A credit sale at the tests' fixed today (item "Rice" unless given)."""
    kw.setdefault("item", "Rice")
    kw.setdefault("today", TODAY)
    return book.write(sid, loans.create_loan, cid, amount=amount, path=db_file, **kw)
