"""Repayments: per sale and per customer, reversal, and every refusal, checked on disk."""
from datetime import timedelta
from decimal import Decimal

import pytest

from khata import customers, loans, principals, repayments, reports
from khata.errors import Conflict, Overpayment, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import TODAY, counts, query, sell


def test_repayment_updates_loan_and_available_credit_at_once(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "1000")
    result = root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="400",
                                    method="UPI", note="gpay", today=TODAY)
    assert result["loans"][loan["loan_id"]]["outstanding"] == Decimal("600.00")
    assert root_at(db_file).read(sid, OWNER, customers.get_customer,
                                 asha["customer_id"])["available_credit"] == Decimal("4400.00")
    result = root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="600", today=TODAY)
    assert result["loans"][loan["loan_id"]]["status"] == "paid"


@pytest.mark.parametrize("kw, error, message", [
    ({"amount": "1000.01"}, Overpayment, "Only ₹1,000.00 is owed"),
    ({"amount": "-5"}, ValidationError, "more than ₹0"),
    ({"amount": "5", "method": "cheque"}, ValidationError, "cash, upi, card, other"),
    ({"amount": "5", "paid_on": TODAY + timedelta(days=1)}, ValidationError, "future"),
    ({"amount": "5", "paid_on": TODAY - timedelta(days=1)}, ValidationError, "before the sale"),
])
def test_repayment_refusals(db_file, sid, asha, kw, error, message):
    loan = sell(db_file, sid, asha["customer_id"], "1000")
    before = counts(db_file)
    with pytest.raises(error, match=message):
        root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], today=TODAY, **kw)
    assert counts(db_file) == before


def test_customer_repayment_settles_oldest_due_first(db_file, sid, asha):
    late = sell(db_file, sid, asha["customer_id"], "300", issue_date=TODAY - timedelta(days=5),
                due_date=TODAY + timedelta(days=20))
    early = sell(db_file, sid, asha["customer_id"], "200", issue_date=TODAY - timedelta(days=2),
                 due_date=TODAY + timedelta(days=3))
    result = root_at(db_file).write(sid, OWNER, repayments.record_customer_repayment, asha["customer_id"],
                                    amount="250", today=TODAY, idempotency_key="c1")
    assert result["total"] == Decimal("250.00")
    assert result["loans"][early["loan_id"]]["status"] == "paid"
    assert result["loans"][late["loan_id"]]["outstanding"] == Decimal("250.00")
    with pytest.raises(Overpayment, match="owes only ₹250.00"):
        root_at(db_file).write(sid, OWNER, repayments.record_customer_repayment, asha["customer_id"], amount="251",
                               today=TODAY)
    again = root_at(db_file).write(sid, OWNER, repayments.record_customer_repayment, asha["customer_id"], amount="250",
                                   today=TODAY, idempotency_key="c1")
    assert again["total"] == Decimal("250.00") and query(db_file, "SELECT count(*) FROM repayments")[0][0] == 2


def test_history_filters_totals_and_reversal(db_file, sid, asha):
    bob = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bob", phone="9876522222")
    a = sell(db_file, sid, asha["customer_id"], "500", issue_date=TODAY - timedelta(days=10))
    b = sell(db_file, sid, bob["customer_id"], "500", issue_date=TODAY - timedelta(days=10))
    r1 = root_at(db_file).write(sid, OWNER, repayments.record_repayment, a["loan_id"], amount="100",
                                paid_on=TODAY - timedelta(days=5), today=TODAY)["repayments"][0]
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, b["loan_id"], amount="50", today=TODAY)
    everything = root_at(db_file).read(sid, OWNER, repayments.list_repayments)
    assert everything["total"] == Decimal("150.00") and everything["count"] == 2
    assert root_at(db_file).read(sid, OWNER, repayments.list_repayments,
                                 customer_id=bob["customer_id"])["total"] == Decimal("50.00")
    assert root_at(db_file).read(sid, OWNER, repayments.list_repayments,
                                 date_to=TODAY - timedelta(days=1))["count"] == 1
    reversed_ = root_at(db_file).write(sid, OWNER, repayments.reverse_repayment, r1["repayment_id"],
                                       reason="Wrong customer", today=TODAY)
    assert reversed_["reversed"] and reversed_["reversal_reason"] == "Wrong customer"
    assert root_at(db_file).read(sid, OWNER, repayments.list_repayments)["total"] == Decimal("50.00")
    assert root_at(db_file).read(sid, OWNER, loans.get_loan, a["loan_id"])["outstanding"] == Decimal("500.00")
    with pytest.raises(Conflict):
        root_at(db_file).write(sid, OWNER, repayments.reverse_repayment, r1["repayment_id"], reason="again")


def test_every_change_is_audited(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "100", actor="ravi")
    pay = root_at(db_file).write(sid, principals.owner("ravi"), repayments.record_repayment, loan["loan_id"],
                                 amount="10", today=TODAY)
    root_at(db_file).write(sid, principals.owner("ravi"), repayments.reverse_repayment,
                           pay["repayments"][0]["repayment_id"], reason="oops")
    root_at(db_file).write(sid, principals.owner("ravi"), customers.update_customer, asha["customer_id"], notes="VIP")
    actions = query(db_file, "SELECT action, entity FROM audit_log WHERE shop_id = ? ORDER BY audit_id", [sid])
    assert ("create", "customer") in actions and ("create", "loan") in actions
    assert ("repay", "repayment") in actions and ("reverse", "repayment") in actions and ("edit", "customer") in actions
    assert query(db_file, "SELECT count(*) FROM audit_log WHERE actor IS NULL AND action <> 'create'")[0][0] == 0


def test_reversing_a_repayment_of_an_archived_customer_brings_them_back(db_file, sid, asha):
    """Issue 9.2: the debt a reversal creates is on every screen, not only in the summary."""
    sale = sell(db_file, sid, asha["customer_id"], "300")
    paid = root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="300", today=TODAY)
    assert root_at(db_file).write(sid, OWNER, customers.remove_customer, asha["customer_id"]) == "archived"
    assert root_at(db_file).read(sid, OWNER, customers.list_customers, today=TODAY) == []
    root_at(db_file).write(sid, principals.owner("ravi"), repayments.reverse_repayment,
                           paid["repayments"][0]["repayment_id"], reason="bounced cheque", today=TODAY)
    listed = root_at(db_file).read(sid, OWNER, customers.list_customers, today=TODAY)
    assert [(c["name"], c["outstanding"]) for c in listed] == [("Asha Patel", Decimal("300.00"))]
    summary = root_at(db_file).read(sid, OWNER, reports.shop_summary, today=TODAY)
    assert summary["outstanding"] == Decimal("300.00")
    again = root_at(db_file).write(sid, OWNER, repayments.record_customer_repayment, asha["customer_id"], amount="300",
                                   today=TODAY)  # paying it works: the customer exists again
    assert again["total"] == Decimal("300.00")
    assert query(db_file, "SELECT action FROM audit_log WHERE entity = 'customer' AND action = 'unarchive'")


def test_a_reversal_that_would_clash_on_the_phone_is_refused_and_changes_nothing(db_file, sid, asha):
    sale = sell(db_file, sid, asha["customer_id"], "100")
    paid = root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="100", today=TODAY)
    root_at(db_file).write(sid, OWNER, customers.remove_customer, asha["customer_id"])
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="New Asha", phone="98765 11111")
    before = counts(db_file)
    with pytest.raises(Conflict, match="another customer now has the phone number"):
        root_at(db_file).write(sid, OWNER, repayments.reverse_repayment, paid["repayments"][0]["repayment_id"],
                               reason="x", today=TODAY)
    assert counts(db_file) == before


def test_payment_dates_after_today_are_refused(db_file, sid, asha):
    sale = sell(db_file, sid, asha["customer_id"], "100")
    with pytest.raises(ValidationError, match="in the future"):
        root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="10",
                               paid_on="2199-12-31", today=TODAY)


def _as_the_ledger_shows(db_file, sid, result):
    """The same repayments and sales read back from the book after the commit."""
    rows = [root_at(db_file).read(sid, OWNER, repayments.repayment_row, r["repayment_id"], today=TODAY)
            for r in result["repayments"]]
    sales = {loan_id: root_at(db_file).read(sid, OWNER, loans.loan_row, loan_id, today=TODAY)
             for loan_id in result["loans"]}
    return {"repayments": rows, "total": sum((r["amount"] for r in rows), Decimal("0.00")), "loans": sales}


@pytest.mark.parametrize("amount, paid_days_ago", [("100", 0), ("1000", 0), ("250.50", 3)])
def test_what_a_repayment_returns_is_what_the_ledger_then_shows(db_file, sid, asha, amount, paid_days_ago):
    # the service builds its answer from the sale before the payment and what it wrote (no read-back);
    # an overdue sale, part paid earlier, paid in part or in full, on an earlier date than its last payment
    loan = sell(db_file, sid, asha["customer_id"], "1500", issue_date=TODAY - timedelta(days=40),
                due_date=TODAY - timedelta(days=10), grace_days=2)
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="500",
                           paid_on=TODAY - timedelta(days=1), today=TODAY)
    result = root_at(db_file).write(sid, principals.staff("asha_staff"), repayments.record_repayment, loan["loan_id"],
                                    amount=amount, paid_on=TODAY - timedelta(days=paid_days_ago), method="upi",
                                    note="gpay <b>", today=TODAY, idempotency_key=f"k{amount}")
    assert result == _as_the_ledger_shows(db_file, sid, result)
    sale = result["loans"][loan["loan_id"]]
    assert sale["status"] == ("paid" if amount == "1000" else "overdue")
    assert sale["days_past_due"] == (0 if amount == "1000" else 8)
    again = root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount=amount,
                                   today=TODAY, idempotency_key=f"k{amount}")
    assert again["repayments"] == result["repayments"]


def test_what_a_customer_repayment_returns_is_what_the_ledger_then_shows(db_file, sid, asha):
    first = sell(db_file, sid, asha["customer_id"], "300", issue_date=TODAY - timedelta(days=30),
                 due_date=TODAY - timedelta(days=5))
    second = sell(db_file, sid, asha["customer_id"], "200", issue_date=TODAY - timedelta(days=2),
                  due_date=TODAY + timedelta(days=3))
    third = sell(db_file, sid, asha["customer_id"], "400", issue_date=TODAY - timedelta(days=1),
                 due_date=TODAY + timedelta(days=9))
    result = root_at(db_file).write(sid, OWNER, repayments.record_customer_repayment, asha["customer_id"],
                                    amount="450", today=TODAY)
    assert set(result["loans"]) == {first["loan_id"], second["loan_id"]} and third["loan_id"]
    assert result == _as_the_ledger_shows(db_file, sid, result)
    assert [r["amount"] for r in result["repayments"]] == [Decimal("150.00"), Decimal("300.00")]
