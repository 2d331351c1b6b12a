"""The Book: one unit of work opens the file at most once, only when it reads; a
write is all or nothing; a foreign or missing shop is simply not found."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from khata import book, customers, db, reports
from khata.errors import NotFound, ValidationError
from tests.services.helpers import counts


@pytest.fixture
def opened(monkeypatch):
    """Counts the connections the code under test opens."""
    calls = []
    real = db.connect

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(db, "connect", counting)
    return calls


def test_a_unit_that_reads_nothing_opens_nothing(db_file, shop, opened):
    with book.open_book(shop["shop_id"], path=db_file):
        pass
    assert opened == []


def test_several_reads_share_one_connection(db_file, shop, opened):
    with book.open_book(shop["shop_id"], path=db_file) as unit:
        reports.shop_summary(unit)
        customers.list_customers(unit)
        reports.top_customers_frame(unit)
        assert unit.today == unit.today
    assert len(opened) == 1


def test_today_and_now_are_fixed_for_the_unit(db_file, shop):
    late = datetime(2026, 12, 1, 18, 31, tzinfo=UTC)  # 00:01 on 2 Dec in India
    with book.open_book(shop["shop_id"], path=db_file, now=late) as unit:
        assert unit.now == late and unit.today == date(2026, 12, 2)
    with book.open_book(shop["shop_id"], path=db_file, today="2026-11-27") as unit:
        assert unit.today == date(2026, 11, 27)


def test_a_write_unit_is_all_or_nothing(db_file, shop):
    before = counts(db_file)
    with pytest.raises(ValidationError):
        with book.open_book(shop["shop_id"], path=db_file, write=True, actor="ravi") as unit:
            customers.create_customer(unit, name="Asha", phone="9876500001")
            customers.create_customer(unit, name="", phone="9876500002")  # refused: the first is undone too
    assert counts(db_file) == before
    with book.open_book(shop["shop_id"], path=db_file, write=True, actor="ravi") as unit:
        customers.create_customer(unit, name="Asha", phone="9876500001")
        customers.create_customer(unit, name="Babu", phone="9876500002")
    assert counts(db_file)["customers"] == before["customers"] + 2


@pytest.mark.parametrize("shop_id", [999, "abc", None, -1])
def test_a_missing_shop_is_not_found(db_file, shop, shop_id):
    with pytest.raises(NotFound):
        book.read(shop_id, reports.shop_summary, path=db_file)
