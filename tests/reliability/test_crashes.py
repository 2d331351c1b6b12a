"""kill -9 in the middle of a write; every time the database opens, every invariant
holds, and each unit of work is all there or not there.

Each kill lands while a transaction is in flight: the worker (``workers.py``) stops at
a chosen point with its writes done but not committed and prints ``in-flight``; the
test waits for that line, then sends SIGKILL. A worker that finishes without reaching
its stall point fails the test, so no run can pass without killing mid-write. Each
test prints how many kills landed mid-write."""
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from khata import customers, db, loans
from tests.roots import OWNER, root_at

from .workers import IN_FLIGHT

ROOT = Path(__file__).resolve().parents[2]


def _wait_for_in_flight(proc, timeout_s: float = 90) -> tuple[str, list[str]]:
    """The worker's ``in-flight`` line (and the lines before it); fails if it never comes."""
    deadline = time.monotonic() + timeout_s
    before = []
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if not ready:
            if proc.poll() is not None:
                break
            continue
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(IN_FLIGHT):
            return line.strip(), before
        before.append(line.strip())
    proc.kill()
    proc.wait()
    raise AssertionError(f"the worker never reached its stall point (exit {proc.returncode}); it said {before}")


def _kill_mid_write(proc) -> tuple[str, list[str]]:
    """SIGKILL the worker while its transaction is open; returns where it was."""
    where, before = _wait_for_in_flight(proc)
    assert proc.poll() is None, "the worker ended before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    return where, before


def _check_invariants(path, seeded_repayments: int = 0):
    """``seeded_repayments``: rows bulk-loaded by the demo, which have no audit lines."""
    with root_at(path).connect() as con:
        assert db.applied_migrations(con)[:2] == [1, 2]
        bad = con.execute("SELECT count(*) FROM loan_balances WHERE outstanding < 0 OR repaid > principal"
                          " OR outstanding <> CASE WHEN status = 'reversed' THEN 0 ELSE principal - repaid END"
                          ).fetchone()[0]
        assert bad == 0
        repayments, audits = con.execute(
            "SELECT (SELECT count(*) FROM repayments), (SELECT count(*) FROM audit_log WHERE action = 'repay')"
        ).fetchone()
        assert repayments - seeded_repayments == audits  # a repayment and its audit line commit together
        orphans = con.execute("SELECT count(*) FROM loans l LEFT JOIN customers c USING (customer_id)"
                              " WHERE c.customer_id IS NULL").fetchone()[0]
        assert orphans == 0


def test_kill_during_csv_import(db_file, shop, scale, tmp_path, record_property):
    """Killed half-way through the inserts or just before the commit, the import leaves nothing."""
    rows = 6000  # three chunks of customers, then the opening balances: four bulk inserts
    csv = tmp_path / "big.csv"
    with csv.open("w") as f:
        f.write("name,phone,opening_balance\n")
        for i in range(rows):
            f.write(f"Customer {i},+9198{i:08d},{(i % 50) + 1}.50\n")
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    points = ["insert:2", "commit:1", "insert:4", "insert:1", "insert:3"]
    random.Random(1).shuffle(points)
    mid_write = []
    for attempt in range(scale["kills"]):
        point = points[attempt % len(points)]
        proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", "import_stalled", point,
                                 str(db_file), str(csv)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
        where, _ = _kill_mid_write(proc)
        mid_write.append(where)
        _check_invariants(db_file)
        with root_at(db_file).connect() as con:
            n_customers, n_loans, n_audit = con.execute(
                "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM loans),"
                " (SELECT count(*) FROM audit_log WHERE action = 'import')").fetchone()
        assert (n_customers, n_loans, n_audit) == (0, 0, 0), (attempt, where, n_customers, n_loans)
    assert len(mid_write) == scale["kills"]
    record_property("import_kills_mid_write", len(mid_write))
    print(f"import kills: {scale['kills']}, landed mid-write: {len(mid_write)} ({', '.join(mid_write)})")


def test_kill_during_repayment_burst(db_file, shop, scale, record_property):
    """Repayments commit one by one; the one in flight at the kill is not there, every earlier one is."""
    sid = shop["shop_id"]
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha", phone="9876511111",
                                  credit_limit="100000")
    loan = root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount="50000", item="Fridge")
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    rng = random.Random(2)
    mid_write = 0
    committed_total = 0
    for _ in range(scale["kills"]):
        point = f"commit:{rng.randint(1, 40)}"
        proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", "repay_forever", str(db_file),
                                 str(sid), str(loan["loan_id"]), point], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True)
        _, said = _kill_mid_write(proc)
        mid_write += 1
        committed_total += said.count("committed")
        _check_invariants(db_file)
        with root_at(db_file).connect() as con:
            recorded = con.execute("SELECT count(*) FROM repayments").fetchone()[0]
        assert recorded == committed_total, (point, recorded, committed_total)  # all committed, none in flight
    assert mid_write == scale["kills"] and committed_total > 0
    record_property("repayment_kills_mid_write", mid_write)
    print(f"repayment kills: {scale['kills']}, landed mid-write: {mid_write}, repayments committed: {committed_total}")


def test_kill_during_reminder_run_never_sends_twice(db_file, scale, record_property):
    """kill -9 a reminder run while it talks to (a fake) Twilio; the next run of the same day
    marks what was in flight 'unknown' and sends nobody a second message."""
    from datetime import UTC, date, datetime, timedelta

    from bench.fake_twilio import FakeTwilioServer
    from khata import demo, reminders
    from khata.notify.outbox import OutboxNotifier

    seeded = demo.create_demo(root_at(db_file))["repayments"]
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    # A run of the demo shop commits five times; the 4th records the results after Twilio
    # accepted the messages (a kill there leaves them 'sending', later 'unknown'): the one
    # that could cause a second message, so it comes first.
    points = ["commit:4", "commit:3", "commit:5", "commit:2", "commit:1"]
    totals = {"kills": 0, "mid_write": 0, "sent_before_kill": 0, "unknown": 0, "duplicates": 0}
    with FakeTwilioServer(latency_s=0.05) as twilio:
        for n in range(scale["kills"]):
            day = date.today() + timedelta(days=n)
            already = len(twilio.sends())
            proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", "remind", str(db_file),
                                     twilio.url, day.isoformat(), points[n % len(points)]], cwd=ROOT, env=env,
                                    stdout=subprocess.PIPE, text=True)
            _kill_mid_write(proc)
            totals["kills"] += 1
            totals["mid_write"] += 1
            _check_invariants(db_file, seeded)
            # the next run that day, after the lease: in-flight rows become 'unknown', nothing is resent
            notifier = OutboxNotifier()
            later = datetime(day.year, day.month, day.day, 2, 35, tzinfo=UTC)  # 5 min after the killed run's 8:00
            result = reminders.run_reminders(root_at(db_file), today=day, now=later, notifier=notifier,
                                             stale_after_s=0)
            assert notifier.messages == [] or result["totals"]["selected"] >= len(notifier.messages)
            sends = [r["data"]["To"] for r in twilio.sends()[already:]]
            with root_at(db_file).connect() as con:
                rows = dict(con.execute("SELECT status, count(*) FROM reminder_outbox WHERE reminder_date = ?"
                                        " GROUP BY ALL", [day]).fetchall())
            assert "sending" not in rows and "queued" not in rows
            duplicates = len(sends) - len(set(sends))
            assert duplicates == 0
            assert rows.get("sent", 0) <= len(sends) <= rows.get("sent", 0) + rows.get("unknown", 0)
            totals["sent_before_kill"] += len(sends)
            totals["unknown"] += rows.get("unknown", 0)
    assert totals["mid_write"] == totals["kills"] == scale["kills"]
    record_property("reminder_kills", totals)
    print(f"reminder kills: {totals['kills']}, landed mid-write: {totals['mid_write']}, details: {totals}")
