"""Shop A using shop B's ids: exactly like ids that do not exist, and nothing changes."""
from datetime import date

import pytest

from khata import customers, loans, repayments, reports
from khata.errors import NotFound
from tests.roots import OWNER, root_at
from tests.services.helpers import counts

TODAY = date(2026, 11, 27)


@pytest.fixture
def b_data(db_file, other_shop):
    sid = other_shop["shop_id"]
    cust = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bina", phone="9876577777")
    loan = root_at(db_file).write(sid, OWNER, loans.create_loan, cust["customer_id"], amount="500", item="Dal",
                                  today=TODAY)
    pay = root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="100", today=TODAY)
    return {"customer_id": cust["customer_id"], "loan_id": loan["loan_id"],
            "repayment_id": pay["repayments"][0]["repayment_id"]}


def calls(a, ids, db_file):
    """Every service entry point that takes an id, called by shop A with shop B's id."""
    c, l, r = ids["customer_id"], ids["loan_id"], ids["repayment_id"]
    p = {}
    return {
        "get_customer": lambda: root_at(db_file).read(a, OWNER, customers.get_customer, c, **p),
        "update_customer": lambda: root_at(db_file).write(a, OWNER, customers.update_customer, c, name="Hacked", **p),
        "remove_customer": lambda: root_at(db_file).write(a, OWNER, customers.remove_customer, c, **p),
        "create_loan": lambda: root_at(db_file).write(a, OWNER, loans.create_loan, c, amount="1", item="x", **p),
        "get_loan": lambda: root_at(db_file).read(a, OWNER, loans.get_loan, l, **p),
        "list_loans_by_customer": lambda: root_at(db_file).read(a, OWNER, loans.list_loans, customer_id=c, **p),
        "reverse_loan": lambda: root_at(db_file).write(a, OWNER, loans.reverse_loan, l, reason="x", **p),
        "record_repayment": lambda: root_at(db_file).write(a, OWNER, repayments.record_repayment, l, amount="1", **p),
        "record_customer_repayment": lambda: root_at(db_file).write(a, OWNER, repayments.record_customer_repayment, c,
                                                              amount="1", **p),
        "list_repayments_by_customer": lambda: root_at(db_file).read(a, OWNER, repayments.list_repayments,
                                                                     customer_id=c, **p),
        "list_repayments_by_loan": lambda: root_at(db_file).read(a, OWNER, repayments.list_repayments, loan_id=l, **p),
        "reverse_repayment": lambda: root_at(db_file).write(a, OWNER, repayments.reverse_repayment, r, reason="x", **p),
        "customer_statement": lambda: root_at(db_file).read(a, OWNER, reports.customer_statement, c, **p),
    }


CALL_NAMES = list(calls(0, {"customer_id": 0, "loan_id": 0, "repayment_id": 0}, None))


@pytest.mark.parametrize("name", CALL_NAMES)
def test_foreign_id_is_not_found_and_changes_nothing(db_file, shop, b_data, name):
    a = shop["shop_id"]
    before = counts(db_file)
    with pytest.raises(NotFound) as foreign:
        calls(a, b_data, db_file)[name]()
    missing = {"customer_id": 999999, "loan_id": 999999, "repayment_id": 999999}
    with pytest.raises(NotFound) as absent:
        calls(a, missing, db_file)[name]()
    assert str(foreign.value) == str(absent.value)
    assert counts(db_file) == before


def test_lists_and_summaries_never_show_another_shop(db_file, shop, b_data):
    a = shop["shop_id"]
    assert root_at(db_file).read(a, OWNER, customers.list_customers) == []
    assert root_at(db_file).read(a, OWNER, loans.list_loans) == []
    assert root_at(db_file).read(a, OWNER, repayments.list_repayments)["count"] == 0
    assert root_at(db_file).read(a, OWNER, reports.shop_summary)["total_issued"] == 0
    assert root_at(db_file).read(a, OWNER, reports.top_customers_frame).empty
    assert root_at(db_file).read(a, OWNER, reports.issued_vs_collected_frame).empty


def test_unknown_shop_is_not_found(db_file, shop):
    for bad in (424242, "1 OR 1=1", None):
        with pytest.raises(NotFound):
            root_at(db_file).read(bad, OWNER, customers.list_customers)


def test_every_service_taking_an_id_is_covered_above():
    """A new service function that takes (shop_id, some_id, ...) must be added to `calls`."""
    import inspect

    from khata import customers as c
    from khata import loans as l
    from khata import repayments as p
    from khata import reports as r
    covered = {fn.split("_by_")[0] for fn in CALL_NAMES}
    missing = []
    for module in (c, l, r, p):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params[:1] == ["shop_id"] and len(params) > 1 and params[1].endswith("_id") and name not in covered:
                missing.append(f"{module.__name__}.{name}")
    assert missing == []
