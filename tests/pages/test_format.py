"""Money, dates and CSV cells the way the dashboard shows them."""
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from dashboard import exports
from dashboard import format as fmt


def test_inr_indian_grouping():
    assert fmt.inr(Decimal("1234567.5")) == "₹12,34,567.50"
    assert fmt.inr(Decimal("0")) == "₹0.00"
    assert fmt.inr(None) == ""


def test_dates_read_like_a_shopkeeper_writes_them():
    assert fmt.day(date(2026, 11, 27)) == "27 Nov 2026"
    assert fmt.day(date(2026, 1, 5)) == "5 Jan 2026"
    assert fmt.day(datetime(2026, 11, 27, 8, tzinfo=UTC)) == "27 Nov 2026"
    assert fmt.day(None) == ""
    assert fmt.percent(Decimal("0.8123")) == "81.2%"


@pytest.mark.parametrize("cell,expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+91 98765", "'+91 98765"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("+919876543210", "+919876543210"), ("-250.50", "-250.50"), ("+1+1", "'+1+1"), ("-1e3", "'-1e3"),
    ("Rice 5 kg", "Rice 5 kg"), (Decimal("12.50"), "12.50"), (None, ""),
])
def test_safe_cell(cell, expected):
    assert exports.safe_cell(cell) == expected


def test_csv_bytes_has_labels_and_bom():
    data = exports.csv_bytes([{"a": "=1+1", "b": Decimal("5.00")}], {"a": "Name", "b": "Amount"})
    assert data.decode("utf-8") == "\ufeffName,Amount\r\n'=1+1,5.00\r\n"
