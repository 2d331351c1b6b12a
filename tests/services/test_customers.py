"""Customers: create, edit, list, archive or delete, and every refusal, checked on disk."""
from datetime import timedelta
from decimal import Decimal

import pytest

from khata import customers, principals, repayments
from khata.errors import Conflict, NotFound, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import TODAY, counts, query, sell


def test_customer_create_get_edit(db_file, sid, asha):
    assert asha["phone"] == "+919876511111" and asha["credit_limit"] == Decimal("5000.00")
    got = root_at(db_file).read(sid, OWNER, customers.get_customer, asha["customer_id"])
    assert got["available_credit"] == Decimal("5000.00") and got["outstanding"] == Decimal("0.00")
    edited = root_at(db_file).write(sid, principals.owner("ravi"), customers.update_customer, asha["customer_id"],
                                    trust_score=9, address="12 MG Road", whatsapp_opt_out=True)
    assert edited["trust_score"] == 9 and edited["whatsapp_opt_out"] is True
    assert query(db_file, "SELECT action, before, after FROM audit_log WHERE entity='customer' AND action='edit'")


def test_duplicate_phone_refused(db_file, sid, asha):
    before = counts(db_file)
    with pytest.raises(Conflict, match="Asha Patel already has the phone number"):
        root_at(db_file).write(sid, OWNER, customers.create_customer, name="Someone", phone="+91 98765 11111")
    bob = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bob", phone="9876522222")
    with pytest.raises(Conflict):
        root_at(db_file).write(sid, OWNER, customers.update_customer, bob["customer_id"], phone="9876511111")
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
        root_at(db_file).write(sid, OWNER, customers.create_customer, **fields)
    assert counts(db_file) == before


def test_list_search_sort(db_file, sid, asha):
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="Zoya Khan", phone="9876533333",
                           credit_limit="9000")
    sell(db_file, sid, asha["customer_id"], "1000", issue_date=TODAY - timedelta(days=40),
         due_date=TODAY - timedelta(days=10))
    rows = root_at(db_file).read(sid, OWNER, customers.list_customers, sort="outstanding", descending=True, today=TODAY)
    assert [r["name"] for r in rows] == ["Asha Patel", "Zoya Khan"]
    assert rows[0]["overdue"] == Decimal("1000.00") and rows[0]["available_credit"] == Decimal("4000.00")
    assert [r["name"] for r in root_at(db_file).read(sid, OWNER, customers.list_customers,
                                                     search="zoya")] == ["Zoya Khan"]
    assert [r["name"] for r in root_at(db_file).read(sid, OWNER, customers.list_customers,
                                                     search="65111")] == ["Asha Patel"]
    assert root_at(db_file).read(sid, OWNER, customers.list_customers, search="%") == []
    with pytest.raises(ValidationError):
        root_at(db_file).read(sid, OWNER, customers.list_customers, sort="phone; DROP TABLE customers")


def test_remove_customer_rules(db_file, sid, asha):
    loan = sell(db_file, sid, asha["customer_id"], "300")
    with pytest.raises(Conflict, match="still owes ₹300.00"):
        root_at(db_file).write(sid, OWNER, customers.remove_customer, asha["customer_id"])
    root_at(db_file).write(sid, OWNER, repayments.record_repayment, loan["loan_id"], amount="300", today=TODAY)
    assert root_at(db_file).write(sid, OWNER, customers.remove_customer, asha["customer_id"]) == "archived"
    assert root_at(db_file).read(sid, OWNER, customers.list_customers) == []
    assert query(db_file, "SELECT count(*) FROM loans")[0][0] == 1  # history kept
    with pytest.raises(NotFound):
        root_at(db_file).read(sid, OWNER, customers.get_customer, asha["customer_id"])
    new = root_at(db_file).write(sid, OWNER, customers.create_customer, name="New", phone="9876544444")
    assert root_at(db_file).write(sid, OWNER, customers.remove_customer, new["customer_id"]) == "deleted"
    assert query(db_file, "SELECT count(*) FROM customers WHERE customer_id = ?", [new["customer_id"]])[0][0] == 0


def test_names_are_one_line_and_notes_keep_their_lines(db_file, sid):
    """Issue 9.4: control characters are normalised or refused at the service boundary."""
    made = root_at(db_file).write(sid, OWNER, customers.create_customer, name=" Ravi\tKumar\nJr ", phone="9876500002",
                                  address="12 MG Road\nBengaluru", notes="pays on Fridays\n\tcalls first")
    assert made["name"] == "Ravi Kumar Jr" and made["address"] == "12 MG Road Bengaluru"
    assert made["notes"] == "pays on Fridays\ncalls first"
    for bad in ("Ravi\x00", "Ravi\x1b[31m", "Ravi\x7f"):
        with pytest.raises(ValidationError, match="control characters"):
            root_at(db_file).write(sid, OWNER, customers.create_customer, name=bad, phone="9876500003")


def test_last_activity_is_the_last_sale_or_repayment_and_empty_without_any(db_file, sid, asha):
    """Issue 9.5: not the record's creation or update time."""
    sell(db_file, sid, asha["customer_id"], "100", issue_date=TODAY - timedelta(days=10))
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="Quiet", phone="9876500004")
    rows = {c["name"]: c for c in root_at(db_file).read(sid, OWNER, customers.list_customers, today=TODAY)}
    assert rows["Asha Patel"]["last_activity"] == TODAY - timedelta(days=10)
    assert rows["Quiet"]["last_activity"] is None


# ---- find_customers: what a picker offers ------------------------------------------------

def _find(db_file, sid, *args, **kw):
    return root_at(db_file).read(sid, OWNER, customers.find_customers, *args, today=TODAY, **kw)


def test_find_customers_matches_name_or_phone_digits_first_by_name(db_file, sid, asha, other_shop):
    bina = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bina Shah", phone="98765 22222")
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="asha kumari", phone="98765 33333")
    root_at(db_file).write(other_shop["shop_id"], OWNER, customers.create_customer, name="Asha Other Shop",
                           phone="98765 44444")
    assert [c["name"] for c in _find(db_file, sid)] == ["asha kumari", "Asha Patel", "Bina Shah"]
    assert [c["name"] for c in _find(db_file, sid, "ASHA")] == ["asha kumari", "Asha Patel"]  # not the other shop's
    assert [c["customer_id"] for c in _find(db_file, sid, "+91 98765 22222")] == [bina["customer_id"]]
    assert [c["customer_id"] for c in _find(db_file, sid, "22222")] == [bina["customer_id"]]
    found = _find(db_file, sid, "bina")[0]
    assert found["available_credit"] == Decimal("10000.00") and found["outstanding"] == Decimal("0.00")
    assert set(_find(db_file, sid, "bina", balances=False)[0]) == {"customer_id", "name", "phone",
                                                                    "whatsapp_opt_out"}
    assert _find(db_file, sid, "nobody") == [] and _find(db_file, sid, "nobody", balances=False) == []


def test_find_customers_takes_wildcards_literally_and_stops_at_the_limit(db_file, sid):
    for n in range(7):
        root_at(db_file).write(sid, OWNER, customers.create_customer, name=f"Ravi {n}", phone=f"98450 0000{n}")
    root_at(db_file).write(sid, OWNER, customers.create_customer, name="100% Ravi_x", phone="98450 00010")
    assert [c["name"] for c in _find(db_file, sid, "%")] == ["100% Ravi_x"]
    assert [c["name"] for c in _find(db_file, sid, "i_")] == ["100% Ravi_x"]
    assert [c["name"] for c in _find(db_file, sid, "Ravi", limit=3)] == ["100% Ravi_x", "Ravi 0", "Ravi 1"]
    assert len(_find(db_file, sid, "Ravi", balances=False, limit=5)) == 5
    assert len(_find(db_file, sid, "x" * 5000)) == 0  # a pasted novel is cut, not an error
    for limit in (0, -1, "many", 1001):
        with pytest.raises(ValidationError):
            _find(db_file, sid, limit=limit)


def test_find_customers_owing_largest_first_opted_out_and_archived(db_file, sid, asha):
    bina = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Bina Shah", phone="98765 22222")
    gone = root_at(db_file).write(sid, OWNER, customers.create_customer, name="Asha Gone", phone="98765 33333")
    root_at(db_file).write(sid, OWNER, customers.remove_customer, gone["customer_id"])
    assert _find(db_file, sid, owing=True) == []
    sell(db_file, sid, asha["customer_id"], "100")
    sell(db_file, sid, bina["customer_id"], "900")
    owing = _find(db_file, sid, owing=True)
    assert [(c["name"], c["outstanding"]) for c in owing] == [("Bina Shah", Decimal("900.00")),
                                                               ("Asha Patel", Decimal("100.00"))]
    assert [c["name"] for c in _find(db_file, sid, "asha")] == ["Asha Patel"]  # the removed one is not offered
    assert _find(db_file, sid, opted_out=True, balances=False) == []
    root_at(db_file).write(sid, OWNER, customers.update_customer, bina["customer_id"], whatsapp_opt_out=True)
    assert [c["name"] for c in _find(db_file, sid, opted_out=True, balances=False)] == ["Bina Shah"]
