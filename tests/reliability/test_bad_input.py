"""Hypothesis over every service entry point and the CSV importer: hostile input gets a
clear KhataError and nothing is stored wrongly."""
import string
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khata import accounts, customers, importer, loans, repayments
from khata.errors import KhataError
from tests.roots import OWNER, root_at

nasty_text = st.one_of(
    st.text(max_size=40), st.text(min_size=400, max_size=2000), st.just(""), st.just("   "),
    st.sampled_from(["'; DROP TABLE loans; --", "=HYPERLINK(\"http://x\",\"y\")", "+1+1", "@SUM(A1)", "\x00abc",
                     "नमस्ते दुकान", "😀" * 50, "Robert'); --", "%_%", "\\"]),
)
nasty_amount = st.one_of(
    st.sampled_from(["0", "-1", "NaN", "Infinity", "-inf", "1.234", "1e400", "99999999999999999999", "", " ",
                     "1,2,3", "₹", "0.001", "1e-3", "१००"]),
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
    st.decimals(allow_nan=True, allow_infinity=True), nasty_text,
)
nasty_date = st.one_of(
    st.sampled_from(["", "2026-02-30", "0001-01-01", "9999-12-31", "27/11/2026", "tomorrow", "2026-13-01"]),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)), nasty_text,
)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow])


@pytest.fixture
def ctx(db_file, shop):
    sid = shop["shop_id"]
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha", phone="9876511111",
                                  credit_limit="100000")
    loan = root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount="500", item="Rice")
    return {"sid": sid, "cid": cust["customer_id"], "lid": loan["loan_id"], "path": db_file}


def _snapshot(path):
    with root_at(path).connect() as con:
        return con.execute("SELECT (SELECT sum(amount) FROM loans), (SELECT coalesce(sum(amount), 0) FROM repayments),"
                           " (SELECT count(*) FROM customers)").fetchone()


def _accepts_or_refuses(fn):
    try:
        return fn()
    except KhataError as err:
        assert str(err) and "Traceback" not in str(err) and len(str(err)) < 600
        return None


def test_sales_with_hostile_input(ctx, scale):
    @settings(max_examples=scale["examples"], **SETTINGS)
    @given(amount=nasty_amount, item=nasty_text, issue=nasty_date, due=nasty_date, grace=st.one_of(
        st.integers(-10, 10**6), nasty_text))
    def run(amount, item, issue, due, grace):
        loan = _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, loans.create_loan, ctx["cid"],
                                                                      amount=amount, item=item, issue_date=issue,
                                                                          due_date=due, grace_days=grace))
        if loan is not None:
            assert loan["principal"] > 0 and loan["principal"] == loan["principal"].quantize(Decimal("0.01"))
            assert loan["due_date"] >= loan["issue_date"] and loan["item"] == item.strip()
    run()


def test_repayments_with_hostile_input(ctx, scale):
    @settings(max_examples=scale["examples"], **SETTINGS)
    @given(amount=nasty_amount, when=nasty_date, method=st.one_of(st.sampled_from(["cash", "UPI", "card"]), nasty_text),
           note=nasty_text)
    def run(amount, when, method, note):
        before = _snapshot(ctx["path"])
        result = _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, repayments.record_repayment,
                                                                        ctx["lid"], amount=amount, paid_on=when,
                                                                            method=method, note=note))
        after = _snapshot(ctx["path"])
        if result is None:
            assert after == before
        else:
            assert after[1] - before[1] == result["total"] > 0
        with root_at(ctx["path"]).connect() as con:
            assert con.execute("SELECT min(outstanding) FROM loan_balances").fetchone()[0] >= 0
    run()


def test_customers_with_hostile_input(ctx, scale):
    @settings(max_examples=scale["examples"], **SETTINGS)
    @given(name=nasty_text, phone=st.one_of(nasty_text, st.text(string.digits, min_size=8, max_size=14)),
           limit=nasty_amount, trust=st.one_of(st.integers(-5, 20), nasty_text), notes=nasty_text)
    def run(name, phone, limit, trust, notes):
        created = _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, customers.create_customer,
                                                                         name=name, phone=phone, credit_limit=limit,
                                                                             trust_score=trust, notes=notes))
        if created is not None:
            assert created["phone"].startswith("+") and 0 <= created["trust_score"] <= 10
            assert created["credit_limit"] >= 0 and created["name"] == name.strip()
            root_at(ctx["path"]).write(ctx["sid"], OWNER, customers.remove_customer, created["customer_id"])
        _accepts_or_refuses(lambda: root_at(ctx["path"]).read(ctx["sid"], OWNER, customers.list_customers, search=name))
        _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, customers.update_customer,
                                                               ctx["cid"], notes=notes))
    run()


def test_ids_and_settings_with_hostile_input(ctx, scale):
    @settings(max_examples=scale["examples"], **SETTINGS)
    @given(any_id=st.one_of(st.integers(-10**20, 10**20), nasty_text, st.none(), st.floats()), text=nasty_text)
    def run(any_id, text):
        _accepts_or_refuses(lambda: root_at(ctx["path"]).read(ctx["sid"], OWNER, customers.get_customer, any_id))
        _accepts_or_refuses(lambda: root_at(ctx["path"]).read(ctx["sid"], OWNER, loans.get_loan, any_id))
        _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, repayments.reverse_repayment, any_id,
                                                               reason=text))
        _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, accounts.update_settings,
                                                               upi_id=text))
        _accepts_or_refuses(lambda: root_at(ctx["path"]).write(ctx["sid"], OWNER, accounts.update_settings,
                                                               reminder_days=text))
    run()
    assert _snapshot(ctx["path"])[0] == Decimal("500.00")


def test_csv_importer_with_hostile_files(ctx, scale):
    cell = st.one_of(nasty_text, st.text(string.digits, min_size=10, max_size=10))

    @settings(max_examples=scale["examples"], **SETTINGS)
    @given(rows=st.lists(st.tuples(cell, cell, nasty_amount.map(str), nasty_date.map(str)), max_size=5),
           raw=st.binary(max_size=200))
    def run(rows, raw):
        before = _snapshot(ctx["path"])
        lines = ["name,phone,opening_balance,opening_due_date"] + [
            ",".join('"' + str(v).replace('"', '""') + '"' for v in row) for row in rows]
        for source in ("\n".join(lines) + "\n", raw):
            result = _accepts_or_refuses(
                lambda source=source: root_at(ctx["path"]).write(ctx["sid"], OWNER, importer.import_customers, source))
            if result is None:
                assert _snapshot(ctx["path"]) == before
            else:
                with root_at(ctx["path"]).connect() as con:  # undo for the next example
                    con.execute("DELETE FROM loans WHERE item = ?", [importer.OPENING_ITEM])
                    con.execute("DELETE FROM customers WHERE customer_id <> ?", [ctx["cid"]])
    run()
