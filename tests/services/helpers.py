"""Read the database file directly to check what a service left behind."""
from datetime import date

from khata import loans
from tests.roots import OWNER, root_at, who

TABLES = ("shops", "shopkeepers", "customers", "loans", "repayments", "reversals", "idempotency_keys", "audit_log")


def counts(db_file) -> dict:
    with root_at(db_file).connect() as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def query(db_file, sql, params=None):
    with root_at(db_file).connect() as con:
        return con.execute(sql, params or []).fetchall()


TODAY = date(2026, 11, 27)


def sell(db_file, sid, cid, amount, **kw):
    """A credit sale at the tests' fixed today (item "Rice" unless given)."""
    kw.setdefault("item", "Rice")
    kw.setdefault("today", TODAY)
    principal = who(kw.pop("role", "owner"), kw.pop("actor", None) or OWNER.name)
    return root_at(db_file).write(sid, principal, loans.create_loan, cid, amount=amount, **kw)
