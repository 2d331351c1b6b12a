"""Property tests: whatever sequence of sales, repayments and reversals a shop records,
outstanding = principal - repaid >= 0 per loan, the statement ends at the balance, and the
summary equals the sums over loan_balances and over the customer list."""
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khata import accounts, customers, db, loans, repayments, reports
from khata.errors import KhataError, NotFound
from tests.roots import OWNER, root_at

TODAY = date(2026, 11, 27)
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
action = st.one_of(
    st.tuples(st.just("sell"), st.integers(0, 2), amounts, st.integers(0, 90), st.integers(0, 40), st.integers(0, 3)),
    st.tuples(st.just("repay"), st.integers(0, 30), amounts),
    st.tuples(st.just("repay_customer"), st.integers(0, 2), amounts),
    st.tuples(st.just("reverse_loan"), st.integers(0, 30)),
    st.tuples(st.just("reverse_repayment"), st.integers(0, 60)),
    st.tuples(st.just("remove_customer"), st.integers(0, 2)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=st.lists(action, min_size=1, max_size=25))
def test_ledger_invariants_hold_for_any_sequence(tmp_path_factory, actions):
    path = tmp_path_factory.mktemp("prop") / "k.duckdb"
    sid = accounts.register_shopkeeper(root_at(path), name="P", shop_name="P", username="prop", email="p@p.in",
                                       phone="9876543210", password="Demo@1234")["shop_id"]
    cids = [root_at(path).write(sid, OWNER, customers.create_customer, name=f"C{i}", phone=f"98765000{i:02d}",
                                credit_limit="20000")["customer_id"] for i in range(3)]
    loan_ids, repayment_ids = [], []
    for act in actions:
        try:
            if act[0] == "sell":
                _, c, amount, ago, term, grace = act
                issue = TODAY - timedelta(days=ago)
                loan_ids.append(root_at(path).write(sid, OWNER, loans.create_loan, cids[c], amount=amount, item="x",
                                                    issue_date=issue, due_date=issue + timedelta(days=term),
                                                        grace_days=grace, today=TODAY)["loan_id"])
            elif act[0] == "repay" and loan_ids:
                r = root_at(path).write(sid, OWNER, repayments.record_repayment, loan_ids[act[1] % len(loan_ids)],
                                        amount=act[2], today=TODAY)
                repayment_ids += [x["repayment_id"] for x in r["repayments"]]
            elif act[0] == "repay_customer":
                r = root_at(path).write(sid, OWNER, repayments.record_customer_repayment, cids[act[1]], amount=act[2],
                                        today=TODAY)
                repayment_ids += [x["repayment_id"] for x in r["repayments"]]
            elif act[0] == "reverse_loan" and loan_ids:
                root_at(path).write(sid, OWNER, loans.reverse_loan, loan_ids[act[1] % len(loan_ids)], reason="r",
                                    today=TODAY)
            elif act[0] == "reverse_repayment" and repayment_ids:
                root_at(path).write(sid, OWNER, repayments.reverse_repayment,
                                    repayment_ids[act[1] % len(repayment_ids)], reason="r", today=TODAY)
            elif act[0] == "remove_customer":  # archived when settled, then a reversal may make them owe again
                root_at(path).write(sid, OWNER, customers.remove_customer, cids[act[1]])
        except KhataError:
            pass  # refusals are fine; they must leave the invariants intact

    with root_at(path).connect() as con:
        rows = db.rows_as_dicts(con.execute("SELECT * FROM loan_balances_for(?, ?)", [sid, TODAY]))
        live_repaid = dict(con.execute(
            "SELECT loan_id, sum(amount) FROM repayments r WHERE NOT EXISTS (SELECT 1 FROM reversals v"
            " WHERE v.entry_type = 'repayment' AND v.entry_id = r.repayment_id) GROUP BY loan_id").fetchall())
    for row in rows:
        assert row["repaid"] == live_repaid.get(row["loan_id"], 0)
        assert 0 <= row["outstanding"] <= row["principal"]
        if not row["reversed"]:
            assert row["outstanding"] == row["principal"] - row["repaid"]
        else:
            assert row["repaid"] == 0 and row["outstanding"] == 0
    summary = root_at(path).read(sid, OWNER, reports.shop_summary, today=TODAY)
    assert summary["outstanding"] == sum((r["outstanding"] for r in rows), Decimal(0))
    assert summary["total_issued"] == sum((r["principal"] for r in rows if not r["reversed"]), Decimal(0))
    assert summary["total_collected"] == sum((r["repaid"] for r in rows), Decimal(0))
    assert summary["overdue_amount"] == sum((r["outstanding"] for r in rows if r["status"] == "overdue"), Decimal(0))
    assert sum(summary["aging"].values()) == summary["outstanding"]
    assert sum(summary["counts"].values()) == len(rows)
    listed = root_at(path).read(sid, OWNER, customers.list_customers, today=TODAY)
    assert summary["outstanding"] == sum((c["outstanding"] for c in listed), Decimal(0))  # every debt on a screen
    for cid in cids:
        owed = sum((r["outstanding"] for r in rows if r["customer_id"] == cid), Decimal(0))
        try:
            statement = root_at(path).read(sid, OWNER, reports.customer_statement, cid)
        except NotFound:  # deleted: only a customer with no history at all is deleted
            assert owed == 0
            continue
        assert (statement[-1]["balance"] if statement else 0) == owed
        available = root_at(path).read(sid, OWNER, customers.get_customer, cid,
                                       include_archived=True)["available_credit"]
        assert available == max(Decimal("20000") - owed, 0)
