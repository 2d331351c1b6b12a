"""Repayments: per sale and per customer, reversal, and every refusal, checked on disk."""
from datetime import timedelta
from decimal import Decimal

import pytest

from khata import book, customers, loans, repayments, reports
from khata.errors import Conflict, Overpayment, ValidationError
from tests.services.helpers import TODAY, counts, query, sell


def test_repayment_updates_loan_and_available_credit_at_once(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "1000")
    result = book.write(sid, repayments.record_repayment, loan["loan_id"], amount="400", method="UPI", note="gpay",
                                         today=TODAY, path=db_file)
    assert result["loans"][loan["loan_id"]]["outstanding"] == Decimal("600.00")
    assert book.read(sid, customers.get_customer, asha["customer_id"],
                     path=db_file)["available_credit"] == Decimal("4400.00")
    result = book.write(sid, repayments.record_repayment, loan["loan_id"], amount="600", today=TODAY, path=db_file)
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
        book.write(sid, repayments.record_repayment, loan["loan_id"], today=TODAY, path=db_file, **kw)
    assert counts(db_file) == before


def test_customer_repayment_settles_oldest_due_first(db_file, sid, asha):
    late = sell(db_file, sid, asha["customer_id"], "300", issue_date=TODAY - timedelta(days=5),
                due_date=TODAY + timedelta(days=20))
    early = sell(db_file, sid, asha["customer_id"], "200", issue_date=TODAY - timedelta(days=2),
                 due_date=TODAY + timedelta(days=3))
    result = book.write(sid, repayments.record_customer_repayment, asha["customer_id"], amount="250", today=TODAY,
                                                  idempotency_key="c1", path=db_file)
    assert result["total"] == Decimal("250.00")
    assert result["loans"][early["loan_id"]]["status"] == "paid"
    assert result["loans"][late["loan_id"]]["outstanding"] == Decimal("250.00")
    with pytest.raises(Overpayment, match="owes only ₹250.00"):
        book.write(sid, repayments.record_customer_repayment, asha["customer_id"], amount="251", today=TODAY,
                   path=db_file)
    again = book.write(sid, repayments.record_customer_repayment, asha["customer_id"], amount="250", today=TODAY,
                                                 idempotency_key="c1", path=db_file)
    assert again["total"] == Decimal("250.00") and query(db_file, "SELECT count(*) FROM repayments")[0][0] == 2


def test_history_filters_totals_and_reversal(db_file, sid, asha):
    bob = book.write(sid, customers.create_customer, name="Bob", phone="9876522222", path=db_file)
    a = sell(db_file, sid, asha["customer_id"], "500", issue_date=TODAY - timedelta(days=10))
    b = sell(db_file, sid, bob["customer_id"], "500", issue_date=TODAY - timedelta(days=10))
    r1 = book.write(sid, repayments.record_repayment, a["loan_id"], amount="100", paid_on=TODAY - timedelta(days=5),
                                     today=TODAY, path=db_file)["repayments"][0]
    book.write(sid, repayments.record_repayment, b["loan_id"], amount="50", today=TODAY, path=db_file)
    everything = book.read(sid, repayments.list_repayments, path=db_file)
    assert everything["total"] == Decimal("150.00") and everything["count"] == 2
    assert book.read(sid, repayments.list_repayments, customer_id=bob["customer_id"],
                     path=db_file)["total"] == Decimal("50.00")
    assert book.read(sid, repayments.list_repayments, date_to=TODAY - timedelta(days=1), path=db_file)["count"] == 1
    reversed_ = book.write(sid, repayments.reverse_repayment, r1["repayment_id"], reason="Wrong customer", today=TODAY,
                                             path=db_file)
    assert reversed_["reversed"] and reversed_["reversal_reason"] == "Wrong customer"
    assert book.read(sid, repayments.list_repayments, path=db_file)["total"] == Decimal("50.00")
    assert book.read(sid, loans.get_loan, a["loan_id"], path=db_file)["outstanding"] == Decimal("500.00")
    with pytest.raises(Conflict):
        book.write(sid, repayments.reverse_repayment, r1["repayment_id"], reason="again", path=db_file)


def test_every_change_is_audited(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "100", actor="ravi")
    pay = book.write(sid, repayments.record_repayment, loan["loan_id"], amount="10", actor="ravi", today=TODAY,
                     path=db_file)
    book.write(sid, repayments.reverse_repayment, pay["repayments"][0]["repayment_id"], reason="oops", actor="ravi",
               path=db_file)
    book.write(sid, customers.update_customer, asha["customer_id"], notes="VIP", actor="ravi", path=db_file)
    actions = query(db_file, "SELECT action, entity FROM audit_log WHERE shop_id = ? ORDER BY audit_id", [sid])
    assert ("create", "customer") in actions and ("create", "loan") in actions
    assert ("repay", "repayment") in actions and ("reverse", "repayment") in actions and ("edit", "customer") in actions
    assert query(db_file, "SELECT count(*) FROM audit_log WHERE actor IS NULL AND action <> 'create'")[0][0] == 0


def test_reversing_a_repayment_of_an_archived_customer_brings_them_back(db_file, sid, asha):
    """Issue 9.2: the debt a reversal creates is on every screen, not only in the summary."""
    sale = sell(db_file, sid, asha["customer_id"], "300")
    paid = book.write(sid, repayments.record_repayment, sale["loan_id"], amount="300", today=TODAY, path=db_file)
    assert book.write(sid, customers.remove_customer, asha["customer_id"], path=db_file) == "archived"
    assert book.read(sid, customers.list_customers, today=TODAY, path=db_file) == []
    book.write(sid, repayments.reverse_repayment, paid["repayments"][0]["repayment_id"], reason="bounced cheque",
               actor="ravi", today=TODAY, path=db_file)
    listed = book.read(sid, customers.list_customers, today=TODAY, path=db_file)
    assert [(c["name"], c["outstanding"]) for c in listed] == [("Asha Patel", Decimal("300.00"))]
    summary = book.read(sid, reports.shop_summary, today=TODAY, path=db_file)
    assert summary["outstanding"] == Decimal("300.00")
    again = book.write(sid, repayments.record_customer_repayment, asha["customer_id"], amount="300", today=TODAY,
                       path=db_file)  # paying it works: the customer exists again
    assert again["total"] == Decimal("300.00")
    assert query(db_file, "SELECT action FROM audit_log WHERE entity = 'customer' AND action = 'unarchive'")


def test_a_reversal_that_would_clash_on_the_phone_is_refused_and_changes_nothing(db_file, sid, asha):
    sale = sell(db_file, sid, asha["customer_id"], "100")
    paid = book.write(sid, repayments.record_repayment, sale["loan_id"], amount="100", today=TODAY, path=db_file)
    book.write(sid, customers.remove_customer, asha["customer_id"], path=db_file)
    book.write(sid, customers.create_customer, name="New Asha", phone="98765 11111", path=db_file)
    before = counts(db_file)
    with pytest.raises(Conflict, match="another customer now has the phone number"):
        book.write(sid, repayments.reverse_repayment, paid["repayments"][0]["repayment_id"], reason="x",
                   today=TODAY, path=db_file)
    assert counts(db_file) == before


def test_payment_dates_after_today_are_refused(db_file, sid, asha):
    sale = sell(db_file, sid, asha["customer_id"], "100")
    with pytest.raises(ValidationError, match="in the future"):
        book.write(sid, repayments.record_repayment, sale["loan_id"], amount="10", paid_on="2199-12-31",
                   today=TODAY, path=db_file)
