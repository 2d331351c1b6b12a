"""Read the database file directly to check what a service left behind."""
from khata import db

TABLES = ("shops", "shopkeepers", "customers", "loans", "repayments", "reversals", "idempotency_keys", "audit_log")


def counts(db_file) -> dict:
    with db.connect(db_file) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def query(db_file, sql, params=None):
    with db.connect(db_file) as con:
        return con.execute(sql, params or []).fetchall()
