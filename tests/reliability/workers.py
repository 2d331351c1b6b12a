"""Worker processes for the reliability tests (run as `python -m tests.reliability.workers ...`).

The kill -9 workers take a stall point (``commit:N`` or ``insert:N``): at that point the
process has a transaction open with its writes done but not committed; it prints
``in-flight`` and waits to be killed, so every kill lands in the middle of a write
instead of wherever a random sleep happens to end.
"""
import sys
import time
from decimal import Decimal

import duckdb

from khata import loans, repayments
from khata.errors import KhataError
from tests.roots import OWNER, root_at

IN_FLIGHT = "in-flight"
_real_connect = duckdb.connect


def _stall(what: str) -> None:
    print(f"{IN_FLIGHT} {what}", flush=True)
    time.sleep(600)  # the test kills us now
    raise SystemExit("not killed")


class _CountingConnection:
    """A real DuckDB connection whose commits are counted; one of them stalls."""

    commits = 0

    def __init__(self, con, stall_at):
        self._con, self._stall_at = con, stall_at

    def __getattr__(self, name):
        return getattr(self._con, name)

    def _before_commit(self):
        _CountingConnection.commits += 1
        if _CountingConnection.commits == self._stall_at:
            _stall(f"commit {self._stall_at}")

    def commit(self):
        self._before_commit()
        return self._con.commit()

    def execute(self, sql, *args, **kwargs):
        if isinstance(sql, str) and sql.strip().rstrip(";").upper() == "COMMIT":
            self._before_commit()
        return self._con.execute(sql, *args, **kwargs)


def stall_at(point: str) -> None:
    """Install the stall point in this process: ``commit:N`` stops before the N-th commit,
    ``insert:N`` right after the N-th bulk insert (the transaction half written)."""
    kind, number = point.split(":")
    number = int(number)
    if kind == "commit":
        duckdb.connect = lambda *a, **k: _CountingConnection(_real_connect(*a, **k), number)
    elif kind == "insert":
        from khata import db

        real_insert, calls = db.insert_rows, [0]

        def insert_then_maybe_stall(con, table, rows):
            inserted = real_insert(con, table, rows)
            calls[0] += 1
            if calls[0] == number:
                _stall(f"insert {number} into {table}")
            return inserted

        db.insert_rows = insert_then_maybe_stall
    else:
        raise SystemExit(f"unknown stall point {point}")


def import_stalled(point, path, csv):
    """For the kill -9 test: the real CLI import, stopped mid-transaction at ``point``."""
    from khata.cli import main

    stall_at(point)
    print("started", flush=True)
    sys.exit(main(["import", "customers", csv, "--shop", "ravi", "--db", path]))


def repay_many(path, shop_id, loan_id, count, amount):
    ok = refused = 0
    for _ in range(count):
        try:
            root_at(path).write(shop_id, OWNER, repayments.record_repayment, loan_id, amount=amount)
            ok += 1
        except KhataError:
            refused += 1
    print(f"ok={ok} refused={refused}", flush=True)


def sell_many(path, shop_id, customer_id, count, amount):
    ok = refused = 0
    for _ in range(count):
        try:
            root_at(path).write(shop_id, OWNER, loans.create_loan, customer_id, amount=amount, item="burst")
            ok += 1
        except KhataError:
            refused += 1
    print(f"ok={ok} refused={refused}", flush=True)


def repay_forever(path, shop_id, loan_id, point):
    """For the kill -9 test: tiny repayments as fast as possible; the one at ``point``
    stalls before its commit and is killed there."""
    stall_at(point)
    print("started", flush=True)
    while True:
        try:
            root_at(path).write(shop_id, OWNER, repayments.record_repayment, loan_id, amount=Decimal("0.01"))
            print("committed", flush=True)
        except KhataError:
            time.sleep(0.001)


def remind_via(path, url, day, point=None):
    """For the kill -9 test: one reminder run through the real Twilio client against a
    local fake Twilio at ``url``, stalled mid-transaction at ``point`` and killed there."""
    from datetime import UTC, date, datetime, time

    from khata import reminders
    from khata.notify.twilio_whatsapp import TwilioConfig, TwilioWhatsAppNotifier

    if point:
        stall_at(point)
    notifier = TwilioWhatsAppNotifier(TwilioConfig("AC" + "d4" * 16, "crash-token", "whatsapp:+14155238886"),
                                      base_url=url)
    print("started", flush=True)
    # the simulated day's own 8:00 (one message per customer per day of sending: days replayed
    # at one real instant would find everyone already messaged)
    eight_am = datetime.combine(date.fromisoformat(day), time(2, 30), UTC)
    reminders.run_reminders(root_at(path), today=date.fromisoformat(day), now=eight_am, notifier=notifier,
                            rate_per_s=20)
    print(f"finished after {_CountingConnection.commits} commits", flush=True)


if __name__ == "__main__":
    kind, path, shop_id, target, count, amount = (sys.argv[1:] + [None] * 6)[:6]
    if kind == "import_stalled":  # import_stalled POINT DB CSV
        import_stalled(path, shop_id, target)
    if kind == "repay":
        repay_many(path, int(shop_id), int(target), int(count), amount)
    elif kind == "sell":
        sell_many(path, int(shop_id), int(target), int(count), amount)
    elif kind == "remind":  # remind DB URL DAY [POINT]
        remind_via(path, shop_id, target, count)
    elif kind == "repay_forever":  # repay_forever DB SHOP LOAN POINT
        repay_forever(path, int(shop_id), int(target), count)
