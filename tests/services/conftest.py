"""Fixtures of the service tests: the shop's id and a first customer."""
import pytest

from khata import customers, principals
from tests.roots import root_at


@pytest.fixture
def sid(shop):
    return shop["shop_id"]


@pytest.fixture
def asha(db_file, sid):
    return root_at(db_file).write(sid, principals.owner("ravi"), customers.create_customer, name="Asha Patel",
                                  phone="98765 11111", credit_limit="5000")
