"""The Book: one unit of work opens the file at most once, only when it reads; a
write is all or nothing; a foreign or missing shop is simply not found."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from khata import customers, db, principals, reports
from khata.errors import NotFound, ValidationError
from tests.roots import OWNER, root_at
from tests.services.helpers import counts


@pytest.fixture
def opened(monkeypatch):
    """Counts the connections the code under test opens."""
    calls = []
    real = db.open_connection

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(db, "open_connection", counting)
    return calls


def test_a_unit_that_reads_nothing_opens_nothing(db_file, shop, opened):
    with root_at(db_file).unit(shop["shop_id"], OWNER):
        pass
    assert opened == []


def test_several_reads_share_one_connection(db_file, shop, opened):
    with root_at(db_file).unit(shop["shop_id"], OWNER) as unit:
        reports.shop_summary(unit)
        customers.list_customers(unit)
        reports.top_customers_frame(unit)
        assert unit.today == unit.today
    assert len(opened) == 1


def test_today_and_now_are_fixed_for_the_unit(db_file, shop):
    late = datetime(2026, 12, 1, 18, 31, tzinfo=UTC)  # 00:01 on 2 Dec in India
    with root_at(db_file).unit(shop["shop_id"], OWNER, now=late) as unit:
        assert unit.now == late and unit.today == date(2026, 12, 2)
    with root_at(db_file).unit(shop["shop_id"], OWNER, today="2026-11-27") as unit:
        assert unit.today == date(2026, 11, 27)


def test_a_write_unit_is_all_or_nothing(db_file, shop):
    before = counts(db_file)
    with pytest.raises(ValidationError):
        with root_at(db_file).unit(shop["shop_id"], principals.owner("ravi"), write=True) as unit:
            customers.create_customer(unit, name="Asha", phone="9876500001")
            customers.create_customer(unit, name="", phone="9876500002")  # refused: the first is undone too
    assert counts(db_file) == before
    with root_at(db_file).unit(shop["shop_id"], principals.owner("ravi"), write=True) as unit:
        customers.create_customer(unit, name="Asha", phone="9876500001")
        customers.create_customer(unit, name="Babu", phone="9876500002")
    assert counts(db_file)["customers"] == before["customers"] + 2


@pytest.mark.parametrize("shop_id", [999, "abc", None, -1])
def test_a_missing_shop_is_not_found(db_file, shop, shop_id):
    with pytest.raises(NotFound):
        root_at(db_file).read(shop_id, OWNER, reports.shop_summary)
