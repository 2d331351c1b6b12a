"""`python -m khata backup` while writes go on, then `restore`: row for row the same."""
import os
import subprocess
import sys
import threading
from pathlib import Path

from khata import customers, demo, loans, repayments
from tests.roots import OWNER, root_at

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("shops", "shopkeepers", "customers", "loans", "repayments", "reversals", "audit_log", "idempotency_keys")


def _rows(path, table):
    with root_at(path).connect() as con:
        return con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()


def test_backup_during_writes_and_restore_round_trip(db_file, tmp_path):
    demo.create_demo(root_at(db_file))
    sid = root_at(db_file).on_connection(lambda con: con.execute("SELECT shop_id FROM shops").fetchone()[0])
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Writer", phone="9876599999",
                                  credit_limit="100000")
    loan = root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount="10000", item="x")
    stop = threading.Event()

    def keep_writing():
        while not stop.is_set():
            root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="1")

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        env = {**os.environ, "KHATA_LOCK_TIMEOUT": "60"}
        result = subprocess.run([sys.executable, "-m", "khata", "backup", "--out", str(tmp_path / "bk"),
                                 "--db", str(db_file)], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    backup_file = tmp_path / "bk" / "khata-backup.duckdb"
    backed_up = {t: _rows(backup_file, t) for t in TABLES}
    # consistent: every repayment in the backup has its audit line
    writes = [r for r in backed_up["repayments"] if r[3] == loan["loan_id"]]
    assert len([r for r in backed_up["audit_log"] if r[4] == "repay"]) == len(writes)

    # the book moves on, then is restored
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="5")
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="After", phone="9876588888")
    assert _rows(db_file, "customers") != backed_up["customers"]
    result = subprocess.run([sys.executable, "-m", "khata", "restore", str(tmp_path / "bk"), "--db", str(db_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for table in TABLES:
        assert _rows(db_file, table) == backed_up[table], table
    # ids continue after the restored ones
    again = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Next", phone="9876577777")
    assert again["customer_id"] > max(r[0] for r in backed_up["customers"])


def test_restore_refuses_what_is_not_a_backup(db_file, tmp_path):
    (tmp_path / "empty").mkdir()
    result = subprocess.run([sys.executable, "-m", "khata", "restore", str(tmp_path / "empty"), "--db", str(db_file)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "no backup" in result.stderr
