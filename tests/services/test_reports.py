"""Read models: the shop summary and statements agree with the ledger."""
from datetime import timedelta
from decimal import Decimal

from khata import customers, repayments, reports
from tests.roots import OWNER, root_at
from tests.services.helpers import TODAY, sell


def test_summary_and_aging_buckets(db_file, sid, asha):
    root_at(db_file).write(sid, OWNER, customers.update_customer, asha["customer_id"], credit_limit="100000")
    for days_past, amount in ((0, "100"), (5, "200"), (40, "300"), (70, "400"), (120, "500")):
        due = TODAY - timedelta(days=days_past)
        sell(db_file, sid, asha["customer_id"], amount, issue_date=due - timedelta(days=10), due_date=due)
    paid = sell(db_file, sid, asha["customer_id"], "1000", issue_date=TODAY - timedelta(days=20),
                due_date=TODAY - timedelta(days=5))
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, paid["loan_id"], amount="1000",
                           paid_on=TODAY - timedelta(days=8), today=TODAY)
    s = root_at(db_file).read(sid, OWNER, reports.shop_summary, today=TODAY)
    assert s["total_issued"] == Decimal("2500.00") and s["total_collected"] == Decimal("1000.00")
    assert s["outstanding"] == Decimal("1500.00") and s["overdue_amount"] == Decimal("1400.00")
    assert s["aging"] == {"current": Decimal("100.00"), "1-30": Decimal("200.00"), "31-60": Decimal("300.00"),
                          "61-90": Decimal("400.00"), "90+": Decimal("500.00")}
    assert s["counts"] == {"pending": 1, "paid": 1, "overdue": 4, "reversed": 0}
    assert s["collection_rate"] == Decimal("0.4000") and s["avg_days_to_repay"] == Decimal("12.0")
    assert s["avg_repayment"] == Decimal("1000.00") and s["customers_overdue"] == 1


def test_new_shop_summary_is_all_zero(db_file, sid):
    s = root_at(db_file).read(sid, OWNER, reports.shop_summary)
    assert s["outstanding"] == 0 and s["collection_rate"] == 0 and s["avg_days_to_repay"] is None


def test_days_to_repay_bins_count_paid_sales_in_equal_bins(db_file, sid, asha):
    assert root_at(db_file).read(sid, OWNER, reports.days_to_repay_bins, today=TODAY).empty
    root_at(db_file).write(sid, OWNER, customers.update_customer, asha["customer_id"], credit_limit="100000")
    for days in (0, 3, 3, 59):  # repaid after 0, 3, 3 and 59 days
        sale = sell(db_file, sid, asha["customer_id"], "100", issue_date=TODAY - timedelta(days=90),
                    due_date=TODAY)
        root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="100",
                               paid_on=TODAY - timedelta(days=90 - days), today=TODAY)
    sell(db_file, sid, asha["customer_id"], "100")  # not repaid: not counted
    bins = root_at(db_file).read(sid, OWNER, reports.days_to_repay_bins, today=TODAY)
    # 60 days over 30 bins: 2 days a bin, empty bins included so the axis has no gaps
    assert len(bins) == 30 and list(bins["days"][:3]) == ["0-1", "2-3", "4-5"] and bins["days"].iloc[-1] == "58-59"
    assert list(bins["sales"][:3]) == [1, 2, 0] and bins["sales"].iloc[-1] == 1 and bins["sales"].sum() == 4
    few = root_at(db_file).read(sid, OWNER, reports.days_to_repay_bins, bins=100, today=TODAY)
    assert list(few["days"][:4]) == ["0", "1", "2", "3"] and few["sales"].sum() == 4


def test_overview_read_model_equals_each_view_and_leaves_nothing_behind(tmp_path):
    """reports.overview computes the balances once; every part must equal its own view, on the
    demo shop (and with a customer archived after settling, and another shop in the file)."""
    from khata import demo
    path = tmp_path / "demo.duckdb"
    demo.create_demo(root_at(path))
    settled = next(c for c in root_at(path).read(1, OWNER, customers.list_customers) if c["outstanding"] == 0
                   and c["last_activity"] is not None)
    root_at(path).write(1, OWNER, customers.remove_customer, settled["customer_id"])
    with root_at(path).unit(1, OWNER) as unit:
        model = reports.overview(unit)
        assert model["summary"] == reports.shop_summary(unit)
        assert model["top"].equals(reports.top_customers_frame(unit, n=10))
        assert model["expected"].equals(reports.expected_collections_frame(unit, weeks=8))
        assert model["days_to_repay"].equals(reports.days_to_repay_bins(unit))
        assert len(model["top"]) == 10 and model["summary"]["outstanding"] > 0
        assert unit.con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
    with root_at(path).connect() as con:  # nothing was written to the file
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'overview_balances'"
                           ).fetchone()[0] == 0


def test_customers_overdue_counts_each_customer_once(db_file, sid, asha):
    bob = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bob", phone="9876522222")
    chetan = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Chetan", phone="9876533333")
    late = TODAY - timedelta(days=3)
    for cid in (asha["customer_id"], asha["customer_id"], bob["customer_id"]):
        sell(db_file, sid, cid, "100", issue_date=late - timedelta(days=10), due_date=late)
    sell(db_file, sid, chetan["customer_id"], "100")  # owes, but not overdue
    s = root_at(db_file).read(sid, OWNER, reports.shop_summary, today=TODAY)
    assert s["customers_overdue"] == 2 and s["counts"]["overdue"] == 3
