"""Money: exact amounts, plain-word refusals, Indian grouping."""
from decimal import Decimal

import pytest

from khata.errors import ValidationError
from khata.money import format_inr, parse_amount


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
