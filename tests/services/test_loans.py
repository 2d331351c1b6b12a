"""Credit sales: against the credit limit, dates, reversal, and every refusal, checked on disk."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from khata import customers, loans, principals, repayments, reports
from khata.errors import Conflict, CreditLimitExceeded, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import TODAY, counts, query, sell


def test_loan_defaults_and_status(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "1200.50")
    assert loan["issue_date"] == TODAY and loan["due_date"] == TODAY + timedelta(days=30)
    assert loan["status"] == "pending" and loan["outstanding"] == Decimal("1200.50")
    later = root_at(db_file).read(sid, OWNER, loans.get_loan, loan["loan_id"], today=TODAY + timedelta(days=31))
    assert later["status"] == "overdue" and later["days_past_due"] == 1
    assert [l["loan_id"] for l in root_at(db_file).read(sid, OWNER, loans.list_loans, status="overdue",
                                                        today=TODAY + timedelta(days=31))] == [loan["loan_id"]]
    assert root_at(db_file).read(sid, OWNER, loans.list_loans, status="overdue", today=TODAY) == []


def test_credit_limit_refusal_says_what_is_available(db_file, sid, asha):
    sell(db_file, sid, asha["customer_id"], "4000")
    before = counts(db_file)
    with pytest.raises(CreditLimitExceeded, match="only ₹1,000.00 more"):
        sell(db_file, sid, asha["customer_id"], "1000.01")
    assert counts(db_file) == before
    sell(db_file, sid, asha["customer_id"], "1000")


@pytest.mark.parametrize("kw, message", [
    ({"amount": "0"}, "more than ₹0"), ({"amount": "10.001"}, "2 decimal"),
    ({"amount": "10", "item": ""}, "Item is required"),
    ({"amount": "10", "issue_date": TODAY + timedelta(days=1)}, "future"),
    ({"amount": "10", "due_date": TODAY - timedelta(days=1)}, "before the issue date"),
    ({"amount": "10", "grace_days": -1}, "between 0 and 365"),
    ({"amount": "10", "due_date": "tomorrow"}, "not a date"),
])
def test_loan_refusals(db_file, sid, asha, kw, message):
    before = counts(db_file)
    with pytest.raises(ValidationError, match=message):
        sell(db_file, sid, asha["customer_id"], **kw)
    assert counts(db_file) == before


def test_double_submit_posts_once(db_file, sid, asha):
    first = sell(db_file, sid, asha["customer_id"], "100", idempotency_key="form-1")
    again = sell(db_file, sid, asha["customer_id"], "100", idempotency_key="form-1")
    assert first["loan_id"] == again["loan_id"]
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == 1
    pay = dict(amount="10", today=TODAY, idempotency_key="pay-1")
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, first["loan_id"], **pay)
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, first["loan_id"], **pay)
    assert query(db_file, "SELECT count(*) FROM repayments")[0][0] == 1


def test_double_submitted_customer_form_adds_one(db_file, sid):
    first = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Kiran", phone="9876555555",
                                   idempotency_key="add-1")
    again = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Kiran", phone="9876555555",
                                   idempotency_key="add-1")
    assert first["customer_id"] == again["customer_id"]
    assert query(db_file, "SELECT count(*) FROM customers")[0][0] == 1


def test_reverse_loan(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "700")
    with pytest.raises(ValidationError, match="Reason is required"):
        root_at(db_file).write(sid, OWNER, loans.reverse_loan, loan["loan_id"], reason=" ")
    reversed_ = root_at(db_file).write(sid, principals.owner("ravi"), loans.reverse_loan, loan["loan_id"],
                                       reason="Typed twice", today=TODAY)
    assert reversed_["status"] == "reversed" and reversed_["outstanding"] == 0
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == 1  # never deleted
    with pytest.raises(Conflict, match="already reversed"):
        root_at(db_file).write(sid, OWNER, loans.reverse_loan, loan["loan_id"], reason="again")
    paid = sell(db_file, sid, asha["customer_id"], "50")
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, paid["loan_id"], amount="20", today=TODAY)
    with pytest.raises(Conflict, match="reverse those first"):
        root_at(db_file).write(sid, OWNER, loans.reverse_loan, paid["loan_id"], reason="x")
    statement = root_at(db_file).read(sid, OWNER, reports.customer_statement, asha["customer_id"])
    assert [r["entry"] for r in statement][:2] == ["sale", "sale reversed"]
    assert statement[-1]["balance"] == Decimal("30.00")


@pytest.mark.parametrize("due", ["2199-12-31", "2031-11-28"])
def test_due_dates_more_than_five_years_ahead_are_refused(db_file, sid, asha, due):
    """Issue 9.3: a sale due in 2199 is a typing mistake."""
    before = counts(db_file)
    with pytest.raises(ValidationError, match="at most 5 years"):
        sell(db_file, sid, asha["customer_id"], "100", due_date=due)
    assert counts(db_file) == before
    assert sell(db_file, sid, asha["customer_id"], "100", due_date="2031-11-27")["due_date"] == date(2031, 11, 27)


def test_items_with_line_breaks_and_tabs_are_stored_on_one_line(db_file, sid, asha):
    """Issue 9.4: Twilio refuses template variables with newlines or tabs."""
    loan = sell(db_file, sid, asha["customer_id"], "100", item="Rice\n5 kg\tbag\r\n")
    assert loan["item"] == "Rice 5 kg bag"
    with pytest.raises(ValidationError, match="control characters"):
        sell(db_file, sid, asha["customer_id"], "100", item="Rice\x07bell")


def test_a_page_of_sales_is_the_same_slice_of_the_whole_list(db_file, sid, asha):
    """An unfiltered page takes a shorter path in SQL; it must be exactly the slice of the full list."""
    bina = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bina", phone="98765 22222",
                                  credit_limit="100000")
    root_at(db_file).write(sid, OWNER, customers.update_customer, asha["customer_id"], credit_limit="100000")
    for n in range(8):
        who = (asha, bina)[n % 2]["customer_id"]
        sale = sell(db_file, sid, who, str(100 + n), issue_date=TODAY - timedelta(days=n % 3))
        if n == 3:
            root_at(db_file).write(sid, OWNER, loans.reverse_loan, sale["loan_id"], reason="typo")
        if n == 4:
            root_at(db_file).write(sid, OWNER, repayments.record_repayment, sale["loan_id"], amount="50", today=TODAY)

    def listed(**kw):
        return root_at(db_file).read(sid, OWNER, loans.list_loans, today=TODAY, **kw)

    for kw in ({}, {"customer_id": bina["customer_id"]}, {"date_from": TODAY - timedelta(days=1)},
               {"date_to": TODAY - timedelta(days=1)}, {"status": "reversed"}):
        everything = listed(**kw)
        assert everything, kw
        for limit, offset in ((1, 0), (3, 0), (3, 2), (100, 0), (2, 7)):
            assert listed(limit=limit, offset=offset, **kw) == everything[offset:offset + limit], (kw, limit, offset)
    assert [r["repaid"] for r in listed(limit=8) if r["principal"] == Decimal("104.00")] == [Decimal("50.00")]
