"""kill -9 in the middle of a burst of writes; every time the database opens, every
invariant holds, and each unit of work is all there or not there."""
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from khata import customers, db, loans

ROOT = Path(__file__).resolve().parents[2]


def _check_invariants(path, seeded_repayments: int = 0):
    """``seeded_repayments``: rows bulk-loaded by the demo, which have no audit lines."""
    with db.connect(path) as con:
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
    rows = 6000
    csv = tmp_path / "big.csv"
    with csv.open("w") as f:
        f.write("name,phone,opening_balance\n")
        for i in range(rows):
            f.write(f"Customer {i},+9198{i:08d},{(i % 50) + 1}.50\n")
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    rng = random.Random(1)
    outcomes = {"all": 0, "none": 0}
    for attempt in range(scale["kills"]):
        with db.connect(db_file) as con:
            con.execute("DELETE FROM loans; DELETE FROM customers; DELETE FROM audit_log WHERE action = 'import'")
        proc = subprocess.Popen([sys.executable, "-m", "khata", "import", "customers", str(csv), "--shop", "ravi",
                                 "--db", str(db_file)], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.8, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_invariants(db_file)
        with db.connect(db_file) as con:
            n_customers, n_loans = con.execute(
                "SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM loans)").fetchone()
        assert (n_customers, n_loans) in ((0, 0), (rows, rows)), (attempt, n_customers, n_loans)
        outcomes["all" if n_customers else "none"] += 1
    record_property("import_kills", outcomes)
    print(f"import kills: {outcomes}")


def test_kill_during_repayment_burst(db_file, shop, scale, record_property):
    sid = shop["shop_id"]
    cust = customers.create_customer(sid, name="Asha", phone="9876511111", credit_limit="100000", path=db_file)
    loan = loans.create_loan(sid, cust["customer_id"], amount="50000", item="Fridge", path=db_file)
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    rng = random.Random(2)
    recorded = []
    for _ in range(scale["kills"]):
        proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", "repay_forever", str(db_file),
                                 str(sid), str(loan["loan_id"])], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                text=True)
        assert proc.stdout.readline().strip() == "started"
        time.sleep(rng.uniform(0.3, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_invariants(db_file)
        with db.connect(db_file) as con:
            recorded.append(con.execute("SELECT count(*) FROM repayments").fetchone()[0])
    assert recorded == sorted(recorded) and recorded[-1] > 0  # nothing committed was lost
    record_property("repayments_committed_before_kills", recorded[-1])
    print(f"repayment kills: {scale['kills']}, repayments committed: {recorded[-1]}")


def test_kill_during_reminder_run_never_sends_twice(db_file, scale, record_property):
    """kill -9 a reminder run while it talks to (a fake) Twilio; the next run of the same day
    marks what was in flight 'unknown' and sends nobody a second message."""
    from datetime import date, timedelta

    from bench.fake_twilio import FakeTwilioServer
    from khata import demo, reminders
    from khata.notify.outbox import OutboxNotifier

    seeded = demo.create_demo(path=db_file)["repayments"]
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
    rng = random.Random(3)
    totals = {"kills": 0, "sent_before_kill": 0, "unknown": 0, "duplicates": 0}
    with FakeTwilioServer(latency_s=0.05) as twilio:
        for n in range(scale["kills"]):
            day = date.today() + timedelta(days=n)
            already = len(twilio.sends())
            proc = subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", "remind", str(db_file),
                                     twilio.url, day.isoformat()], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                    text=True)
            assert proc.stdout.readline().strip() == "started"
            time.sleep(rng.uniform(0.5, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            totals["kills"] += 1
            _check_invariants(db_file, seeded)
            # the next run that day, after the lease: in-flight rows become 'unknown', nothing is resent
            notifier = OutboxNotifier()
            result = reminders.run_reminders(today=day, notifier=notifier, stale_after_s=0, path=db_file)
            assert notifier.messages == [] or result["totals"]["selected"] >= len(notifier.messages)
            sends = [r["data"]["To"] for r in twilio.sends()[already:]]
            with db.connect(db_file) as con:
                rows = dict(con.execute("SELECT status, count(*) FROM reminder_outbox WHERE reminder_date = ?"
                                        " GROUP BY ALL", [day]).fetchall())
            assert "sending" not in rows and "queued" not in rows
            duplicates = len(sends) - len(set(sends))
            assert duplicates == 0
            assert rows.get("sent", 0) <= len(sends) <= rows.get("sent", 0) + rows.get("unknown", 0)
            totals["sent_before_kill"] += len(sends)
            totals["unknown"] += rows.get("unknown", 0)
    record_property("reminder_kills", totals)
    print(f"reminder kills: {totals}")
