"""The benchmark code keeps working: the generator at tiny scale makes a valid,
deterministic ledger, and every benchmarked operation gives the same answer
through the app, the bare-SQL floor, SQLite and the N+1 loop. Asserts results,
never timings."""
from __future__ import annotations

import json
from decimal import Decimal

import duckdb
import pytest

from bench import generate as gen
from bench.harness import run_scale
from bench.report import write_results
from khata import maintenance, repayments, reports
from khata.phones import normalize_phone
from tests.roots import OWNER, root_at


def _rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    path = tmp_path_factory.mktemp("gen") / "tiny.duckdb"
    info = gen.generate(path, "tiny", seed=11)
    return path, info


def test_generator_reports_rows_and_time(tiny):
    path, info = tiny
    sc = gen.SCALES["tiny"]
    assert info["rows"]["shops"] == sc.shops and info["rows"]["customers"] == sc.customers
    assert info["rows"]["loans"] == sc.loans and info["rows"]["repayments"] == sc.repayments
    assert info["seconds"] > 0
    counts = _rows(path, "SELECT (SELECT count(*) FROM shops), (SELECT count(*) FROM shopkeepers),"
                         " (SELECT count(*) FROM customers), (SELECT count(*) FROM loans),"
                         " (SELECT count(*) FROM repayments), (SELECT count(*) FROM reversals)")[0]
    assert counts == tuple(info["rows"][t] for t in
                           ("shops", "shopkeepers", "customers", "loans", "repayments", "reversals"))
    # the real schema: migrations ran
    assert _rows(path, "SELECT count(*) FROM schema_version")[0][0] >= 2


def test_generator_is_deterministic_by_seed(tiny, tmp_path):
    path, _ = tiny
    again = tmp_path / "again.duckdb"
    other = tmp_path / "other.duckdb"
    gen.generate(again, "tiny", seed=11)
    gen.generate(other, "tiny", seed=12)
    sql = ("SELECT loan_id, shop_id, customer_id, item, amount, issue_date, due_date, grace_days, created_at"
           " FROM loans ORDER BY loan_id")
    assert _rows(path, sql) == _rows(again, sql)
    assert _rows(path, sql) != _rows(other, sql)
    rsql = "SELECT * FROM repayments ORDER BY repayment_id"
    assert _rows(path, rsql) == _rows(again, rsql)
    csql = "SELECT customer_id, shop_id, name, phone, credit_limit FROM customers ORDER BY customer_id"
    assert _rows(path, csql) == _rows(again, csql)


def test_generated_ledger_keeps_the_rules(tiny):
    path, _ = tiny
    phones = _rows(path, "SELECT shop_id, phone FROM customers")
    assert all(normalize_phone(p) == p and p.startswith("+919") for _, p in phones)
    assert len(set(phones)) == len(phones)  # unique per shop
    assert _rows(path, "SELECT count(*) FROM loans WHERE amount <= 0 OR due_date < issue_date")[0][0] == 0
    assert _rows(path, "SELECT count(*) FROM loans WHERE amount * 100 <> floor(amount * 100)")[0][0] == 0
    over = _rows(path, "SELECT count(*) FROM loans l JOIN (SELECT loan_id, sum(amount) s FROM repayments"
                       " GROUP BY loan_id) r USING (loan_id) WHERE r.s > l.amount")[0][0]
    assert over == 0
    bad_dates = _rows(path, f"SELECT count(*) FROM repayments r JOIN loans l USING (loan_id)"
                            f" WHERE r.paid_on < l.issue_date OR r.paid_on > DATE '{gen.AS_OF}'"
                            f" OR r.shop_id <> l.shop_id OR r.customer_id <> l.customer_id")[0][0]
    assert bad_dates == 0
    assert _rows(path, "SELECT count(*) FROM customers c JOIN loans l USING (customer_id)"
                       " WHERE c.shop_id <> l.shop_id")[0][0] == 0
    kinds = dict(_rows(path, "SELECT entry_type, count(*) FROM reversals GROUP BY ALL"))
    assert kinds.get("repayment", 0) > 0 and kinds.get("loan", 0) > 0
    # reversed loans have no repayments (the app would refuse that reversal)
    assert _rows(path, "SELECT count(*) FROM reversals v JOIN repayments r ON v.entry_type = 'loan'"
                       " AND r.loan_id = v.entry_id")[0][0] == 0
    statuses = {s for (s,) in _rows(path, f"SELECT DISTINCT status FROM loan_balances_for(NULL, DATE '{gen.AS_OF}')")}
    assert statuses == {"paid", "pending", "overdue", "reversed"}


def test_services_can_append_after_generation(tiny, tmp_path):
    path = tmp_path / "append.duckdb"
    gen.generate(path, "tiny", seed=11)
    loan_id, shop_id, owed = _rows(path, f"SELECT loan_id, shop_id, outstanding FROM loan_balances_for(NULL,"
                                         f" DATE '{gen.AS_OF}') WHERE outstanding >= 5 ORDER BY loan_id LIMIT 1")[0]
    result = root_at(path).write(shop_id, OWNER, repayments.record_repayment, loan_id, amount="5.00", today=gen.AS_OF)
    assert result["loans"][loan_id]["outstanding"] == owed - Decimal("5.00")
    assert result["repayments"][0]["repayment_id"] > gen.SCALES["tiny"].repayments


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    return run_scale("tiny", quick=True, seed=5, work_dir=work, progress=False, reps=2, import_rows=300)


EXPECTED_OPS = {"connect_close", "shop_summary", "loans_overdue_page", "customers_page", "customer_statement",
                "reminders_select_due",
                "daily_selection", "record_repayment", "import_10k_customers", "analyst_export"}


def test_every_operation_runs_and_every_baseline_agrees(tiny_run):
    records = {r["operation"]: r for r in tiny_run["records"] if r["scale"] == "tiny"}
    assert set(records) == EXPECTED_OPS | {"maintenance_cluster_by_shop"}
    records.pop("maintenance_cluster_by_shop")
    for name, rec in records.items():
        assert rec["errors"] == {}, (name, rec["errors"])
        assert rec["median_ms"] > 0 and rec["p95_ms"] >= rec["median_ms"]
        assert rec["floor_median_ms"] > 0 and rec["sqlite_median_ms"] > 0
        if name != "connect_close":
            assert rec["answers_agree"] is True, (name, rec.get("disagreement"))


def test_operations_after_clustering_agree_with_the_floor(tiny_run):
    again = {r["operation"]: r for r in tiny_run["records"] if r["scale"] == "tiny+clustered"}
    assert set(again) == EXPECTED_OPS - {"import_10k_customers", "analyst_export"}
    for name, rec in again.items():
        assert rec["errors"] == {}, (name, rec["errors"])
        if name != "connect_close":
            assert rec["answers_agree"] is True, (name, rec.get("disagreement"))


def test_cluster_by_shop_keeps_every_row_and_every_answer(tmp_path):
    path = tmp_path / "cluster.duckdb"
    gen.generate(path, "tiny", seed=3)
    tables = {t: f"SELECT * FROM {t} ORDER BY ALL" for t in ("customers", "loans", "repayments", "reversals")}
    before = {t: _rows(path, sql) for t, sql in tables.items()}
    first_loans = _rows(path, "SELECT loan_id FROM loans LIMIT 20")
    summaries = {sid: root_at(path).read(sid, OWNER, reports.shop_summary, today=gen.AS_OF) for sid in (1, 2, 3)}
    info = maintenance.cluster_by_shop(root_at(path))
    assert info["loans"] == gen.SCALES["tiny"].loans and info["repayments"] == gen.SCALES["tiny"].repayments
    assert {t: _rows(path, sql) for t, sql in tables.items()} == before
    assert _rows(path, "SELECT loan_id FROM loans LIMIT 20") != first_loans  # the physical order changed
    shop_order = [s for (s,) in _rows(path, "SELECT shop_id FROM loans")]
    assert shop_order == sorted(shop_order)
    assert {sid: root_at(path).read(sid, OWNER, reports.shop_summary, today=gen.AS_OF) for sid in (1, 2,
                                                                                                   3)} == summaries


def test_summary_answer_is_the_same_four_ways_and_matches_the_ledger(tiny_run):
    answers = {r["operation"]: r["_answers"] for r in tiny_run["records"] if r["scale"] == "tiny"}["shop_summary"]
    app = answers["app"]
    assert app == answers["floor"] == answers["sqlite"] == answers["nplus1"]
    assert app["outstanding"] > 0 and app["counts"]["overdue"] > 0
    assert sum(app["aging"].values()) == app["outstanding"]
    assert app["total_issued"] - app["total_collected"] == app["outstanding"]


def test_list_pages_selection_and_statement_are_not_empty(tiny_run):
    answers = {r["operation"]: r["_answers"] for r in tiny_run["records"] if r["scale"] == "tiny"}
    assert 0 < len(answers["loans_overdue_page"]["app"]) <= 50
    assert len(answers["customers_page"]["app"]) > 0
    selection = answers["daily_selection"]["app"]
    assert selection and all(overdue > 0 for _, _, overdue, _ in selection)
    assert selection == answers["daily_selection"]["sqlite"] == answers["daily_selection"]["nplus1"]
    statement = answers["customer_statement"]["app"]
    assert statement and answers["customer_statement"]["nplus1"] == (len(statement), statement[-1][5])
    assert answers["import_10k_customers"] == {"app": 300, "floor": 300, "sqlite": 300, "nplus1": 300}


def test_results_file_has_one_record_per_operation_and_machine_info(tiny_run, tmp_path):
    out = write_results({"tiny": tiny_run}, tmp_path / "latest.json")
    data = json.loads(out.read_text())
    machine = data["runs"]["tiny"]["machine"]
    assert machine["cpu_count"] >= 1 and machine["python"] and machine["duckdb"] == duckdb.__version__
    assert len(machine["loadavg"]) == 3
    recs = [r for r in data["records"] if r["scale"] == "tiny"]
    assert {r["operation"] for r in recs} == EXPECTED_OPS | {"maintenance_cluster_by_shop"}
    recs = [r for r in recs if r["operation"] != "maintenance_cluster_by_shop"]
    for r in recs:
        for key in ("operation", "scale", "median_ms", "p95_ms", "floor_median_ms", "sqlite_median_ms"):
            assert key in r
        assert "_answers" not in r
    # a later run of another scale keeps these records
    write_results({"big": {**tiny_run, "records": [dict(r, scale="big") for r in tiny_run["records"]]}}, out)
    data = json.loads(out.read_text())
    assert {r["scale"] for r in data["records"]} == {"tiny", "tiny+clustered", "big"}
