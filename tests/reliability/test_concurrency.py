"""8 threads and 2 processes writing to one loan / one credit limit at the same time."""
import os
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

from khata import customers, loans, repayments
from khata.errors import CreditLimitExceeded, KhataError, Overpayment
from tests.roots import OWNER, root_at

ROOT = Path(__file__).resolve().parents[2]


def _spawn(kind, path, shop_id, target, count, amount):
    env = {**os.environ, "KHATA_LOCK_TIMEOUT": "120"}
    return subprocess.Popen([sys.executable, "-m", "tests.reliability.workers", kind, str(path), str(shop_id),
                             str(target), str(count), str(amount)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            text=True)


def _parse(line):
    parts = dict(p.split("=") for p in line.split())
    return int(parts["ok"]), int(parts["refused"])


def _run_threads(n, fn):
    results, lock = [], threading.Lock()

    def worker():
        local = fn()
        with lock:
            results.append(local)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_repayments_on_one_loan_from_threads_and_processes(db_file, shop, scale, record_property):
    sid = shop["shop_id"]
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha", phone="9876511111",
                                  credit_limit="100000")
    per_worker = scale["payments_per_worker"]
    workers = scale["threads"] + scale["processes"]
    amount = Decimal("7.00")
    # the loan can take only about 70% of all attempts, so some must be refused
    principal = amount * int(workers * per_worker * 0.7)
    loan = root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount=principal, item="TV")

    procs = [_spawn("repay", db_file, sid, loan["loan_id"], per_worker, amount) for _ in range(scale["processes"])]

    def thread_work():
        ok = refused = 0
        for _ in range(per_worker):
            try:
                root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount=amount)
                ok += 1
            except Overpayment as err:
                assert "is owed" in str(err) or "fully paid" in str(err)
                refused += 1
        return ok, refused

    thread_results = _run_threads(scale["threads"], thread_work)
    proc_results = [_parse(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in procs]
    ok = sum(r[0] for r in thread_results + proc_results)
    refused = sum(r[1] for r in thread_results + proc_results)
    assert ok + refused == workers * per_worker
    with root_at(db_file).connect() as con:
        rows, repaid = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM repayments").fetchone()
        audits = con.execute("SELECT count(*) FROM audit_log WHERE action = 'repay'").fetchone()[0]
    assert rows == ok == audits  # no repayment lost, none recorded twice
    assert repaid == amount * ok <= principal  # never above the principal
    assert repaid == principal  # the loan was filled exactly: refusals only once it was full
    record_property("attempts", workers * per_worker)
    record_property("refused", refused)


def test_sales_against_one_credit_limit(db_file, shop, scale):
    sid = shop["shop_id"]
    limit = Decimal("1000.00")
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha", phone="9876511111",
                                  credit_limit=limit)
    per_worker = scale["payments_per_worker"]
    amount = Decimal("30.00")
    procs = [_spawn("sell", db_file, sid, cust["customer_id"], per_worker, amount) for _ in range(scale["processes"])]

    def thread_work():
        ok = refused = 0
        for _ in range(per_worker):
            try:
                root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount=amount, item="burst")
                ok += 1
            except CreditLimitExceeded as err:
                assert "more on credit" in str(err)
                refused += 1
        return ok, refused

    thread_results = _run_threads(scale["threads"], thread_work)
    proc_results = [_parse(p.communicate(timeout=300)[0].strip().splitlines()[-1]) for p in procs]
    ok = sum(r[0] for r in thread_results + proc_results)
    with root_at(db_file).connect() as con:
        count, total = con.execute("SELECT count(*), coalesce(sum(amount), 0) FROM loans").fetchone()
    assert count == ok
    assert total <= limit  # the limit is never exceeded
    assert total == amount * min(ok, int(limit // amount))
    assert limit - total < amount  # and it was used up as far as whole sales fit


def test_refusal_under_load_is_a_clear_khata_error(db_file, shop):
    sid = shop["shop_id"]
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha", phone="9876511111",
                                  credit_limit="10")
    errors = _run_threads(8, lambda: _try(lambda: root_at(db_file).write(sid, OWNER, loans.create_loan,
                                                                         cust["customer_id"], amount="6", item="x")))
    assert sorted(e is None for e in errors) == [False] * 7 + [True]
    assert all(isinstance(e, KhataError) for e in errors if e is not None)


def _try(fn):
    try:
        fn()
        return None
    except Exception as err:  # noqa: BLE001 - we inspect the type
        return err


HOLD = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('holding', flush=True); time.sleep(2)"


def test_threads_waiting_for_another_process_all_get_in(db_file, shop):
    """12 threads (Streamlit sessions) wait on a file held by another process; when it is
    released they all open it at once. None may fail ('Unique file handle conflict')."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db_file)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "holding"
    errors = _run_threads(12,
                          lambda: _try(lambda: [root_at(db_file).on_connection(
                              lambda con: con.execute("SELECT count(*) FROM shops").fetchone()) for _ in range(5)]))
    holder.wait()
    assert [e for e in errors if e is not None] == []
