"""The three processes of the contention test. Each runs for a number of seconds on one
database and prints one JSON line: operations, refusals, lock retries, longest wait, and
what it wrote (so the test can check nothing was lost)."""
import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from khata import accounts, db, principals
from khata.errors import DatabaseBusy, KhataError
from tests.roots import OWNER, root_at

ROOT = Path(__file__).resolve().parents[2]


def app_worker(path: str, seconds: float) -> dict:
    """The shopkeeper app: AppTest renders pages (reads) and the repayment form's service call (writes)."""
    from khata import customers, repayments
    from tests.pages.conftest import app as logged_in_app

    keeper = accounts.get_shopkeeper(root_at(path), "demo")
    sid = keeper["shop_id"]
    ops = refused = 0
    written = []
    pages = ["overview.py", "customers.py", "loans.py", "repayments.py"]
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        at = logged_in_app("demo", path)
        at.run()
        at.switch_page(f"dashboard/app_pages/{pages[i % len(pages)]}").run()
        if at.exception:
            raise SystemExit(f"page {pages[i % len(pages)]} failed: {at.exception}")
        ops += 1
        owing = root_at(path).read(sid, OWNER, customers.list_customers, sort="outstanding", descending=True, limit=5)
        target = owing[i % len(owing)]
        try:
            result = root_at(path).write(sid, principals.owner("demo"), repayments.record_customer_repayment,
                                         target["customer_id"], amount="1.00", idempotency_key=f"contention-{i}")
            written += [r["repayment_id"] for r in result["repayments"]]
            ops += 1
        except KhataError:
            refused += 1
        i += 1
    return {"ops": ops, "refused": refused, "repayment_ids": written}


def flow_worker(path: str, seconds: float) -> dict:
    """The reminder flow's core, once per simulated day, without Twilio (rows recorded 'simulated')."""
    from khata.notify.outbox import OutboxNotifier
    from khata.reminders import run_reminders

    ops = refused = 0
    days = []
    deadline = time.monotonic() + seconds
    day = date.today() + timedelta(days=1)
    while time.monotonic() < deadline:
        try:
            eight_am = datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)  # the simulated day's 8:00 IST
            result = run_reminders(root_at(path), today=day, now=eight_am, notifier=OutboxNotifier())
            days.append([day.isoformat(), result["totals"]["simulated"]])
            ops += 1
        except DatabaseBusy:
            refused += 1
        day += timedelta(days=1)
    return {"ops": ops, "refused": refused, "days": days}


def cli_worker(path: str, seconds: float, workdir: str) -> dict:
    """The CLI: imports of small customer files and analyst exports."""
    from khata.cli import main

    ops = refused = 0
    imported = []
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        csv = Path(workdir) / f"batch{n}.csv"
        phones = [f"+9170{n:04d}{k:04d}" for k in range(20)]
        csv.write_text("name,phone,opening_balance\n" + "".join(f"Import {n}-{k},{p},10\n"
                                                               for k, p in enumerate(phones)))
        if main(["import", "customers", str(csv), "--shop", "demo", "--db", path]) == 0:
            imported += phones
            ops += 1
        else:
            refused += 1
        if n % 5 == 0:
            ops += main(["export", "--out", str(Path(workdir) / "export"), "--db", path]) == 0
        n += 1
    return {"ops": ops, "refused": refused, "imported_phones": imported}


if __name__ == "__main__":
    kind, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    started = time.monotonic()
    if kind == "app":
        report = app_worker(path, seconds)
    elif kind == "flow":
        report = flow_worker(path, seconds)
    else:
        report = cli_worker(path, seconds, sys.argv[4])
    report.update(kind=kind, lock_retries=db.lock_stats["retries"],
                  longest_wait_s=round(db.lock_stats["longest_wait_s"], 3),
                  conflict_retries=db.lock_stats["conflict_retries"], elapsed_s=round(time.monotonic() - started, 1))
    print(json.dumps(report), flush=True)
