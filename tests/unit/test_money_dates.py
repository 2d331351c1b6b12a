"""Money, date and status rules, including the shop-timezone edge."""
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from khata.dates import days_past_due, loan_status, parse_date, shop_today, validate_timezone
from khata.errors import ValidationError
from khata.money import format_inr, parse_amount
from khata.phones import mask_phone, normalize_phone


@pytest.mark.parametrize("typed, expected", [
    ("250", Decimal("250.00")), ("99.5", Decimal("99.50")), ("1,234.50", Decimal("1234.50")),
    ("₹ 10", Decimal("10.00")), (0.1, Decimal("0.10")), (7, Decimal("7.00")), ("1.500", Decimal("1.50")),
])
def test_amounts_are_exact(typed, expected):
    assert parse_amount(typed) == expected
    assert isinstance(parse_amount(typed), Decimal)


@pytest.mark.parametrize("typed, message", [
    ("0", "more than ₹0"), ("-5", "more than ₹0"), ("1.234", "2 decimal places"), ("abc", "number of rupees"),
    ("nan", "number of rupees"), ("inf", "number of rupees"), (float("nan"), "number of rupees"),
    ("", "required"), (None, "required"), (True, "required"), ("1e30", "too large"),
])
def test_bad_amounts_are_refused_in_plain_words(typed, message):
    with pytest.raises(ValidationError, match=message):
        parse_amount(typed)


def test_zero_allowed_only_where_asked():
    assert parse_amount("0", "Credit limit", allow_zero=True) == Decimal("0.00")
    with pytest.raises(ValidationError, match="cannot be negative"):
        parse_amount("-1", "Credit limit", allow_zero=True)


def test_rupees_use_indian_grouping():
    assert format_inr(Decimal("1234567.5")) == "₹12,34,567.50"


@pytest.mark.parametrize("machine_tz", ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Kiritimati"])
def test_due_1_dec_pending_at_2359_ist_overdue_at_0001_ist(machine_tz, monkeypatch):
    """Whatever the machine's own timezone, the shop's date decides."""
    monkeypatch.setenv("TZ", machine_tz)
    ist = ZoneInfo("Asia/Kolkata")
    due = date(2026, 12, 1)
    before = datetime(2026, 12, 1, 23, 59, tzinfo=ist).astimezone(UTC)
    after = datetime(2026, 12, 2, 0, 1, tzinfo=ist).astimezone(UTC)
    assert shop_today("Asia/Kolkata", before) == date(2026, 12, 1)
    assert shop_today("Asia/Kolkata", after) == date(2026, 12, 2)
    assert loan_status(Decimal("10"), due, 0, shop_today("Asia/Kolkata", before)) == "pending"
    assert loan_status(Decimal("10"), due, 0, shop_today("Asia/Kolkata", after)) == "overdue"


def test_status_rules():
    due = date(2026, 11, 10)
    assert loan_status(Decimal("0"), due, 0, date(2027, 1, 1)) == "paid"
    assert loan_status(Decimal("5"), due, 3, date(2026, 11, 13)) == "pending"  # inside grace
    assert loan_status(Decimal("5"), due, 3, date(2026, 11, 14)) == "overdue"
    assert loan_status(Decimal("5"), due, 0, date(2026, 11, 14), reversed_=True) == "reversed"
    assert days_past_due(due, 3, date(2026, 11, 14)) == 1
    assert days_past_due(due, 0, date(2026, 11, 1)) == 0


def test_dates_and_timezones_refused_clearly():
    assert parse_date("2026-11-27") == date(2026, 11, 27)
    with pytest.raises(ValidationError, match="not a date"):
        parse_date("27/11/2026")
    with pytest.raises(ValidationError, match="outside"):
        parse_date("1900-01-01")
    with pytest.raises(ValidationError, match="not a date"):
        parse_date("2026-02-30")
    with pytest.raises(ValidationError, match="time zone"):
        validate_timezone("Mars/Olympus")


def test_phones_are_e164_and_masked():
    assert normalize_phone("098765 43210") == "+919876543210"
    assert normalize_phone("+91 98765-43210") == "+919876543210"
    assert mask_phone("+919876543210") == "+91•••••43210"
    for bad in ("12345", "abcdefghij", "", "+91 00000 00000"):
        with pytest.raises(ValidationError):
            normalize_phone(bad)
