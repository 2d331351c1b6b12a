"""Customer pickers offer the first 50 matches of a search (name or phone), never every
customer: the sale and repayment forms, the list filters, and the fixed customer of a
customer page. The demo shop has 64 customers, more than one picker's worth."""
from __future__ import annotations

from decimal import Decimal

from dashboard.reads import PICKER_LIMIT
from khata import customers, loans
from tests.roots import OWNER, env_root

from .conftest import app, count, errors, find, keyed, open_page, read_table, shown, submit

SHOP = 1


def _captions(at) -> list[str]:
    return [shown(c.value) for c in at.caption]


def _past_the_first_page() -> dict:
    """A customer with room for a sale who is not among the first 50 by name."""
    by_name = env_root().read(SHOP, OWNER, customers.list_customers)
    assert len(by_name) > PICKER_LIMIT
    return next(c for c in by_name[PICKER_LIMIT:] if c["available_credit"] >= Decimal("100"))


def test_sale_picker_offers_50_and_the_search_finds_the_rest_by_phone(demo_db):
    person = _past_the_first_page()
    at = open_page(app(), "loans.py")
    box = keyed(at.selectbox, "new_sale_customer_")
    assert len(box.options) == PICKER_LIMIT
    assert not any(option.startswith(person["name"] + " · ") for option in box.options)
    assert f"The first {PICKER_LIMIT} matches; type more of the name or phone to find others." in _captions(at)
    find(at, "new_sale_find_", person["phone"][-6:])  # the last digits, as read off the customer's phone
    box = keyed(at.selectbox, "new_sale_customer_")
    assert any(option.startswith(person["name"] + " · ") for option in box.options)
    assert len(box.options) < PICKER_LIMIT
    before = count("SELECT count(*) FROM loans")
    box.set_value(person["customer_id"])
    keyed(at.text_input, "new_sale_amount_").input("55")
    keyed(at.text_input, "new_sale_item_").input("Salt")
    submit(at, "Record sale on credit")
    assert not errors(at)
    assert count("SELECT count(*) FROM loans") == before + 1
    assert env_root().read(SHOP, OWNER, loans.list_loans, customer_id=person["customer_id"],
                           limit=1)[0]["item"] == "Salt"
    assert keyed(at.text_input, "new_sale_find_").value == ""  # the next sale starts with an empty search


def test_a_search_that_matches_nobody_says_so_and_nothing_is_recorded(demo_db):
    at = open_page(app(), "loans.py")
    find(at, "new_sale_find_", "Zzyzx [nobody](http://x)")
    assert keyed(at.selectbox, "new_sale_customer_").options == []
    assert "No customer matches Zzyzx [nobody](http://x)." in _captions(at)
    before = count("SELECT count(*) FROM loans")
    keyed(at.text_input, "new_sale_amount_").input("10")
    keyed(at.text_input, "new_sale_item_").input("Tea")
    submit(at, "Record sale on credit")
    assert errors(at) == ["Choose the customer."]
    assert count("SELECT count(*) FROM loans") == before


def test_the_chosen_customer_stays_while_the_search_still_matches(demo_db):
    at = open_page(app(), "repayments.py")
    at.radio(key="rp_mode").set_value("One sale").run()
    owing = env_root().read(SHOP, OWNER, customers.list_customers, sort="outstanding", descending=True)
    owing = [c for c in owing if c["outstanding"] > 0]
    options = at.selectbox(key="repay_loan_customer").options
    assert len(options) == min(PICKER_LIMIT, len(owing))
    assert options[0].startswith(f"{owing[0]['name']} · ") and " · owes ₹" in options[0]  # largest first
    debtor = owing[-1]
    find(at, "repay_loan_find", debtor["name"])
    at.selectbox(key="repay_loan_customer").set_value(debtor["customer_id"]).run()
    find(at, "repay_loan_find", debtor["name"][:3])
    assert at.selectbox(key="repay_loan_customer").value == debtor["customer_id"]
    assert keyed(at.selectbox, "repay_loan_loan_").options  # their open sales


def test_list_filters_search_and_show_only_that_customers_rows(demo_db):
    person = _past_the_first_page()
    at = open_page(app(), "loans.py")
    assert len(at.selectbox(key="lo_customer").options) == PICKER_LIMIT
    find(at, "lo_customer_find", person["name"])
    at.selectbox(key="lo_customer").set_value(person["customer_id"]).run()
    assert set(read_table(at.table[0].value)["Customer"]) == {person["name"]}
    opens = [(p.proto.page, p.proto.query_string) for p in at.get("page_link")
             if shown(p.proto.label) == person["name"]]
    assert opens == [("customer", f"id={person['customer_id']}")]  # one more tap opens the customer
    at = open_page(app(), "repayments.py")
    payer = env_root().read(SHOP, OWNER, loans.list_loans, status="paid")[0]
    find(at, "rh_customer_find", payer["customer_name"])
    at.selectbox(key="rh_customer").set_value(payer["customer_id"]).run()
    assert set(read_table(at.table[0].value)["Customer"]) == {payer["customer_name"]}


def test_customers_page_search_finds_a_customer_past_the_first_page_and_links_them(demo_db):
    person = _past_the_first_page()
    at = open_page(app(), "customers.py")
    assert not [s for s in at.selectbox if s.key == "cu_open"]  # no separate "Open a customer" dropdown
    find(at, "cu_search", person["name"])
    links = {p.proto.query_string: shown(p.proto.label) for p in at.get("page_link")}
    assert links[f"id={person['customer_id']}"] == person["name"]
    at.query_params["id"] = str(person["customer_id"])
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert shown(at.title[0].value) == person["name"]
    # on the customer page the customer is fixed: no search box, no customer picker
    assert not [t for t in at.text_input if (t.key or "").startswith(("cust_sale_", "cust_repay_"))
                and "_find_" in (t.key or "")]
    assert not [s for s in at.selectbox if "_customer_" in (s.key or "")]
