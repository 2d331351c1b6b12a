"""`python -m khata` as a person runs it: real processes, a real file on disk."""
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from khata import accounts
from tests.roots import root_at

ROOT = Path(__file__).resolve().parents[2]


def khata(*args, env_extra=None, timeout=120):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "khata", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


def table_count(path, table):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def test_init_is_idempotent(tmp_path):
    path = tmp_path / "k.duckdb"
    for _ in range(2):
        result = khata("init", "--db", str(path))
        assert result.returncode == 0, result.stderr
        assert "schema version" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()][:2] == [1, 2]
    con.close()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    result = khata("demo", "--db", str(path), "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "demo / Demo@1234" in result.stdout
    return path


def test_demo_shop_is_realistic(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] >= 60
        assert con.execute("SELECT count(*) FROM loans").fetchone()[0] >= 300
        assert con.execute("SELECT name FROM shops").fetchone()[0].lower().count("demo") >= 1
        assert con.execute("SELECT count(*) FROM customers WHERE NOT regexp_matches(phone, '^\\+91[6-9][0-9]{9}$')"
                           ).fetchone()[0] == 0
        statuses = dict(con.execute("SELECT status, count(*) FROM loan_balances GROUP BY 1").fetchall())
        assert statuses.get("paid", 0) > 0 and statuses.get("overdue", 0) > 0 and statuses.get("pending", 0) > 0
        partial = con.execute("SELECT count(*) FROM loan_balances WHERE repaid > 0 AND outstanding > 0").fetchone()[0]
        assert partial > 0
        buckets = con.execute("""SELECT count(*) FILTER (WHERE days_past_due BETWEEN 1 AND 30),
            count(*) FILTER (WHERE days_past_due BETWEEN 31 AND 60),
            count(*) FILTER (WHERE days_past_due BETWEEN 61 AND 90),
            count(*) FILTER (WHERE days_past_due > 90),
            count(*) FILTER (WHERE outstanding > 0 AND due_date BETWEEN current_date AND current_date + 7)
            FROM loan_balances""").fetchone()
        assert all(b > 0 for b in buckets), buckets
        first, last = con.execute("SELECT min(issue_date), max(issue_date) FROM loans").fetchone()
        assert (last - first).days >= 150
        over = con.execute("SELECT count(*) FROM customer_balances WHERE outstanding > credit_limit").fetchone()[0]
        assert over == 0
    finally:
        con.close()


def test_demo_is_deterministic_and_refuses_real_shops(tmp_path, demo_db):
    again = tmp_path / "again.duckdb"
    assert khata("demo", "--db", str(again), "--seed", "3").returncode == 0
    sql = "SELECT sum(amount), count(*), string_agg(item, ',' ORDER BY loan_id) FROM loans"
    a, b = (duckdb.connect(str(p), read_only=True) for p in (demo_db, again))
    assert a.execute(sql).fetchone() == b.execute(sql).fetchone()
    a.close(), b.close()
    # only-demo database: recreated
    assert khata("demo", "--db", str(again)).returncode == 0
    assert table_count(again, "shops") == 1
    accounts.register_shopkeeper(root_at(again), name="R", shop_name="Real", username="real", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    result = khata("demo", "--db", str(again))
    assert result.returncode == 1 and "real shops" in result.stderr and "Traceback" not in result.stderr
    assert table_count(again, "shops") == 2


def test_import_customers_all_or_nothing(tmp_path):
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    bad = tmp_path / "bad.csv"
    bad.write_text("name,phone,credit_limit,opening_balance\nAsha,9876500001,5000,1200\n"
                   "Bad,123,,\nDup,9876500001,,\nNeg,9876500002,,-5\n=HYPERLINK(\"x\"),9876500003,1e3x,\n")
    result = khata("import", "customers", str(bad), "--shop", "ravi", "--db", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in result.stderr
    assert "  line 2:" not in result.stderr
    assert table_count(path, "customers") == 0 and table_count(path, "loans") == 0

    good = tmp_path / "good.csv"
    good.write_text("name,phone,address,trust_score,credit_limit,notes,opening_balance,opening_due_date\n"
                    "Asha,9876500001,MG Road,8,5000,,1200.50,2026-12-15\nBob,+91 98765 00002,,,,,,\n")
    result = khata("import", "customers", str(good), "--shop", "ravi", "--db", str(path))
    assert result.returncode == 0, result.stderr
    assert "Imported 2 customers and 1 opening balances" in result.stdout
    con = duckdb.connect(str(path), read_only=True)
    assert con.execute("SELECT sum(outstanding) FROM loan_balances").fetchone()[0] == 1200.50
    con.close()
    again = khata("import", "customers", str(good), "--shop", "ravi", "--db", str(path))
    assert again.returncode == 1 and "already has the phone number" in again.stderr
    assert table_count(path, "customers") == 2


@pytest.mark.parametrize("args, message", [
    (("import", "customers", "/no/such.csv", "--shop", "ravi"), "no file"),
    (("import", "customers", "{csv}", "--shop", "nobody"), "no shopkeeper"),
    (("frobnicate",), "invalid choice"),
    (("export",), "required"),
    (("demo", "--seed", "x"), "invalid int"),
])
def test_bad_arguments_get_one_line_and_nonzero_exit(tmp_path, args, message):
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    csv = tmp_path / "c.csv"
    csv.write_text("name,phone\nA,9876500001\n")
    args = [a.replace("{csv}", str(csv)) for a in args]
    result = khata(*args, "--db", str(path)) if args[0] != "frobnicate" else khata(*args)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_unreadable_csv(tmp_path):
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    for content, message in ((b"\xff\xfe\x00binary", "UTF-8"), (b"foo,bar\n1,2\n", "needs the column"),
                             (b"name,phone\n", "no customers")):
        f = tmp_path / "x.csv"
        f.write_bytes(content)
        result = khata("import", "customers", str(f), "--shop", "ravi", "--db", str(path))
        assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_unclosed_quote_is_reported_where_it_opens(tmp_path):
    """Python's csv reader swallows the rest of the file into one cell; the person must
    be sent to the line with the stray quote, not to the end of the file."""
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    f = tmp_path / "x.csv"
    f.write_text('name,phone\nAsha,9876500001\n"Bina,9876500002\nChetan,9876500003\nDev,9876500004\n')
    result = khata("import", "customers", str(f), "--shop", "ravi", "--db", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Line 3 opens a quote" in result.stderr and "never closed" in result.stderr
    assert table_count(path, "customers") == 0

    # a quoted address with a line break is fine, and rows after it keep their own line numbers
    f.write_text('name,phone,address\nAsha,9876500001,"12 MG Road\nBengaluru"\nBina,123,\n')
    result = khata("import", "customers", str(f), "--shop", "ravi", "--db", str(path))
    assert result.returncode == 1 and "  line 4:" in result.stderr and "quote" not in result.stderr


def test_export_snapshot_is_queryable_while_the_live_file_is_busy(demo_db, tmp_path):
    out = tmp_path / "snap"
    result = khata("export", "--out", str(out), "--db", str(demo_db))
    assert result.returncode == 0, result.stderr
    for name in ("loans", "customers", "repayments", "loan_balances", "customer_balances", "daily_collections"):
        assert (out / f"{name}.parquet").is_file()
    holder = duckdb.connect(str(demo_db))  # the "app" holds the live file
    try:
        snap = duckdb.connect(str(out / "snapshot.duckdb"), read_only=True)
        live_like = holder.execute("SELECT sum(outstanding) FROM loan_balances").fetchone()[0]
        assert snap.execute("SELECT sum(outstanding) FROM loan_balances").fetchone()[0] == live_like
        parquet = snap.execute(f"SELECT count(*) FROM '{out / 'loans.parquet'}'").fetchone()[0]
        assert parquet == holder.execute("SELECT count(*) FROM loans").fetchone()[0]
        snap.close()
    finally:
        holder.close()


HOLDER = """
import duckdb, sys, time
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


@pytest.fixture
def csv_and_db(tmp_path):
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    csv = tmp_path / "c.csv"
    csv.write_text("name,phone\nAsha,9876500001\n")
    return path, csv


def test_cli_write_waits_for_another_process_then_succeeds(csv_and_db):
    path, csv = csv_and_db
    holder = _hold(path, 2.5)
    started = time.monotonic()
    result = khata("import", "customers", str(csv), "--shop", "ravi", "--db", str(path),
                   env_extra={"KHATA_LOCK_TIMEOUT": "30"})
    waited = time.monotonic() - started
    holder.wait()
    assert result.returncode == 0, result.stderr
    assert waited >= 1.5  # it really waited for the other process
    assert table_count(path, "customers") == 1


def test_cli_write_gives_up_with_clear_message_and_changes_nothing(csv_and_db):
    path, csv = csv_and_db
    holder = _hold(path, 8)
    try:
        result = khata("import", "customers", str(csv), "--shop", "ravi", "--db", str(path),
                       env_extra={"KHATA_LOCK_TIMEOUT": "1.5"})
    finally:
        holder.wait()
    assert result.returncode == 1
    assert "open in another program" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert table_count(path, "customers") == 0


def test_no_connection_is_kept_between_units_of_work(tmp_path):
    """After a service call returns, another process can open the file at once."""
    path = tmp_path / "k.duckdb"
    accounts.register_shopkeeper(root_at(path), name="R", shop_name="R", username="ravi", email="r@r.in",
                                 phone="9876543210", password="Demo@1234")
    shop_count = root_at(path).on_connection(lambda con: con.execute("SELECT count(*) FROM shops").fetchone()[0])
    assert shop_count == 1
    # The probe waits for nothing (lock timeout 0): one failed attempt to open would raise DatabaseBusy.
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from khata import db; from khata.root import Root\n"
         "with Root(sys.argv[1]).connect(lock_timeout=0) as con: con.execute('SELECT 1')\n"
         "print(db.lock_stats['retries'])", str(path)],
        capture_output=True, text=True, timeout=60)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "0"
