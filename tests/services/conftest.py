"""Fixtures of the service tests: the shop's id and a first customer."""
import pytest

from khata import book, customers


@pytest.fixture
def sid(shop):
    return shop["shop_id"]


@pytest.fixture
def asha(db_file, sid):
    return book.write(sid, customers.create_customer, name="Asha Patel", phone="98765 11111", credit_limit="5000",
                      actor="ravi", path=db_file)
