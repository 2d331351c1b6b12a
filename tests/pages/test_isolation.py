"""A second shop's data never appears on any page, and its ids behave like missing ones."""
from __future__ import annotations

import pytest

from khata import customers, loans, principals, repayments
from tests.conftest import make_shop
from tests.roots import OWNER, env_root

from .conftest import app, errors, open_page, shown, texts

PAGES = ("overview.py", "customers.py", "loans.py", "repayments.py", "reminders.py", "account.py",
         "import_export.py")
SECRET = "Zebediah Quartermain"


@pytest.fixture
def second_shop(demo_db):
    other = make_shop(demo_db, "othershop", shop_name="Other Shop Secret Stores", name="Other Keeper",
                      phone="9123456780")
    person = env_root().write(other["shop_id"], OWNER, customers.create_customer, name=SECRET, phone="98450 77777",
                              notes="secret-note-xyz")
    loan = env_root().write(other["shop_id"], OWNER, loans.create_loan, person["customer_id"], amount="777.77",
                            item="Secret saffron")
    env_root().write(other["shop_id"], OWNER, repayments.record_repayment, loan["loan_id"], amount="111.11")
    return {**other, "customer_id": person["customer_id"], "loan_id": loan["loan_id"]}


@pytest.mark.parametrize("page", PAGES)
def test_other_shop_never_appears(second_shop, page):
    at = open_page(app("demo"), page)
    shown = texts(at)
    for secret in (SECRET, "Secret saffron", "Other Shop Secret Stores", "₹777.77", "₹111.11", "secret-note-xyz",
                   "98450 77777"):
        assert secret not in shown, f"{secret!r} leaked onto {page}"


def test_other_shops_customer_id_is_not_found(second_shop):
    at = app("demo")
    at.run()
    at.session_state["customer_id"] = second_shop["customer_id"]
    at.switch_page("dashboard/app_pages/customer.py").run()
    assert not at.exception
    assert errors(at) == ["That customer does not exist in this shop."]
    assert SECRET not in texts(at)


def test_second_shop_sees_its_own_book_only(second_shop):
    at = open_page(app("othershop"), "customers.py")
    names = [shown(link.proto.label) for link in at.get("page_link") if link.proto.page == "customer"]
    assert names == [SECRET]
    at.switch_page("dashboard/app_pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Outstanding"] == "₹666.66"


def test_exports_hold_only_this_shop(second_shop):
    from dashboard import exports, reads
    for table in ("customers", "loans", "repayments"):
        data = exports.export_csv(table, 1, reads.db_key(), who=principals.owner("demo"))().decode("utf-8-sig")
        assert SECRET not in data and "Secret saffron" not in data
