"""Shared set-up for the reminder tests: customers, sales, the outbox as stored, one run."""
from __future__ import annotations

from datetime import UTC, date, datetime, time

from khata import accounts, customers, db, loans, reminders
from khata.notify.outbox import OutboxNotifier
from tests.roots import OWNER, root_at

TODAY = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 08:00 IST on TODAY: the run's one 'now'
PHONES = iter(f"98{n:08d}" for n in range(10000000, 10099999, 37))


def customer(shop, db_file, name="Asha Verma", **fields):
    fields.setdefault("credit_limit", "500000")
    return root_at(db_file).write(shop["shop_id"], OWNER, customers.create_customer, name=name, phone=next(PHONES),
                                  **fields)


def loan(shop, db_file, cust, amount, due, *, grace=0, issued=None):
    issued = issued or min(due, date(2026, 9, 1))
    return root_at(db_file).write(shop["shop_id"], OWNER, loans.create_loan, cust["customer_id"], amount=amount,
                                  item="Rice 5 kg", issue_date=issued, due_date=due, grace_days=grace,
                                      today=max(issued, due))


def outbox(db_file, **where):
    clause = " AND ".join(f"{k} = ?" for k in where) or "TRUE"
    with root_at(db_file).connect() as con:
        return db.rows_as_dicts(con.execute(
            f"SELECT * FROM reminder_outbox WHERE {clause} ORDER BY reminder_date, customer_id", list(where.values())))


def eight_am(day: date) -> datetime:
    """08:00 in India on ``day``: when that day's run happens (one message per customer per
    day of sending, so replaying many days needs each day's own instant)."""
    return datetime.combine(day, time(2, 30), UTC) if day else NOW


def run(db_file, shop, day, notifier=None, **kw):
    notifier = notifier or OutboxNotifier()
    kw.setdefault("now", eight_am(day))
    return reminders.run_reminders(root_at(db_file), today=day, shop=shop["username"], notifier=notifier, **kw)


def shop_name(db_file, shop):
    return root_at(db_file).read(shop["shop_id"], OWNER, accounts.get_settings)["name"]


def stored(db_file) -> tuple[list, list]:
    """Everything a run can write: the outbox and the audit trail, row by row."""
    with root_at(db_file).connect() as con:
        return (con.execute("SELECT * FROM reminder_outbox ORDER BY ALL").fetchall(),
                con.execute("SELECT * FROM audit_log ORDER BY ALL").fetchall())
