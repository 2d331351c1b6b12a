"""Every ledger capability and every refusal, on a real DuckDB file, checked on disk."""
from datetime import date, timedelta
from decimal import Decimal

import pytest

from khata import accounts, book, customers, loans, repayments, reports
from khata.errors import AuthError, Conflict, CreditLimitExceeded, NotFound, Overpayment, ValidationError
from tests.services.helpers import counts, query

TODAY = date(2026, 11, 27)


@pytest.fixture
def sid(shop):
    return shop["shop_id"]


@pytest.fixture
def asha(db_file, sid):
    return book.write(sid, customers.create_customer, name="Asha Patel", phone="98765 11111", credit_limit="5000",
                                     actor="ravi", path=db_file)


def sell(db_file, sid, cid, amount, **kw):
    kw.setdefault("item", "Rice")
    kw.setdefault("today", TODAY)
    return book.write(sid, loans.create_loan, cid, amount=amount, path=db_file, **kw)


# ---- accounts -----------------------------------------------------------------------

def test_register_stores_only_a_bcrypt_hash(db_file, shop):
    keeper = accounts.get_shopkeeper("ravi", db_file)
    assert keeper["password_hash"].startswith("$2b$") and "Demo@1234" not in keeper["password_hash"]
    assert keeper["shop_name"].startswith("Ravi Kirana") and keeper["timezone"] == "Asia/Kolkata"
    assert accounts.authenticate("ravi", "Demo@1234", path=db_file)["username"] == "ravi"


@pytest.mark.parametrize("field, value, message", [
    ("password", "short1!", "password must be"), ("password", "nouppercase1@", "password must be"),
    ("username", "A B", "Username must be"), ("email", "not-an-email", "not an email"),
    ("phone", "123", "not a valid phone"), ("shop_name", "  ", "Shop name is required"),
])
def test_register_refusals(db_file, field, value, message):
    fields = dict(name="N", shop_name="S", username="newshop", email="a@b.in", phone="9876543210",
                  password="Demo@1234")
    fields[field] = value
    before = counts(db_file)
    with pytest.raises(ValidationError, match=message):
        accounts.register_shopkeeper(path=db_file, **fields)
    assert counts(db_file) == before


def test_username_taken(db_file, shop):
    with pytest.raises(Conflict, match="taken"):
        accounts.register_shopkeeper(name="X", shop_name="Y", username="RAVI", email="x@y.in", phone="9876543210",
                                     password="Demo@1234", path=db_file)


def test_change_password(db_file, shop):
    with pytest.raises(AuthError, match="current password is incorrect"):
        accounts.change_password("ravi", "Wrong@123", "New@12345", db_file)
    with pytest.raises(ValidationError, match="password must be"):
        accounts.change_password("ravi", "Demo@1234", "weak", db_file)
    accounts.change_password("ravi", "Demo@1234", "New@12345", db_file)
    assert accounts.authenticate("ravi", "New@12345", path=db_file)
    with pytest.raises(AuthError):
        accounts.authenticate("ravi", "Demo@1234", path=db_file)


def test_lockout_after_failed_logins_and_same_message_for_unknown_users(db_file, shop):
    for _ in range(4):
        with pytest.raises(AuthError, match="incorrect"):
            accounts.authenticate("ravi", "bad", max_attempts=5, path=db_file)
    with pytest.raises(AuthError, match="locked"):
        accounts.authenticate("ravi", "bad", max_attempts=5, path=db_file)
    with pytest.raises(AuthError, match="locked"):  # even the right password, while locked
        accounts.authenticate("ravi", "Demo@1234", path=db_file)
    with pytest.raises(AuthError, match="incorrect") as unknown:
        accounts.authenticate("nobody", "bad", path=db_file)
    assert "exist" not in str(unknown.value)


def test_settings(db_file, sid):
    settings = book.write(sid, accounts.update_settings, upi_id="ravikirana@okaxis", loan_term_days=15,
                                        reminder_days="-1, 1, 3", timezone="Asia/Dubai", path=db_file)
    assert settings["upi_id"] == "ravikirana@okaxis" and settings["reminder_days"] == (-1, 1, 3)
    assert book.read(sid, accounts.get_settings, path=db_file)["loan_term_days"] == 15
    for bad in ({"upi_id": "not a upi"}, {"loan_term_days": 0}, {"timezone": "Nowhere/X"},
                {"reminder_days": "a,b"}, {"colour": "red"}):
        with pytest.raises(ValidationError):
            book.write(sid, accounts.update_settings, path=db_file, **bad)
    assert book.read(sid, accounts.get_settings, path=db_file)["timezone"] == "Asia/Dubai"


# ---- customers ----------------------------------------------------------------------

def test_customer_create_get_edit(db_file, sid, asha):
    assert asha["phone"] == "+919876511111" and asha["credit_limit"] == Decimal("5000.00")
    got = book.read(sid, customers.get_customer, asha["customer_id"], path=db_file)
    assert got["available_credit"] == Decimal("5000.00") and got["outstanding"] == Decimal("0.00")
    edited = book.write(sid, customers.update_customer, asha["customer_id"], trust_score=9, address="12 MG Road",
                                       whatsapp_opt_out=True, actor="ravi", path=db_file)
    assert edited["trust_score"] == 9 and edited["whatsapp_opt_out"] is True
    assert query(db_file, "SELECT action, before, after FROM audit_log WHERE entity='customer' AND action='edit'")


def test_duplicate_phone_refused(db_file, sid, asha):
    before = counts(db_file)
    with pytest.raises(Conflict, match="Asha Patel already has the phone number"):
        book.write(sid, customers.create_customer, name="Someone", phone="+91 98765 11111", path=db_file)
    bob = book.write(sid, customers.create_customer, name="Bob", phone="9876522222", path=db_file)
    with pytest.raises(Conflict):
        book.write(sid, customers.update_customer, bob["customer_id"], phone="9876511111", path=db_file)
    assert counts(db_file)["customers"] == before["customers"] + 1


@pytest.mark.parametrize("fields, message", [
    ({"name": "", "phone": "9876500000"}, "name is required"),
    ({"name": "X", "phone": "12"}, "phone"),
    ({"name": "X", "phone": "9876500000", "trust_score": 11}, "between 0 and 10"),
    ({"name": "X", "phone": "9876500000", "credit_limit": "-1"}, "negative"),
    ({"name": "X" * 101, "phone": "9876500000"}, "too long"),
])
def test_customer_refusals(db_file, sid, fields, message):
    before = counts(db_file)
    with pytest.raises(ValidationError, match=message):
        book.write(sid, customers.create_customer, path=db_file, **fields)
    assert counts(db_file) == before


def test_list_search_sort(db_file, sid, asha):
    book.write(sid, customers.create_customer, name="Zoya Khan", phone="9876533333", credit_limit="9000", path=db_file)
    sell(db_file, sid, asha["customer_id"], "1000", issue_date=TODAY - timedelta(days=40),
         due_date=TODAY - timedelta(days=10))
    rows = book.read(sid, customers.list_customers, sort="outstanding", descending=True, today=TODAY, path=db_file)
    assert [r["name"] for r in rows] == ["Asha Patel", "Zoya Khan"]
    assert rows[0]["overdue"] == Decimal("1000.00") and rows[0]["available_credit"] == Decimal("4000.00")
    assert [r["name"] for r in book.read(sid, customers.list_customers, search="zoya", path=db_file)] == ["Zoya Khan"]
    assert [r["name"] for r in book.read(sid, customers.list_customers, search="65111", path=db_file)] == ["Asha Patel"]
    assert book.read(sid, customers.list_customers, search="%", path=db_file) == []
    with pytest.raises(ValidationError):
        book.read(sid, customers.list_customers, sort="phone; DROP TABLE customers", path=db_file)


def test_remove_customer_rules(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "300")
    with pytest.raises(Conflict, match="still owes ₹300.00"):
        book.write(sid, customers.remove_customer, asha["customer_id"], path=db_file)
    book.write(sid, repayments.record_repayment, loan["loan_id"], amount="300", today=TODAY, path=db_file)
    assert book.write(sid, customers.remove_customer, asha["customer_id"], path=db_file) == "archived"
    assert book.read(sid, customers.list_customers, path=db_file) == []
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == 1  # history kept
    with pytest.raises(NotFound):
        book.read(sid, customers.get_customer, asha["customer_id"], path=db_file)
    new = book.write(sid, customers.create_customer, name="New", phone="9876544444", path=db_file)
    assert book.write(sid, customers.remove_customer, new["customer_id"], path=db_file) == "deleted"
    assert query(db_file, "SELECT count(*) FROM customers WHERE customer_id = ?", [new["customer_id"]])[0][0] == 0


# ---- loans --------------------------------------------------------------------------

def test_loan_defaults_and_status(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "1200.50")
    assert loan["issue_date"] == TODAY and loan["due_date"] == TODAY + timedelta(days=30)
    assert loan["status"] == "pending" and loan["outstanding"] == Decimal("1200.50")
    later = book.read(sid, loans.get_loan, loan["loan_id"], today=TODAY + timedelta(days=31), path=db_file)
    assert later["status"] == "overdue" and later["days_past_due"] == 1
    assert [l["loan_id"] for l in book.read(sid, loans.list_loans, status="overdue", today=TODAY + timedelta(days=31),
                                                   path=db_file)] == [loan["loan_id"]]
    assert book.read(sid, loans.list_loans, status="overdue", today=TODAY, path=db_file) == []


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
    pay = dict(amount="10", today=TODAY, idempotency_key="pay-1", path=db_file)
    book.write(sid, repayments.record_repayment, first["loan_id"], **pay)
    book.write(sid, repayments.record_repayment, first["loan_id"], **pay)
    assert query(db_file, "SELECT count(*) FROM repayments")[0][0] == 1


def test_double_submitted_customer_form_adds_one(db_file, sid):
    first = book.write(sid, customers.create_customer, name="Kiran", phone="9876555555", idempotency_key="add-1",
                       path=db_file)
    again = book.write(sid, customers.create_customer, name="Kiran", phone="9876555555", idempotency_key="add-1",
                       path=db_file)
    assert first["customer_id"] == again["customer_id"]
    assert query(db_file, "SELECT count(*) FROM customers")[0][0] == 1


def test_reverse_loan(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "700")
    with pytest.raises(ValidationError, match="Reason is required"):
        book.write(sid, loans.reverse_loan, loan["loan_id"], reason=" ", path=db_file)
    reversed_ = book.write(sid, loans.reverse_loan, loan["loan_id"], reason="Typed twice", actor="ravi", today=TODAY,
                                   path=db_file)
    assert reversed_["status"] == "reversed" and reversed_["outstanding"] == 0
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == 1  # never deleted
    with pytest.raises(Conflict, match="already reversed"):
        book.write(sid, loans.reverse_loan, loan["loan_id"], reason="again", path=db_file)
    paid = sell(db_file, sid, asha["customer_id"], "50")
    book.write(sid, repayments.record_repayment, paid["loan_id"], amount="20", today=TODAY, path=db_file)
    with pytest.raises(Conflict, match="reverse those first"):
        book.write(sid, loans.reverse_loan, paid["loan_id"], reason="x", path=db_file)
    statement = book.read(sid, reports.customer_statement, asha["customer_id"], path=db_file)
    assert [r["entry"] for r in statement][:2] == ["sale", "sale reversed"]
    assert statement[-1]["balance"] == Decimal("30.00")


# ---- repayments ---------------------------------------------------------------------

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


# ---- summary ------------------------------------------------------------------------

def test_summary_and_aging_buckets(db_file, sid, asha):
    book.write(sid, customers.update_customer, asha["customer_id"], credit_limit="100000", path=db_file)
    for days_past, amount in ((0, "100"), (5, "200"), (40, "300"), (70, "400"), (120, "500")):
        due = TODAY - timedelta(days=days_past)
        sell(db_file, sid, asha["customer_id"], amount, issue_date=due - timedelta(days=10), due_date=due)
    paid = sell(db_file, sid, asha["customer_id"], "1000", issue_date=TODAY - timedelta(days=20),
                due_date=TODAY - timedelta(days=5))
    book.write(sid, repayments.record_repayment, paid["loan_id"], amount="1000", paid_on=TODAY - timedelta(days=8),
                                today=TODAY, path=db_file)
    s = book.read(sid, reports.shop_summary, today=TODAY, path=db_file)
    assert s["total_issued"] == Decimal("2500.00") and s["total_collected"] == Decimal("1000.00")
    assert s["outstanding"] == Decimal("1500.00") and s["overdue_amount"] == Decimal("1400.00")
    assert s["aging"] == {"current": Decimal("100.00"), "1-30": Decimal("200.00"), "31-60": Decimal("300.00"),
                          "61-90": Decimal("400.00"), "90+": Decimal("500.00")}
    assert s["counts"] == {"pending": 1, "paid": 1, "overdue": 4, "reversed": 0}
    assert s["collection_rate"] == Decimal("0.4000") and s["avg_days_to_repay"] == Decimal("12.0")
    assert s["avg_repayment"] == Decimal("1000.00") and s["customers_overdue"] == 1


def test_new_shop_summary_is_all_zero(db_file, sid):
    s = book.read(sid, reports.shop_summary, path=db_file)
    assert s["outstanding"] == 0 and s["collection_rate"] == 0 and s["avg_days_to_repay"] is None
